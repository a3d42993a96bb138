// linux: batched refault activation with memory full (sim/mm/policies/linux.cpp, "Refaults at run
// level"): randomized thrashing workloads that take the batched path, checked page for page against
// the brute force, and the cost of a thrashing touch in listener calls.
#include <doctest/doctest.h>

#include <random>

#include "sim/mm/policies/linux.hpp"
#include "tests/unit/mm/policy_helpers.hpp"

namespace headroom::mm::test {
namespace {

// Repeated cyclic scans of an anon region and a file region whose sum is slightly larger than the
// capacity; each region is touched in chunks, and some passes touch a region twice so that its pages
// are active and later refaults fall within the workingset.
std::vector<Touch> thrashing_passes(std::mt19937_64& rng, std::uint64_t capacity) {
  const std::uint64_t anon = capacity / 2 + rng() % capacity, file = 1 + rng() % capacity;
  const PageKey file_first = 10 * capacity;
  std::vector<Touch> ops;
  auto chunks = [&](PageKey first, std::uint64_t pages, PageKind kind) {
    const std::uint64_t chunk = rng() % 3 == 0 ? pages : 1 + rng() % pages;
    for (PageKey at = first; at < first + pages; at += chunk)
      ops.push_back({{at, std::min(chunk, first + pages - at)}, kind});
  };
  for (int pass = 0; pass < 12; ++pass) {
    const int twice = static_cast<int>(rng() % 4);  // bit 0: anon twice, bit 1: file twice
    for (int t = 0; t <= (twice & 1); ++t) chunks(0, anon, PageKind::anon);
    for (int t = 0; t <= (twice >> 1); ++t) chunks(file_first, file, PageKind::file);
  }
  return ops;
}

// Replays `ops` on the run policy and the brute force, demanding identical observables after each.
LinuxStats replay_checked(std::uint64_t capacity, const PolicyOptions& options, std::uint64_t swap_pages,
                          const std::vector<Touch>& ops) {
  LinuxPair pair(capacity, options, swap_pages);
  replay_linux_against_brute(pair, ops);
  return *linux_stats(*pair.policy);
}

TEST_CASE("linux batched refault activation equals the brute force on thrashing scans over 300 seeds") {
  LinuxStats total;
  std::uint64_t seeds_batched = 0;
  for (std::uint32_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    const std::uint64_t capacity = rng() % 8 == 0 ? 200 + rng() % 800 : 8 + rng() % 48;
    PolicyOptions options;
    // Large pages make the kernel's inactive_ratio exceed 1 (see policy_test.cpp).
    const std::uint64_t page_sizes[] = {4096, std::uint64_t{1} << 28, std::uint64_t{1} << 30};
    options.page_bytes = page_sizes[rng() % 3];
    const int swappiness[] = {0, 1, 30, 60, 100, 133, 199, 200};
    options.swappiness = rng() % 3 == 0 ? static_cast<int>(rng() % 201) : swappiness[rng() % 8];
    CAPTURE(options.swappiness);
    // Mostly ample swap; sometimes so little that the anon-victim limit runs out mid-pass.
    const std::uint64_t swap_pages = rng() % 4 == 0 ? rng() % capacity : 100 * capacity;
    const std::vector<Touch> ops = thrashing_passes(rng, capacity);
    const LinuxStats s = replay_checked(capacity, options, swap_pages, ops);
    total.batches += s.batches;
    total.batched_pages += s.batched_pages;
    total.single_pages += s.single_pages;
    total.plain_stretches += s.plain_stretches;
    seeds_batched += s.batches > 0;
  }
  MESSAGE("batches ", total.batches, ", batched pages ", total.batched_pages, ", single ", total.single_pages,
          ", plain stretches ", total.plain_stretches, ", seeds with batches ", seeds_batched);
  // Both closed forms are exercised on most seeds, and carry most activations (the single pages
  // left are activations whose shadow run, gap or victim run holds one page).
  CHECK(seeds_batched > 150);
  CHECK(total.batched_pages > 2 * total.single_pages);
  CHECK(total.plain_stretches > 1000);
}

// The ends of issue 6's cliff sweep, each pinned down: no swap (anon never a victim), swap that is
// full after a few anon victims, at swappiness 0, 60 and 200; run references and single pages.
TEST_CASE("linux equals the brute force with no swap and with swap full, at swappiness 0, 60 and 200") {
  LinuxStats total;
  for (const int swappiness : {0, 60, 200}) {
    for (const std::uint64_t swap_pages : {std::uint64_t{0}, std::uint64_t{3}}) {
      for (std::uint32_t seed = 1; seed <= 12; ++seed) {
        CAPTURE(swappiness);
        CAPTURE(swap_pages);
        CAPTURE(seed);
        std::mt19937_64 rng(seed);
        const std::uint64_t capacity = 8 + rng() % 40;
        PolicyOptions options;
        options.swappiness = swappiness;
        const LinuxStats s = replay_checked(capacity, options, swap_pages, thrashing_passes(rng, capacity));
        total.batches += s.batches;
        total.single_pages += s.single_pages;
      }
    }
  }
  // Both refault paths are exercised.
  CHECK(total.batches > 0);
  CHECK(total.single_pages > 0);
}

struct CallCount : PolicyListener {
  std::uint64_t calls = 0, missed_pages = 0;
  void missed(PageRun r, PageKind) override { ++calls, missed_pages += r.count; }
  void evicted(PageRun, PageKind) override { ++calls; }
};

// Decode-like steps at `scale`: a KV cache (anon, 1000 x scale pages) then the weights (file,
// 4000 x scale pages) on 4000 x scale frames with ample swap. Reports the largest number of
// listener calls and the fewest missed pages of one KV touch once the lists have settled (the
// first steps fill memory and build the active lists).
struct KvTouchCost {
  std::uint64_t max_calls = 0, min_missed_pages = ~std::uint64_t{0};
  LinuxStats stats;
};
KvTouchCost kv_touch_cost(std::uint64_t scale, int swappiness) {
  const std::uint64_t kv = 1000 * scale, weights = 4000 * scale, capacity = 4000 * scale;
  PolicyOptions options;
  options.swappiness = swappiness;
  auto policy = make_policy("linux", capacity, options);
  policy->set_anon_victim_limit(100 * capacity);
  KvTouchCost cost;
  for (int step = 0; step < 12; ++step) {
    CallCount count, unused;
    policy->reference({0, kv}, PageKind::anon, count);
    policy->reference({10 * kv, weights}, PageKind::file, unused);
    if (step < 8) continue;
    cost.max_calls = std::max(cost.max_calls, count.calls);
    cost.min_missed_pages = std::min(cost.min_missed_pages, count.missed_pages);
  }
  cost.stats = *linux_stats(*policy);
  return cost;
}

TEST_CASE("linux thrashing KV cache: listener calls per touch stay flat from 1 thousand to 1 million pages") {
  for (int swappiness : {30, 60, 200}) {
    CAPTURE(swappiness);
    for (std::uint64_t scale : {1, 10, 100, 1000}) {
      CAPTURE(scale);
      const KvTouchCost c = kv_touch_cost(scale, swappiness);
      // The KV cache does thrash: most of it is swapped out and back in every step...
      CHECK(c.min_missed_pages >= 1000 * scale / 2);
      // ...its refaults activate through the batched path...
      CHECK(c.stats.batched_pages >= 1000 * scale);
      // ...and a touch is a handful of runs, not one activation and one victim per page (which was
      // 2 calls per missed page before batching: 2000 x scale here).
      CHECK(c.max_calls <= 32);
    }
  }
}

}  // namespace
}  // namespace headroom::mm::test
