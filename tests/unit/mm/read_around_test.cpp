// mmap read-around and the kernel's fault counts (issue 9): the window of a random miss at the
// file's start, middle and end; read-around switching off after more than MMAP_LOTSAMISS (100) net
// misses and back on after hits; MADV_RANDOM; pgmajfault for mmap sequential, read() and swap-in;
// read_requests in the host and group totals. Closed forms next to each check.
#include <doctest/doctest.h>

#include "sim/mm/memory_manager.hpp"

namespace headroom::mm {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB;
constexpr std::uint64_t kPage = 4 * KiB;

ManagerConfig host(std::uint64_t ram = 256 * MiB) {
  ManagerConfig c;
  c.ram_bytes = ram;
  c.policy = "linux";
  c.readahead_pages = 32;  // 128 KiB: the window is [p - 16, p + 16)
  return c;
}

// A touch of page `page` of `mapping`, random.
TouchCost touch_page(MemoryManager& mm, MappingId mapping, std::uint64_t page) {
  return mm.touch(mapping, page * kPage, kPage, AccessPattern::random);
}

TEST_CASE("read-around window of a random miss at the file's start, middle and end") {
  MemoryManager mm(host());
  const OwnerId p = mm.add_owner("p");
  const FileId f = mm.add_file("weights", MiB);  // 256 pages
  const MappingId m = mm.map_file(p, f, FileUse::mapped);
  // Start: page 3, start = max(0, 3 - 16) = 0, ra = 32 pages long: [0, 32).
  TouchCost c = touch_page(mm, m, 3);
  CHECK(c.file_read_bytes == 32 * kPage);
  CHECK(c.file_read_ios == 1);
  CHECK(c.major_faults == 1);
  CHECK(c.fault_waits == 1);
  CHECK(mm.file_resident_bytes(f) == 32 * kPage);
  // Middle: page 100, [84, 116): 32 pages, none resident.
  c = touch_page(mm, m, 100);
  CHECK(c.file_read_bytes == 32 * kPage);
  CHECK(c.major_faults == 1);
  // End: page 250, [234, 266) clipped to the 256-page file: 22 pages.
  c = touch_page(mm, m, 250);
  CHECK(c.file_read_bytes == 22 * kPage);
  CHECK(c.read_requests() == 1);
  // Overlap: page 120, [104, 136): 104..115 are resident (from page 100's window) and are not
  // read again; 116..135 = 20 pages in one request.
  c = touch_page(mm, m, 120);
  CHECK(c.file_read_bytes == 20 * kPage);
  CHECK(c.file_read_ios == 1);
  CHECK(mm.file_resident_bytes(f) == (32 + 32 + 22 + 20) * kPage);
  // A hit: no I/O, no fault.
  c = touch_page(mm, m, 5);
  CHECK(c.hit_bytes == kPage);
  CHECK(c.file_read_ios + c.major_faults + c.fault_waits == 0);
  mm.check_invariants();
}

TEST_CASE("read-around switches off after more than 100 net misses and back on after fault-around hits") {
  MemoryManager mm(host());
  const OwnerId p = mm.add_owner("p");
  const FileId f = mm.add_file("weights", 64 * MiB);  // 16384 pages
  const MappingId m = mm.map_file(p, f, FileUse::mapped);
  // Misses 64 pages apart (windows of 32 never meet): misses 1..100 leave mmap_miss <= 100 and read
  // 32 pages each; misses 101..120 raise it to 101..120 and read their page alone.
  TouchCost total;
  for (std::uint64_t i = 0; i < 120; ++i) {
    const TouchCost c = touch_page(mm, m, 32 + 64 * i);  // page 32 + 64i: window [16 + 64i, 48 + 64i)
    total.file_read_bytes += c.file_read_bytes;
    total.file_read_ios += c.file_read_ios;
    total.major_faults += c.major_faults;
  }
  CHECK(total.file_read_bytes == (100 * 32 + 20) * kPage);
  CHECK(total.file_read_ios == 120);
  CHECK(total.major_faults == 120);
  // mmap_miss = 120. A hit is a minor fault whose fault-around maps the cached pages of its
  // aligned 64 KiB block (16 pages): one hit on page 20 (block [16, 32), all in window 0's
  // [16, 48)) takes 16 off: 104. The next miss makes it 105 > 100: its page alone.
  CHECK(touch_page(mm, m, 20).hit_bytes == kPage);
  TouchCost c = touch_page(mm, m, 32 + 64 * 200);
  CHECK(c.file_read_bytes == kPage);
  // A hit on page 40 (block [32, 48), 16 resident pages): 105 - 16 = 89; the next miss makes it
  // 90 <= 100: read-around again, 32 pages.
  CHECK(touch_page(mm, m, 40).hit_bytes == kPage);
  c = touch_page(mm, m, 32 + 64 * 202);
  CHECK(c.file_read_bytes == 32 * kPage);
  CHECK(c.major_faults == 1);
  // A hit whose block is only partly cached takes off its cached pages: page 32 + 64 * 200 is
  // alone in its block [12816, 12832) (window 0..119 end at 7680; 12832 is past the page): 1.
  CHECK(touch_page(mm, m, 32 + 64 * 200).hit_bytes == kPage);  // 90 - 1 = 89
  // 11 more misses reach exactly 100 and still read around; the 12th makes 101: its page alone.
  for (std::uint64_t i = 0; i < 11; ++i) CHECK(touch_page(mm, m, 32 + 64 * (210 + i)).file_read_bytes == 32 * kPage);
  CHECK(touch_page(mm, m, 32 + 64 * 230).file_read_bytes == kPage);
  mm.check_invariants();
}

TEST_CASE("MADV_RANDOM reads one page per miss") {
  MemoryManager mm(host());
  const OwnerId p = mm.add_owner("p");
  const FileId f = mm.add_file("weights", MiB);
  const MappingId m = mm.map_file(p, f, FileUse::mapped);
  mm.set_advice(m, Advice::random);
  // 10 separate pages and one run of 8: 18 missed pages, 18 single-page requests and faults.
  TouchCost total;
  for (std::uint64_t i = 0; i < 10; ++i) {
    const TouchCost c = touch_page(mm, m, 10 * i);
    total.file_read_bytes += c.file_read_bytes;
    total.file_read_ios += c.file_read_ios;
    total.major_faults += c.major_faults;
  }
  const TouchCost run = mm.touch(m, 200 * kPage, 8 * kPage, AccessPattern::random);
  CHECK(total.file_read_bytes == 10 * kPage);
  CHECK(total.file_read_ios == 10);
  CHECK(total.major_faults == 10);
  CHECK(run.file_read_ios == 8);
  CHECK(run.major_faults == 8);
  CHECK(run.fault_waits == 8);
  // Anonymous memory takes no advice.
  const MappingId heap = mm.map(p, Backing::anon, "heap", MiB);
  CHECK_THROWS_AS(mm.set_advice(heap, Advice::random), std::invalid_argument);
}

TEST_CASE("pgmajfault: mmap sequential, read(), zero fill and swap-in") {
  ManagerConfig c = host(64 * MiB);
  c.swap_bytes = 64 * MiB;
  c.swappiness = 200;  // anonymous pages only
  MemoryManager mm(c);
  const GroupId g = mm.add_group("g", {});
  const OwnerId p = mm.add_owner("p", 0, g);
  const FileId f = mm.add_file("data", 8 * MiB);
  // mmap sequential, 1 MiB = 256 pages: 256 / 32 = 8 readahead requests, one fault (one miss run).
  const MappingId mapped = mm.map_file(p, f, FileUse::mapped);
  TouchCost seq = mm.touch(mapped, 0, MiB);
  CHECK(seq.read_requests() == 8);
  CHECK(seq.major_faults == 1);
  // read() of the next MiB: the same 8 requests, no page fault at all.
  const MappingId read = mm.map_file(p, f, FileUse::read);
  TouchCost rd = mm.touch(read, MiB, MiB);
  CHECK(rd.file_read_bytes == MiB);
  CHECK(rd.read_requests() == 8);
  CHECK(rd.major_faults == 0);
  // read() at random never reads around: one single-page request per missed page, no fault.
  TouchCost rr = mm.touch(read, 4 * MiB, 16 * kPage, AccessPattern::random);
  CHECK(rr.file_read_bytes == 16 * kPage);
  CHECK(rr.read_requests() == 16);
  CHECK(rr.major_faults == 0);
  // Anonymous zero fill: minor faults only.
  const MappingId heap = mm.map(p, Backing::anon, "heap", 96 * MiB);
  TouchCost zero = mm.touch(heap, 0, 96 * MiB);
  CHECK(zero.zero_fill_bytes > 0);
  CHECK(zero.major_faults == 0);
  // Swap-in: one fault and one request per cluster of 2^page_cluster = 8 pages.
  TouchCost back = mm.touch(heap, 0, 96 * MiB);
  REQUIRE(back.swap_in_bytes > 0);
  CHECK(back.major_faults == back.swap_in_ios);
  CHECK(back.swap_in_ios * 8 >= back.swap_in_bytes / kPage);
  // Totals: the host's and the group's read_requests and major_faults sum the touches'.
  const std::uint64_t requests = 8 + 8 + 16 + back.read_requests() + zero.read_requests();
  const std::uint64_t faults = 1 + back.major_faults + zero.major_faults;
  CHECK(mm.stats().read_requests == requests);
  CHECK(mm.stats().major_faults == faults);
  CHECK(mm.group_stats(g).read_requests == requests);
  CHECK(mm.group_stats(g).major_faults == faults);
  mm.check_invariants();
}

}  // namespace
}  // namespace headroom::mm
