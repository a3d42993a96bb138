// Memory cgroups, shared files, discard and refault counts in the MemoryManager (issue 7), each
// checked against a closed form written next to it.
//
// The 1 GiB host used throughout (4 KiB pages): 262144 frames; min_free_kbytes = int_sqrt(1048576 *
// 16) = 4096 -> min 1024 pages; step = max(1024 / 4, 262144 * 10 / 10000) = 262: low 1286, high
// 1548; no OS reserve, so the host capacity is 262144 - 1024 = 261120 pages.
#include <doctest/doctest.h>

#include <chrono>
#include <random>

#include "sim/mm/memory_manager.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr std::uint64_t kPage = 4 * KiB;

ManagerConfig host(const std::string& policy, std::uint64_t swap_bytes = 0) {
  ManagerConfig c;
  c.ram_bytes = GiB;
  c.policy = policy;
  c.swap_bytes = swap_bytes;
  return c;
}

GroupLimits max_of(std::uint64_t bytes) {
  GroupLimits l;
  l.max_bytes = bytes;
  return l;
}

TEST_CASE("a group with memory.max below its working set re-reads its file every pass, another group is untouched") {
  MemoryManager mm(host("lru"));
  const GroupId a = mm.add_group("a", max_of(64 * MiB));  // 16384 pages
  const GroupId b = mm.add_group("b", {});
  const OwnerId pa = mm.add_owner("reader", 0, a), pb = mm.add_owner("server", 0, b);
  const MappingId fb = mm.map_file(pb, mm.add_file("model", 128 * MiB), FileUse::mapped);
  mm.touch(fb, 0, 128 * MiB);  // 32768 pages charged to b
  const MappingId fa = mm.map_file(pa, mm.add_file("corpus", 96 * MiB), FileUse::read);  // 24576 pages
  for (int pass = 0; pass < 3; ++pass) {
    CAPTURE(pass);
    // A cyclic scan of 24576 pages through an LRU of 16384: every page misses every pass; from the
    // second pass on every page had been evicted before (shadowed): 24576 refaults.
    const TouchCost c = mm.touch(fa, 0, 96 * MiB);
    CHECK(c.hit_bytes == 0);
    CHECK(c.file_read_bytes == 96 * MiB);
    CHECK(c.refault_pages == (pass == 0 ? 0 : 24576));
    CHECK_FALSE(c.out_of_memory);
    CHECK(c.direct_reclaim_pages == (pass == 0 ? 24576 - 16384 : 24576));  // all of it group-local
    mm.check_invariants();
    const GroupStats sa = mm.group_stats(a);
    CHECK(sa.usage_pages == 16384);
    CHECK(sa.peak_usage_pages == 16384);
    CHECK(sa.events_max == static_cast<std::uint64_t>(pass + 1));
    CHECK(sa.refault_file_pages == static_cast<std::uint64_t>(pass) * 24576);
    const GroupStats sb = mm.group_stats(b);
    CHECK(sb.usage_pages == 32768);  // never reclaimed: b's pages are not a's to take
    CHECK(sb.reclaim_pages == 0);
  }
  CHECK(mm.touch(fb, 0, 128 * MiB).hit_bytes == 128 * MiB);
  CHECK(mm.stats().refault_file_pages == 2 * 24576);
}

