// MemoryManager: kernel watermarks, scans larger and smaller than memory, swap accounting under random
// operations, OOM choice, wired limits, swappiness, I/O counting.
#include <doctest/doctest.h>

#include <random>

#include "sim/mm/memory_manager.hpp"

namespace headroom::mm {
namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

TEST_CASE("kernel watermarks for 96 GiB and 128 GiB at 4 KiB and 16 KiB pages") {
  // 96 GiB: lowmem_kbytes = 96 * 2^20 = 100663296; * 16 = 1610612736; int_sqrt = 40132
  // (40132^2 = 1610577424 <= it < 40133^2 = 1610657689), inside [128, 262144]: min_free_kbytes 40132.
  // 4 KiB pages: min = 40132 / 4 = 10033; managed = 25165824 pages; step = max(10033 / 4 = 2508,
  // 25165824 * 10 / 10000 = 25165) = 25165; low = 35198; high = 60363.
  Watermarks w = kernel_watermarks(96 * GiB, 4 * KiB, 10);
  CHECK(w.min_pages == 10033);
  CHECK(w.low_pages == 35198);
  CHECK(w.high_pages == 60363);
  // 16 KiB pages: min = 40132 / 16 = 2508; managed = 6291456; step = max(627, 6291) = 6291.
  w = kernel_watermarks(96 * GiB, 16 * KiB, 10);
  CHECK(w.min_pages == 2508);
  CHECK(w.low_pages == 8799);
  CHECK(w.high_pages == 15090);
  // 128 GiB: 134217728 * 16 = 2147483648; int_sqrt = 46340 (46340^2 = 2147395600, 46341^2 = 2147488281).
  // 4 KiB: min = 11585; managed = 33554432; step = max(2896, 33554) = 33554; low 45139, high 78693.
  w = kernel_watermarks(128 * GiB, 4 * KiB, 10);
  CHECK(w.min_pages == 11585);
  CHECK(w.low_pages == 45139);
  CHECK(w.high_pages == 78693);
  // 16 KiB: min = 2896; managed = 8388608; step = max(724, 8388) = 8388; low 11284, high 19672.
  w = kernel_watermarks(128 * GiB, 16 * KiB, 10);
  CHECK(w.min_pages == 2896);
  CHECK(w.low_pages == 11284);
  CHECK(w.high_pages == 19672);
}

TEST_CASE("kernel watermarks clamp min_free_kbytes and honour an override") {
  // 4 TiB: int_sqrt(2^32 * 16) = 262144 exactly, the cap; 16 TiB would be 524288, clamped to 262144.
  CHECK(kernel_watermarks(16 * 1024 * GiB, 4 * KiB, 10).min_pages == 262144 / 4);
  // 1 MiB: int_sqrt(1024 * 16) = 128, the floor.
  CHECK(kernel_watermarks(MiB / 2, 4 * KiB, 10).min_pages == 128 / 4);
  // vm.min_free_kbytes = 67584 (a value seen on THP hosts): min = 16896 pages at 4 KiB.
  CHECK(kernel_watermarks(128 * GiB, 4 * KiB, 10, 67584 * KiB).min_pages == 16896);
}

ManagerConfig small_host(const std::string& policy, std::uint64_t ram = GiB) {
  ManagerConfig c;
  c.ram_bytes = ram;
  c.policy = policy;
  return c;
}

void check_cyclic_scan(const std::string& policy, std::uint64_t file_bytes, int chunks, bool fits) {
  // 1 GiB host: min_free_kbytes = int_sqrt(1048576 * 16) = 4096 -> min 1024 pages, capacity 261120.
  MemoryManager mm(small_host(policy));
  OwnerId llm = mm.add_owner("llm");
  MappingId weights = mm.map(llm, Backing::file, "weights", file_bytes);
  for (int pass = 0; pass < 4; ++pass) {
    CAPTURE(pass);
    std::uint64_t read = 0;
    for (int i = 0; i < chunks; ++i) {
      TouchCost c = mm.touch(weights, file_bytes / chunks * i, file_bytes / chunks);
      read += c.file_read_bytes;
      CHECK_FALSE(c.out_of_memory);
    }
    CHECK(read == (fits && pass > 0 ? 0 : file_bytes));
    mm.check_invariants();
  }
}

TEST_CASE("a cyclic scan of a file larger than memory faults every page every pass under lru") {
  check_cyclic_scan("lru", 3 * GiB / 2, 1, false);
  check_cyclic_scan("lru", 3 * GiB / 2, 8, false);
}

TEST_CASE("a cyclic scan of a file larger than memory faults every page every pass under linux") {
  check_cyclic_scan("linux", 3 * GiB / 2, 1, false);
  check_cyclic_scan("linux", 3 * GiB / 2, 8, false);
}

TEST_CASE("a file that fits faults only on the first pass under lru and linux") {
  for (const char* policy : {"lru", "linux"}) {
    CAPTURE(policy);
    check_cyclic_scan(policy, GiB / 2, 1, true);
    check_cyclic_scan(policy, GiB / 2, 8, true);
  }
}

TEST_CASE("readahead and swap clustering set the I/O counts") {
  ManagerConfig c = small_host("linux", 64 * MiB);
  c.swap_bytes = 64 * MiB;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId file = mm.map(p, Backing::file, "data", 8 * MiB);
  // 1 MiB = 256 pages: sequential = 256 / 32 readahead windows = 8 requests, one pgmajfault (one
  // miss run of an mmap'd file: async readahead hides the rest).
  TouchCost seq = mm.touch(file, 0, MiB);
  CHECK(seq.file_read_bytes == MiB);
  CHECK(seq.file_read_ios == 8);
  CHECK(seq.read_requests() == 8);
  CHECK(seq.major_faults == 1);
  CHECK(seq.fault_waits == 1);  // one miss run: async readahead overlaps the other windows
  // Random over pages 256..511 with read-around (advice normal, ra 32): the miss at p reads
  // [p - 16, p + 16) less the resident pages, i.e. the 16 pages p..p+15: 256 / 16 = 16 requests,
  // 16 faults, 16 waits, all 256 pages read.
  TouchCost rnd = mm.touch(file, MiB, MiB, AccessPattern::random);
  CHECK(rnd.file_read_bytes == MiB);
  CHECK(rnd.file_read_ios == 16);
  CHECK(rnd.major_faults == 16);
  CHECK(rnd.fault_waits == 16);
  // MADV_RANDOM: one single-page request and one fault per missed page (pages 512..767).
  mm.set_advice(file, Advice::random);
  TouchCost one = mm.touch(file, 2 * MiB, MiB, AccessPattern::random);
  CHECK(one.file_read_ios == 256);
  CHECK(one.major_faults == 256);
  CHECK(one.fault_waits == 256);
  CHECK(mm.touch(file, 0, MiB).hit_bytes == MiB);
  // Anonymous first touch is a zero fill, no I/O.
  MappingId heap = mm.map(p, Backing::anon, "heap", 8 * MiB);
  TouchCost zero = mm.touch(heap, 0, 8 * MiB);
  CHECK(zero.zero_fill_bytes == 8 * MiB);
  CHECK(zero.major_faults == 0);
  CHECK(zero.fault_waits == 0);
  mm.check_invariants();
}

TEST_CASE("swapped anonymous pages come back in page_cluster batches") {
  // 64 MiB host, swappiness 200 (anon only): a 96 MiB heap swept twice must swap.
  ManagerConfig c = small_host("linux", 64 * MiB);
  c.swap_bytes = 128 * MiB;
  c.swappiness = 200;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId heap = mm.map(p, Backing::anon, "heap", 96 * MiB);
  mm.touch(heap, 0, 96 * MiB);
  TouchCost second = mm.touch(heap, 0, 96 * MiB);
  CHECK(second.swap_in_bytes > 0);
  // Each contiguous swapped piece of n pages costs ceil(n / 8) requests: at least n/8 overall.
  CHECK(second.swap_in_ios * 8 >= second.swap_in_bytes / (4 * KiB));
  CHECK(second.swap_in_ios * 8 < second.swap_in_bytes / (4 * KiB) + 8 * 16);
  mm.check_invariants();
}

void random_operations(const std::string& policy, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  ManagerConfig c = small_host(policy, 64 * MiB);
  c.swap_bytes = (rng() % 48) * MiB;
  c.swappiness = static_cast<int>(rng() % 201);
  MemoryManager mm(c);
  const std::uint64_t page = mm.page_bytes();
  std::uint64_t swap_out = 0, swap_in = 0, freed = 0;
  std::vector<std::pair<OwnerId, MappingId>> live;
  for (int op = 0; op < 300; ++op) {
    CAPTURE(op);
    int what = static_cast<int>(rng() % 100);
    if (live.empty() || what < 15) {
      OwnerId o = mm.add_owner("owner", static_cast<int>(rng() % 3) * 500 - 500);
      Backing b = rng() % 2 ? Backing::anon : Backing::file;
      live.emplace_back(o, mm.map(o, b, "m", (1 + rng() % 40) * MiB));
    } else if (what < 85) {
      auto [o, m] = live[rng() % live.size()];
      std::uint64_t off = (rng() % 32) * MiB, len = (1 + rng() % 24) * MiB;
      (void)o;
      try {
        TouchCost t = mm.touch(m, off, len, rng() % 4 ? AccessPattern::sequential : AccessPattern::random, rng() % 3 == 0);
        CHECK(t.swap_in_bytes % page == 0);
      } catch (const std::out_of_range&) {
        // past the end of a smaller mapping: rejected before any change
      }
    } else if (what < 93) {
      std::size_t i = rng() % live.size();
      std::uint64_t before = mm.owner_swap_bytes(live[i].first);
      mm.unmap(live[i].second);
      freed += before - mm.owner_swap_bytes(live[i].first);
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (auto victim = mm.select_oom_victim()) {
      freed += mm.owner_swap_bytes(*victim);
      mm.kill(*victim);
      std::erase_if(live, [&](const auto& l) { return l.first == *victim; });
    }
    mm.check_invariants();
    MemoryStats st = mm.stats();
    swap_out = st.swap_out_bytes;
    swap_in = st.swap_in_bytes;
    // Conservation: every slot written is either read back, freed with its mapping, or still in use.
    REQUIRE(swap_out - swap_in - freed == st.swap_slots_used * page);
    REQUIRE(st.free_frames + st.file_frames + st.anon_frames + st.unevictable_frames == st.total_frames);
  }
}

TEST_CASE("swap accounting balances through random operations under linux") {
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    random_operations("linux", seed);
  }
}

TEST_CASE("swap accounting balances through random operations under lru") {
  for (std::uint32_t seed = 1; seed <= 12; ++seed) {
    CAPTURE(seed);
    random_operations("lru", seed);
  }
}

TEST_CASE("the OOM killer picks the highest badness and never an owner at -1000") {
  ManagerConfig c = small_host("linux", GiB);
  MemoryManager mm(c);
  OwnerId small = mm.add_owner("small");
  OwnerId big = mm.add_owner("big");
  OwnerId shielded = mm.add_owner("sshd", -1000);
  OwnerId nudged = mm.add_owner("helper", 300);
  mm.touch(mm.map(small, Backing::anon, "heap", 100 * MiB), 0, 100 * MiB);
  mm.touch(mm.map(big, Backing::anon, "heap", 400 * MiB), 0, 400 * MiB);
  mm.touch(mm.map(shielded, Backing::anon, "heap", 450 * MiB), 0, 450 * MiB);
  // badness = pages * 1000 / 262144 + adj: small 25600 -> 97; big 102400 -> 390; helper 0 + 300.
  CHECK(mm.select_oom_victim() == big);
  mm.kill(big);
  CHECK(mm.owner_rss_bytes(big) == 0);
  CHECK(mm.select_oom_victim() == nudged);  // 300 beats small's 97
  mm.kill(nudged);
  CHECK(mm.select_oom_victim() == small);
  mm.kill(small);
  CHECK_FALSE(mm.select_oom_victim().has_value());  // only the -1000 owner is left
  CHECK(mm.stats().oom_kills == 3);
  mm.check_invariants();
}

TEST_CASE("a wired mapping over the wired limit throws and changes nothing") {
  ManagerConfig c = small_host("linux", GiB);
  c.wired_limit_bytes = 512 * MiB;
  MemoryManager mm(c);
  OwnerId gpu = mm.add_owner("gpu");
  mm.map(gpu, Backing::wired, "vram", 400 * MiB);
  CHECK(mm.stats().unevictable_frames == 400 * MiB / (4 * KiB));
  CHECK_THROWS_AS(mm.map(gpu, Backing::wired, "more", 200 * MiB), WiredLimitExceeded);
  CHECK(mm.stats().unevictable_frames == 400 * MiB / (4 * KiB));
  mm.check_invariants();
}

TEST_CASE("wired memory shrinks what the page cache may hold") {
  MemoryManager mm(small_host("lru", GiB));
  OwnerId p = mm.add_owner("p");
  MappingId file = mm.map(p, Backing::file, "f", 900 * MiB);
  mm.touch(file, 0, 900 * MiB);
  CHECK(mm.stats().file_frames == 900 * MiB / (4 * KiB));
  mm.map(p, Backing::wired, "vram", 512 * MiB);
  // Capacity = 262144 - 131072 - 1024 = 130048 pages; kswapd then frees up to high (1548 free).
  MemoryStats st = mm.stats();
  CHECK(st.file_frames + st.free_frames == 262144 - 131072);
  CHECK(st.free_frames >= mm.watermarks().high_pages);
  mm.check_invariants();
}

std::uint64_t swap_out_with_swappiness(int swappiness) {
  ManagerConfig c = small_host("linux", 256 * MiB);
  c.swap_bytes = 256 * MiB;
  c.swappiness = swappiness;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId heap = mm.map(p, Backing::anon, "kv", 64 * MiB);
  MappingId file = mm.map(p, Backing::file, "weights", 512 * MiB);
  mm.touch(heap, 0, 64 * MiB);
  for (int pass = 0; pass < 3; ++pass) {
    mm.touch(file, 0, 512 * MiB);
    CHECK(mm.stats().file_frames > 0);
  }
  mm.check_invariants();
  return mm.stats().swap_out_bytes;
}

TEST_CASE("swappiness 0 never swaps while file pages exist, 60 does") {
  CHECK(swap_out_with_swappiness(0) == 0);
  CHECK(swap_out_with_swappiness(60) > 0);
}

TEST_CASE("without swap anonymous pages are never victims") {
  ManagerConfig c = small_host("linux", 256 * MiB);
  c.swappiness = 200;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId heap = mm.map(p, Backing::anon, "kv", 64 * MiB);
  MappingId file = mm.map(p, Backing::file, "weights", 512 * MiB);
  mm.touch(heap, 0, 64 * MiB);
  for (int pass = 0; pass < 2; ++pass) CHECK_FALSE(mm.touch(file, 0, 512 * MiB).out_of_memory);
  CHECK(mm.stats().anon_frames == 64 * MiB / (4 * KiB));
  CHECK(mm.stats().swap_out_bytes == 0);
  mm.check_invariants();
}

TEST_CASE("an anonymous sweep larger than RAM swaps every page back in each pass without OOM") {
  // 256 MiB host, 384 MiB heap, 512 MiB swap: the sweep needs more swap-outs per pass than the
  // slots free at its start, which the slots its own swap-ins free must cover.
  ManagerConfig c = small_host("linux", 256 * MiB);
  c.swap_bytes = 512 * MiB;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId heap = mm.map(p, Backing::anon, "weights", 384 * MiB);
  CHECK(mm.touch(heap, 0, 384 * MiB, AccessPattern::sequential, true).zero_fill_bytes == 384 * MiB);
  for (int pass = 1; pass < 4; ++pass) {
    TouchCost t = mm.touch(heap, 0, 384 * MiB);
    CHECK_FALSE(t.out_of_memory);
    CHECK(t.swap_in_bytes == 384 * MiB);
    MemoryStats st = mm.stats();
    CHECK((st.anon_frames + st.swap_slots_used) * 4 * KiB == 384 * MiB);
    mm.check_invariants();
  }
}

TEST_CASE("anonymous memory beyond RAM and swap is out of memory") {
  ManagerConfig c = small_host("linux", 64 * MiB);
  c.swap_bytes = 16 * MiB;
  MemoryManager mm(c);
  OwnerId p = mm.add_owner("p");
  MappingId heap = mm.map(p, Backing::anon, "heap", 128 * MiB);
  CHECK(mm.touch(heap, 0, 128 * MiB).out_of_memory);
  mm.check_invariants();
  // What could not be placed was dropped: RAM (below min) and swap hold the rest.
  MemoryStats st = mm.stats();
  CHECK(st.swap_slots_used == st.swap_slots_total);
  CHECK(st.free_frames == mm.watermarks().min_pages);
  CHECK(mm.select_oom_victim() == p);
}

TEST_CASE("bad configurations are rejected with the reason") {
  ManagerConfig c = small_host("nope");
  CHECK_THROWS_WITH_AS(MemoryManager{c}, doctest::Contains("unknown eviction policy 'nope'"), std::invalid_argument);
  c = small_host("linux");
  c.swappiness = 201;
  CHECK_THROWS_WITH_AS(MemoryManager{c}, doctest::Contains("swappiness must be in [0, 200], got 201"), std::invalid_argument);
  c = small_host("linux");
  c.page_bytes = 5000;
  CHECK_THROWS_AS(MemoryManager{c}, std::invalid_argument);
  MemoryManager mm(small_host("linux"));
  OwnerId p = mm.add_owner("p");
  MappingId m = mm.map(p, Backing::file, "f", MiB);
  CHECK_THROWS_AS(mm.touch(m, MiB - 4096, 8192), std::out_of_range);
}

}  // namespace
}  // namespace headroom::mm