TEST_CASE("a group over memory.max with only unreclaimable anon (swap.max 0) reports a group OOM") {
  MemoryManager mm(host("linux", 256 * MiB));
  GroupLimits l = max_of(32 * MiB);  // 8192 pages
  l.swap_max_bytes = 0;
  const GroupId a = mm.add_group("a", l);
  const OwnerId pa = mm.add_owner("job", 0, a), root = mm.add_owner("other");
  const MappingId other = mm.map(root, Backing::anon, "other", 16 * MiB);
  mm.touch(other, 0, 16 * MiB);
  const MappingId heap = mm.map(pa, Backing::anon, "heap", 64 * MiB);
  TouchCost c = mm.touch(heap, 0, 32 * MiB);  // exactly memory.max: fits
  CHECK_FALSE(c.out_of_memory);
  c = mm.touch(heap, 32 * MiB, kPage);  // one page more, nothing it may swap
  CHECK(c.out_of_memory);
  REQUIRE(c.oom_group.has_value());
  CHECK(*c.oom_group == a);
  mm.check_invariants();
  const GroupStats s = mm.group_stats(a);
  CHECK(s.usage_pages == 8192);  // the unplaced page was dropped
  CHECK(s.swap_pages == 0);
  CHECK(s.events_oom == 1);
  CHECK(mm.select_oom_victim(a) == pa);
  CHECK(mm.select_oom_victim() == pa);  // 8192 > 4096 pages
  mm.kill(pa);
  CHECK(mm.group_stats(a).events_oom_kill == 1);
  CHECK(mm.group_stats(a).usage_pages == 0);
  CHECK(mm.owner_rss_bytes(root) == 16 * MiB);  // outside the group: untouched
  mm.check_invariants();
}

TEST_CASE("with swap allowed, a group over memory.max swaps its own anon up to memory.swap.max") {
  MemoryManager mm(host("linux", 256 * MiB));
  GroupLimits l = max_of(32 * MiB);
  l.swap_max_bytes = 8 * MiB;  // 2048 pages
  const GroupId a = mm.add_group("a", l);
  const MappingId heap = mm.map(mm.add_owner("job", 0, a), Backing::anon, "heap", 64 * MiB);
  TouchCost c = mm.touch(heap, 0, 40 * MiB);  // 10240 pages: 2048 over max, exactly the swap room
  CHECK_FALSE(c.out_of_memory);
  CHECK(mm.group_stats(a).swap_pages == 2048);
  CHECK(mm.group_stats(a).usage_pages == 8192);
  c = mm.touch(heap, 40 * MiB, kPage);  // swap.max reached
  CHECK(c.out_of_memory);
  CHECK(c.oom_group == a);
  CHECK(mm.group_stats(a).peak_swap_pages == 2048);
  mm.check_invariants();
}

// Three unlimited groups fill the host; the touch that crosses the capacity is followed by host
// reclaim split in proportion to each group's resident pages above its protection. Per group:
// share = ceil(want * eligible / total eligible), capped by what is still wanted, groups in order.
TEST_CASE("host reclaim takes from every group in proportion to its resident pages") {
  MemoryManager mm(host("lru"));
  const GroupId a = mm.add_group("a", {}), b = mm.add_group("b", {}), c = mm.add_group("c", {});
  auto file_of = [&](GroupId g, std::uint64_t bytes) {
    return mm.map_file(mm.add_owner("o", 0, g), mm.add_file("f", bytes), FileUse::mapped);
  };
  const MappingId fa = file_of(a, 480 * MiB), fb = file_of(b, 480 * MiB), fc = file_of(c, 64 * MiB);
  mm.touch(fa, 0, 480 * MiB);  // 122880 pages
  mm.touch(fb, 0, 480 * MiB);  // 122880: 245760 resident, 16384 free > low
  CHECK(mm.stats().kswapd_reclaim_pages == 0);
  const TouchCost t = mm.touch(fc, 0, 64 * MiB);  // 16384: 262144 resident, capacity 261120
  // Direct reclaim of 1024: a ceil(1024 * 122880 / 262144) = 480, b 480, c min(ceil(64), 64) = 64.
  CHECK(t.direct_reclaim_pages == 1024);
  // kswapd: free = 1024 < low 1286, reclaims high - free = 524 from 122400, 122400, 16320 (261120):
  // a ceil(524 * 122400 / 261120) = ceil(245.6) = 246, b 246, c min(ceil(32.75), 524 - 492) = 32.
  CHECK(mm.stats().kswapd_reclaim_pages == 524);
  CHECK(mm.group_stats(a).reclaim_pages == 480 + 246);
  CHECK(mm.group_stats(b).reclaim_pages == 480 + 246);
  CHECK(mm.group_stats(c).reclaim_pages == 64 + 32);
  CHECK(mm.stats().free_frames == 1548);  // back at the high watermark
  mm.check_invariants();
}

TEST_CASE("host reclaim passes over a group that cannot give (anon, no swap) and splits the rest") {
  MemoryManager mm(host("lru"));  // no swap
  const GroupId a = mm.add_group("a", {}), b = mm.add_group("b", {}), c = mm.add_group("c", {});
  const MappingId heap = mm.map(mm.add_owner("o", 0, a), Backing::anon, "heap", 800 * MiB);  // 204800
  mm.touch(heap, 0, 800 * MiB);
  mm.touch(mm.map_file(mm.add_owner("o", 0, b), mm.add_file("f", 200 * MiB), FileUse::read), 0, 200 * MiB);  // 51200
  const TouchCost t =
      mm.touch(mm.map_file(mm.add_owner("o", 0, c), mm.add_file("g", 64 * MiB), FileUse::read), 0, 64 * MiB);
  // 272384 resident, capacity 261120: direct reclaim of 11264 over 204800 + 51200 + 16384.
  // Round 1: a asked ceil(8469.2) = 8470, gives 0 (spent); b ceil(2117.3) = 2118; c ceil(677.5) = 678.
  // Round 2, the remaining 8468 over b 49082 + c 15706: b ceil(6415.2) = 6416, c min(2053, 2052).
  // kswapd then takes 524: round 1 b ceil(524 * 42666 / 261120) = 86, c ceil(27.4) = 28; round 2
  // 410 over 42580 + 13626: b ceil(310.6) = 311, c min(100, 99) = 99.
  CHECK(t.direct_reclaim_pages == 11264);
  CHECK_FALSE(t.out_of_memory);
  CHECK(mm.group_stats(a).reclaim_pages == 0);
  CHECK(mm.group_stats(b).reclaim_pages == 2118 + 6416 + 86 + 311);
  CHECK(mm.group_stats(c).reclaim_pages == 678 + 2052 + 28 + 99);
  mm.check_invariants();
}

TEST_CASE("memory.min protects a group from host reclaim, memory.low yields only when nothing else is left") {
  SUBCASE("min") {
    MemoryManager mm(host("lru"));
    GroupLimits protect;
    protect.min_bytes = 480 * MiB;
    const GroupId a = mm.add_group("a", protect), b = mm.add_group("b", {}), c = mm.add_group("c", {});
    auto file_of = [&](GroupId g, std::uint64_t bytes) {
      return mm.map_file(mm.add_owner("o", 0, g), mm.add_file("f", bytes), FileUse::mapped);
    };
    mm.touch(file_of(a, 480 * MiB), 0, 480 * MiB);
    mm.touch(file_of(b, 480 * MiB), 0, 480 * MiB);
    mm.touch(file_of(c, 64 * MiB), 0, 64 * MiB);
    // Direct 1024 from b, c (eligible 122880 + 16384 = 139264): b ceil(903.5) = 904, c 120.
    // kswapd 524 from 121976 + 16264 = 138240: b ceil(462.4) = 463, c min(ceil(61.6), 61) = 61.
    CHECK(mm.group_stats(a).reclaim_pages == 0);
    CHECK(mm.group_stats(b).reclaim_pages == 904 + 463);
    CHECK(mm.group_stats(c).reclaim_pages == 120 + 61);
    CHECK(mm.group_stats(a).events_low == 0);
    mm.check_invariants();
  }
  SUBCASE("low") {
    MemoryManager mm(host("lru"));
    GroupLimits low, min_all;
    low.low_bytes = 480 * MiB;
    min_all.min_bytes = 480 * MiB;
    GroupLimits min_c;
    min_c.min_bytes = 64 * MiB;
    const GroupId a = mm.add_group("a", low), b = mm.add_group("b", min_all), c = mm.add_group("c", min_c);
    auto file_of = [&](GroupId g, std::uint64_t bytes) {
      return mm.map_file(mm.add_owner("o", 0, g), mm.add_file("f", bytes), FileUse::mapped);
    };
    mm.touch(file_of(a, 480 * MiB), 0, 480 * MiB);
    mm.touch(file_of(b, 480 * MiB), 0, 480 * MiB);
    mm.touch(file_of(c, 64 * MiB), 0, 64 * MiB);
    // b and c are min-protected in full; the only pages left are a's, below its low: a gives the
    // direct 1024 and kswapd's 524, one low event each.
    CHECK(mm.group_stats(a).reclaim_pages == 1024 + 524);
    CHECK(mm.group_stats(b).reclaim_pages == 0);
    CHECK(mm.group_stats(c).reclaim_pages == 0);
    CHECK(mm.group_stats(a).events_low == 2);
    mm.check_invariants();
  }
}

TEST_CASE("memory.high throttles by the kernel's calculate_high_delay") {
  // The kernel's table (mm/memcontrol.c, HZ 1000, one 64-page batch) for a high of 100 MiB:
  // 105 MiB: overage = (1280 << 20) / 25600 = 52428; 52428^2 * 1000 >> 34 = 159 jiffies = 0.159 s.
  CHECK(memcg_high_delay_s(26880, 25600, 64) == doctest::Approx(0.159).epsilon(1e-12));
  // 101 MiB: 10485^2 * 1000 >> 34 = 6 jiffies <= HZ / 100: not slept.
  CHECK(memcg_high_delay_s(25856, 25600, 64) == 0);
  CHECK(memcg_high_delay_s(25600, 25600, 64) == 0);
  // 200 MiB over 100: overage 2^20, 2^40 * 1000 >> 34 = 64000 jiffies, capped at 2 * HZ.
  CHECK(memcg_high_delay_s(51200, 25600, 64) == 2.0);

  MemoryManager mm(host("linux"));  // no swap: anon cannot be reclaimed, the group stays over high
  GroupLimits l;
  l.high_bytes = 32 * MiB;  // 8192 pages
  const GroupId a = mm.add_group("a", l);
  const MappingId heap = mm.map(mm.add_owner("job", 0, a), Backing::anon, "heap", 64 * MiB);
  CHECK(mm.touch(heap, 0, 32 * MiB).high_throttle_s == 0);  // at high, not over
  // 33 MiB = 8448 pages: overage = (256 << 20) / 8192 = 32768; 32768^2 * 1000 >> 34 = 62 jiffies;
  // x 256 charged / 64 = 248 jiffies = 0.248 s.
  TouchCost c = mm.touch(heap, 32 * MiB, MiB);
  CHECK_FALSE(c.out_of_memory);
  CHECK(c.high_throttle_s == doctest::Approx(0.248).epsilon(1e-12));
  // One more page: 8449 pages, overage (257 << 20) / 8192 = 32896; 32896^2 * 1000 >> 34 = 62
  // jiffies, the batch of 64 -> 0.062 s.
  c = mm.touch(heap, 33 * MiB, kPage);
  CHECK(c.high_throttle_s == doctest::Approx(0.062).epsilon(1e-12));
  // A hit charges nothing: no throttle (try_charge flags only charging tasks).
  CHECK(mm.touch(heap, 0, kPage).high_throttle_s == 0);
  const GroupStats s = mm.group_stats(a);
  CHECK(s.events_high == 2);
  CHECK(s.high_throttle_s == doctest::Approx(0.310).epsilon(1e-12));
  mm.check_invariants();
}

TEST_CASE("memory.high reclaims the excess when it can, and then does not throttle") {
  MemoryManager mm(host("lru"));
  GroupLimits l;
  l.high_bytes = 32 * MiB;
  const GroupId a = mm.add_group("a", l);
  const MappingId f = mm.map_file(mm.add_owner("job", 0, a), mm.add_file("data", 64 * MiB), FileUse::read);
  const TouchCost c = mm.touch(f, 0, 48 * MiB);  // 12288 pages, 4096 over: clean file pages, dropped
  CHECK(c.direct_reclaim_pages == 4096);
  CHECK(c.high_throttle_s == 0);
  CHECK(mm.group_stats(a).usage_pages == 8192);
  CHECK(mm.group_stats(a).events_high == 1);
  mm.check_invariants();
}

TEST_CASE("two mappings of one file hold one copy, read() page cache is not RSS") {
  MemoryManager mm(host("linux"));
  const GroupId b = mm.add_group("b", {});
  const FileId model = mm.add_file("model", 64 * MiB);
  const OwnerId x = mm.add_owner("x"), y = mm.add_owner("y", 0, b), z = mm.add_owner("z");
  const MappingId mx = mm.map_file(x, model, FileUse::mapped), my = mm.map_file(y, model, FileUse::mapped);
  const MappingId mz = mm.map_file(z, model, FileUse::read);
  CHECK(mm.touch(mx, 0, 64 * MiB).file_read_bytes == 64 * MiB);
  const TouchCost c = mm.touch(my, 0, 64 * MiB);  // resident, charged to the root: hits
  CHECK(c.hit_bytes == 64 * MiB);
  CHECK(c.file_read_bytes == 0);
  CHECK(mm.touch(mz, 0, 64 * MiB).hit_bytes == 64 * MiB);
  CHECK(mm.stats().file_frames == 16384);  // page cache = file size, not three copies
  CHECK(mm.file_resident_bytes(model) == 64 * MiB);
  CHECK(mm.group_stats(kRootGroup).file_pages == 16384);  // first touch charges
  CHECK(mm.group_stats(b).file_pages == 0);
  CHECK(mm.owner_rss_bytes(x) == 64 * MiB);
  CHECK(mm.owner_rss_bytes(y) == 64 * MiB);
  CHECK(mm.owner_rss_bytes(z) == 0);
  CHECK(mm.owner_memory(y).file_mapped_bytes == 64 * MiB);
  CHECK(mm.owner_memory(z).file_mapped_bytes == 0);
  mm.check_invariants();
}

TEST_CASE("another group's hit on a shared page refreshes it in the charging group's LRU") {
  MemoryManager mm(host("lru"));
  const GroupId a = mm.add_group("a", max_of(16 * MiB));  // 4096 pages
  const GroupId b = mm.add_group("b", {});
  const OwnerId pa = mm.add_owner("a", 0, a), pb = mm.add_owner("b", 0, b);
  const FileId shared = mm.add_file("shared", 16 * MiB);
  const MappingId ma = mm.map_file(pa, shared, FileUse::mapped), mb = mm.map_file(pb, shared, FileUse::mapped);
  mm.touch(ma, 0, 16 * MiB);  // pages 0..4095 charged to a, a at its max
  CHECK(mm.touch(mb, 0, 8 * MiB).hit_bytes == 8 * MiB);  // 0..2047: hits, now a's newest
  CHECK(mm.group_stats(b).usage_pages == 0);
  // a's own 2048 new pages evict a's oldest: 2048..4095, not the pages b just used.
  mm.touch(mm.map(pa, Backing::file, "own", 8 * MiB), 0, 8 * MiB);
  CHECK(mm.touch(mb, 0, 8 * MiB).hit_bytes == 8 * MiB);
  const TouchCost c = mm.touch(mb, 8 * MiB, 8 * MiB);  // 2048..4095: evicted, now charged to b
  CHECK(c.file_read_bytes == 8 * MiB);
  CHECK(c.refault_pages == 2048);
  CHECK(mm.group_stats(b).file_pages == 2048);
  CHECK(mm.group_stats(a).file_pages == 4096);
  CHECK(mm.file_resident_bytes(shared) == 16 * MiB);
  mm.check_invariants();
}

TEST_CASE("shared file pages survive unmap and kill and are hits for the next mapper, private files do not") {
  MemoryManager mm(host("linux"));
  const FileId model = mm.add_file("model", 64 * MiB);
  const OwnerId x = mm.add_owner("x");
  const MappingId mx = mm.map_file(x, model, FileUse::mapped);
  mm.touch(mx, 0, 64 * MiB, AccessPattern::sequential, /*write=*/true);
  mm.unmap(mx);
  CHECK(mm.stats().file_frames == 16384);
  CHECK(mm.owner_rss_bytes(x) == 0);
  const OwnerId y = mm.add_owner("y");
  TouchCost c = mm.touch(mm.map_file(y, model, FileUse::mapped), 0, 64 * MiB);
  CHECK(c.hit_bytes == 64 * MiB);
  CHECK(c.file_read_bytes == 0);
  mm.kill(y);
  CHECK(mm.stats().file_frames == 16384);
  c = mm.touch(mm.map_file(mm.add_owner("w"), model, FileUse::read), 0, 64 * MiB);
  CHECK(c.hit_bytes == 64 * MiB);
  mm.check_invariants();
  // The legacy private file: its cache goes with the mapping.
  const MappingId priv = mm.map(x, Backing::file, "private", 16 * MiB);
  mm.touch(priv, 0, 16 * MiB);
  CHECK(mm.stats().file_frames == 16384 + 4096);
  mm.unmap(priv);
  CHECK(mm.stats().file_frames == 16384);
  mm.check_invariants();
}

TEST_CASE("discard frees exactly the range: anon frames and swap slots, file cache after writeback") {
  MemoryManager mm(host("lru", 256 * MiB));
  const GroupId a = mm.add_group("a", max_of(32 * MiB));  // 8192 pages
  const OwnerId p = mm.add_owner("p", 0, a);
  const MappingId heap = mm.map(p, Backing::anon, "heap", 64 * MiB);
  mm.touch(heap, 0, 64 * MiB);  // 16384 pages through an LRU of 8192: pages 0..8191 in swap
  CHECK(mm.stats().swap_slots_used == 8192);
  mm.discard(heap, 0, 16 * MiB);  // pages 0..4095: all in swap
  CHECK(mm.stats().swap_slots_used == 4096);
  CHECK(mm.group_stats(a).swap_pages == 4096);
  mm.discard(heap, 48 * MiB, 8 * MiB);  // pages 12288..14335: all resident
  CHECK(mm.stats().anon_frames == 8192 - 2048);
  CHECK(mm.owner_memory(p).anon_bytes == 24 * MiB);
  CHECK(mm.owner_memory(p).swap_bytes == 16 * MiB);
  mm.check_invariants();
  // Discarded pages come back as zero fills, not swap-ins or refaults.
  const TouchCost c = mm.touch(heap, 48 * MiB, 8 * MiB);
  CHECK(c.zero_fill_bytes == 8 * MiB);
  CHECK(c.swap_in_bytes == 0);
  CHECK(c.refault_pages == 0);
  // A swapped page that comes back is an anon refault.
  const TouchCost back = mm.touch(heap, 16 * MiB, kPage);
  CHECK(back.swap_in_bytes == kPage);
  CHECK(back.refault_pages == 1);
  CHECK(mm.stats().refault_anon_pages == 1);
  mm.check_invariants();

  // A shared file: dirty pages of the range are written back, then the range leaves the cache.
  const MappingId f = mm.map_file(p, mm.add_file("out", 16 * MiB), FileUse::mapped);
  mm.touch(f, 0, 8 * MiB, AccessPattern::sequential, /*write=*/true);
  const std::uint64_t written = mm.stats().writeback_bytes, frames = mm.stats().file_frames;
  mm.discard(f, 4 * MiB, 8 * MiB);  // 1024 dirty + 1024 never read pages
  CHECK(mm.stats().writeback_bytes - written == 4 * MiB);
  CHECK(frames - mm.stats().file_frames == 1024);
  CHECK_THROWS_AS(mm.discard(f, 8 * MiB, 16 * MiB), std::out_of_range);
  const MappingId w = mm.map(mm.add_owner("gpu"), Backing::wired, "w", MiB);
  CHECK_THROWS_AS(mm.discard(w, 0, MiB), std::invalid_argument);
  mm.check_invariants();
}

TEST_CASE("discard and map/unmap churn stay O(runs) and reuse mapping records") {
  ManagerConfig cfg = host("linux");
  cfg.ram_bytes = 64 * GiB;
  MemoryManager mm(cfg);
  const OwnerId p = mm.add_owner("trainer");
  // 32 GiB of activations (8 Mi pages) freed in halves and refilled 2,000 times: 3 x 10^10 page
  // operations if discard were O(pages); a few milliseconds as O(runs).
  const MappingId act = mm.map(p, Backing::anon, "activations", 32 * GiB);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) {
    mm.touch(act, 0, 32 * GiB, AccessPattern::sequential, true);
    mm.discard(act, (i % 2) * 16 * GiB, 16 * GiB);
  }
  const double elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(elapsed_s < 10.0);
  CHECK(mm.stats().anon_frames == 16 * GiB / kPage);
  mm.check_invariants();
  // A replay buffer's slots mapped and unmapped 10,000 times: the mapping table does not grow.
  MappingId highest = 0;
  for (int i = 0; i < 10000; ++i) {
    const MappingId slot = mm.map(p, Backing::anon, "slot", MiB);
    mm.touch(slot, 0, MiB);
    highest = std::max(highest, slot);
    mm.unmap(slot);
  }
  CHECK(highest == act + 1);
  mm.check_invariants();
}

TEST_CASE("refaults: reading a file twice the memory once counts none, reading it again counts every page") {
  MemoryManager mm(host("lru"));
  const MappingId f = mm.map(mm.add_owner("job"), Backing::file, "corpus", 2 * GiB);  // 524288 pages
  auto pass = [&] {
    std::uint64_t refaults = 0, read = 0;
    for (std::uint64_t off = 0; off < 2 * GiB; off += 64 * MiB) {
      const TouchCost c = mm.touch(f, off, 64 * MiB);
      refaults += c.refault_pages;
      read += c.file_read_bytes;
    }
    CHECK(read == 2 * GiB);
    return refaults;
  };
  CHECK(pass() == 0);  // every page read once: evictions, but nothing came back
  CHECK(mm.stats().refault_file_pages == 0);
  mm.check_invariants();
  // Every page was evicted during the first pass or, for the pages still resident at its end,
  // during the second pass before the scan reaches them (the file is twice the capacity).
  CHECK(pass() == 524288);
  CHECK(mm.stats().refault_file_pages == 524288);
  CHECK(mm.group_stats(kRootGroup).refault_file_pages == 524288);
  mm.check_invariants();
}

TEST_CASE("groups: names, limits and errors") {
  MemoryManager mm(host("linux"));
  CHECK(mm.group_count() == 1);
  CHECK(mm.group_name(kRootGroup).empty());
  const GroupId a = mm.add_group("a", max_of(GiB / 2));
  CHECK(mm.group_count() == 2);
  CHECK(mm.group_name(a) == "a");
  CHECK(mm.group_limits(a).max_bytes == GiB / 2);
  CHECK_THROWS_WITH_AS(mm.add_group("a", {}), "memory group 'a' already exists", std::invalid_argument);
  CHECK_THROWS_AS(mm.add_group("", {}), std::invalid_argument);
  CHECK_THROWS_AS(mm.add_owner("x", 0, 7), std::invalid_argument);
  CHECK_THROWS_AS(mm.group_stats(7), std::invalid_argument);
  CHECK_THROWS_AS(mm.add_file("empty", 0), std::invalid_argument);
  CHECK_THROWS_AS(mm.map_file(0, 3, FileUse::read), std::invalid_argument);
  // memory.max 0 (or below a page): nothing fits, every charging touch is a group OOM.
  const GroupId none = mm.add_group("none", max_of(kPage - 1));
  const MappingId m = mm.map(mm.add_owner("z", 0, none), Backing::anon, "m", MiB);
  const TouchCost c = mm.touch(m, 0, MiB);
  CHECK(c.out_of_memory);
  CHECK(c.oom_group == none);
  CHECK(mm.group_stats(none).usage_pages == 0);
  mm.check_invariants();
  const OwnerId o = mm.add_owner("o", 0, a);
  mm.release_owner(o);
  CHECK_THROWS_AS(mm.release_owner(o), std::invalid_argument);
  CHECK(mm.stats().oom_kills == 0);
}

}  // namespace
}  // namespace headroom::mm

namespace headroom::mm {
namespace {

// Random maps, touches (reads and writes, sequential and random), discards, unmaps, kills and
// releases across three groups (max, high, swap.max, min, low) and shared files, with every online
// policy: the invariants hold after every operation.
// Drops the mappings a kill or a release unmapped (touching a dead mapping throws).
void forget_dead_in(MemoryManager& mm, std::vector<std::pair<MappingId, std::uint64_t>>& live) {
  std::erase_if(live, [&](const auto& e) {
    try {
      mm.touch(e.first, 0, 0);
      return false;
    } catch (const std::invalid_argument&) {
      return true;
    }
  });
}

TEST_CASE("groups, shared files and discard keep the invariants under random operations with every policy") {
  for (const auto& name : PolicyRegistry::instance().names()) {
    if (PolicyRegistry::instance().find(name)->offline) continue;
    CAPTURE(name);
    ManagerConfig cfg;
    cfg.ram_bytes = 64 * MiB;  // 16384 frames
    cfg.swap_bytes = 16 * MiB;
    cfg.policy = name;
    MemoryManager mm(cfg);
    GroupLimits tight;
    tight.max_bytes = 16 * MiB;
    tight.swap_max_bytes = 4 * MiB;
    GroupLimits soft;
    soft.high_bytes = 24 * MiB;
    soft.low_bytes = 8 * MiB;
    GroupLimits kept;
    kept.min_bytes = 8 * MiB;
    const GroupId groups[] = {kRootGroup, mm.add_group("tight", tight), mm.add_group("soft", soft),
                              mm.add_group("kept", kept)};
    const FileId files[] = {mm.add_file("a", 24 * MiB), mm.add_file("b", 8 * MiB)};
    std::mt19937_64 rng(7);
    auto pick = [&](std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(rng); };
    std::vector<OwnerId> owners;
    std::vector<std::pair<MappingId, std::uint64_t>> live;  // mapping, bytes
    for (int step = 0; step < 3000; ++step) {
      CAPTURE(step);
      const std::uint64_t op = pick(20);
      if (owners.empty() || op == 0) {
        owners.push_back(mm.add_owner("o", 0, groups[pick(4)]));
      } else if (live.empty() || op <= 3) {
        const OwnerId o = owners[pick(owners.size())];
        try {
          if (pick(2) == 0) {
            const FileId f = files[pick(2)];
            live.emplace_back(mm.map_file(o, f, pick(2) ? FileUse::mapped : FileUse::read), mm.file_bytes(f));
          } else {
            const std::uint64_t bytes = (1 + pick(64)) * 256 * KiB;
            live.emplace_back(mm.map(o, pick(2) ? Backing::anon : Backing::file, "m", bytes), bytes);
          }
        } catch (const std::invalid_argument&) {
          // a dead owner
        }
      } else if (op <= 14) {
        const auto [m, bytes] = live[pick(live.size())];
        const std::uint64_t off = pick(2) ? 0 : pick(bytes / kPage) * kPage;
        const std::uint64_t len = (1 + pick((bytes - off) / kPage)) * kPage;
        const TouchCost c = mm.touch(m, off, len, pick(2) ? AccessPattern::random : AccessPattern::sequential, pick(2));
        if (c.out_of_memory) {
          const std::optional<OwnerId> v = mm.select_oom_victim(c.oom_group);
          if (v) {
            mm.kill(*v);
            forget_dead_in(mm, live);
          }
        }
      } else if (op <= 16) {
        const auto [m, bytes] = live[pick(live.size())];
        const std::uint64_t off = pick(bytes / kPage) * kPage;
        mm.discard(m, off, (1 + pick((bytes - off) / kPage)) * kPage);
      } else if (op == 17) {
        const std::size_t i = pick(live.size());
        mm.unmap(live[i].first);
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (op == 18 && pick(4) == 0) {
        const OwnerId o = owners[pick(owners.size())];
        try {
          mm.release_owner(o);
        } catch (const std::invalid_argument&) {
        }
        forget_dead_in(mm, live);
      }
      mm.check_invariants();
    }
    // Each knob was exercised, with every policy.
    CHECK(mm.stats().major_faults > 0);
    CHECK(mm.group_stats(groups[1]).events_max > 0);
    CHECK(mm.group_stats(groups[1]).peak_swap_pages > 0);
    CHECK(mm.group_stats(groups[2]).events_high > 0);
    CHECK(mm.stats().kswapd_reclaim_pages > 0);
    CHECK(mm.stats().refault_file_pages > 0);
    CHECK(mm.stats().oom_kills > 0);
  }
}

}  // namespace
}  // namespace headroom::mm
