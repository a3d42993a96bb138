// linux: refault-distance activation (mm/workingset.c): scripted equivalence with the page-at-a-time
// brute force on refault-heavy patterns, and what activation buys a hot set under a one-shot scan.
#include <doctest/doctest.h>

#include <functional>

#include "tests/unit/mm/policy_helpers.hpp"

namespace headroom::mm::test {
namespace {

using Op = Touch;

// Replays `ops` on the run policy and the brute force, checking every observable after each one;
// returns the brute force's refault activations.
std::uint64_t replay_both(std::uint64_t capacity, PolicyOptions options, std::uint64_t swap_pages,
                          const std::vector<Op>& ops) {
  LinuxPair pair(capacity, options, swap_pages);
  replay_linux_against_brute(pair, ops);
  return pair.brute.refault_activations();
}

// Both indexes (the trace index needs a key space covering every key); returns the activations.
std::uint64_t check_both_indexes(std::uint64_t capacity, PolicyOptions options, std::uint64_t swap_pages,
                                 const std::vector<Op>& ops) {
  std::uint64_t key_space = 0;
  for (const Op& op : ops) key_space = std::max(key_space, op.run.end());
  options.key_space = 0;
  std::uint64_t activations = replay_both(capacity, options, swap_pages, ops);
  options.key_space = key_space;
  CHECK(replay_both(capacity, options, swap_pages, ops) == activations);
  return activations;
}

TEST_CASE("linux refaults: repeated chunked scans of a file larger than memory with a hot set") {
  std::vector<Op> ops;
  for (int pass = 0; pass < 6; ++pass) {
    for (PageKey at = 0; at < 90; at += 15) ops.push_back({{at, 15}, PageKind::file});
    ops.push_back({{200, 40}, PageKind::file});  // a hot set between passes, referenced twice
    ops.push_back({{200, 40}, PageKind::file});
  }
  std::uint64_t activations = 0;
  for (std::uint64_t capacity : {40, 64, 80}) {
    CAPTURE(capacity);
    activations += check_both_indexes(capacity, {}, 0, ops);
  }
  // These scans refault at distances beyond the active list (no activation): the pages must still
  // come back inactive exactly as the brute force has them.
  CHECK(activations == 0);
}

TEST_CASE("linux refaults: a hot set between one-shot scan chunks, page by page and as runs") {
  std::vector<Op> ops;
  PageKey fresh = 300;
  ops.push_back({{0, 30}, PageKind::file});
  ops.push_back({{0, 30}, PageKind::file});
  for (int round = 0; round < 8; ++round) {
    ops.push_back({{fresh, 30}, PageKind::file});
    fresh += 30;
    for (PageKey k = 0; k < 30; k += round % 2 == 0 ? 1 : 30) ops.push_back({{k, round % 2 == 0 ? 1u : 30u}, PageKind::file});
  }
  CHECK(check_both_indexes(50, {}, 0, ops) > 0);
}

TEST_CASE("linux refaults: anon refaults with and without swap, both kinds giving victims") {
  std::vector<Op> ops;
  for (int round = 0; round < 6; ++round) {
    ops.push_back({{0, 40}, PageKind::anon});     // a heap swept every round
    ops.push_back({{100, 20}, PageKind::file});   // a file hot set
    ops.push_back({{100, 20}, PageKind::file});
    for (PageKey at = 200; at < 230; at += 10) ops.push_back({{at, 10}, PageKind::file});  // a cyclic read
  }
  std::uint64_t with_swap_activations = 0, no_swap_activations = 0;
  for (int swappiness : {1, 60, 100, 133, 200}) {
    CAPTURE(swappiness);
    PolicyOptions options;
    options.swappiness = swappiness;
    std::uint64_t with_swap = 1000, no_swap = 0;
    // With swap the heap refaults too and the anon lists count in the workingset; without swap the
    // heap stays resident and only file pages refault, against the active file list alone.
    with_swap_activations += check_both_indexes(60, options, with_swap, ops);
    no_swap_activations += check_both_indexes(60, options, no_swap, ops);
  }
  CHECK(with_swap_activations > 0);
  CHECK(no_swap_activations == 0);  // file refaults here are farther than the active file list
}

// Hot misses per round: a 600-page hot set referenced twice, then rounds of a 600-page one-shot scan
// (fresh keys) followed by the hot set again, on a 1000-page memory.
std::vector<std::uint64_t> hot_misses_per_round(const std::function<ReferenceResult(PageRun)>& ref) {
  ref({0, 600});
  ref({0, 600});
  std::vector<std::uint64_t> misses;
  PageKey fresh = 100000;
  for (int round = 0; round < 6; ++round, fresh += 600) {
    ref({fresh, 600});
    misses.push_back(ref({0, 600}).miss_pages);
  }
  return misses;
}

TEST_CASE("linux refault activation keeps most of a hot set through a one-shot scan") {
  Recorded sink;
  auto run_policy = [&](const std::string& name, PolicyOptions options) {
    auto p = make_policy(name, 1000, options);
    return hot_misses_per_round([&](PageRun r) { return p->reference(r, PageKind::file, sink); });
  };
  // lru: scan + hot set = 1200 pages > 1000, and the hot set is always the oldest when the scan
  // comes: the scan evicts 400 of it, and re-referencing those evicts the next 400 in turn (a
  // cyclic pattern): all 600 miss every round.
  CHECK(run_policy("lru", {}) == std::vector<std::uint64_t>(6, 600));
  // linux without workingset detection: the refill at the scan's start deactivates half of the
  // 600 active hot pages (ratio 1 below 1 GiB); those 300 are the oldest inactive pages and are
  // evicted by the scan, then come back inactive: 300 misses every round.
  BruteLinux plain(1000, {}, false);
  CHECK(hot_misses_per_round([&](PageRun r) { return plain.reference(r, PageKind::file, sink); }) ==
        std::vector<std::uint64_t>(6, 300));
  // linux: round 0 as above, but those 300 refault within the workingset (distance <= active file
  // pages) and go straight to the active list, so afterwards only 100 of the 600 miss per round.
  const std::vector<std::uint64_t> expected{300, 100, 100, 100, 100, 100};
  CHECK(run_policy("linux", {}) == expected);
  PolicyOptions trace;
  trace.key_space = 100000 + 6 * 600;
  CHECK(run_policy("linux", trace) == expected);
  BruteLinux brute(1000, {});
  CHECK(hot_misses_per_round([&](PageRun r) { return brute.reference(r, PageKind::file, sink); }) == expected);
}

TEST_CASE("linux shadow ages by hand: an evicted page refaulting within the active list is activated") {
  // Capacity 4. {0, 1} twice: both active, age 2 (two activations). {2, 3}: the refill first
  // deactivates ceil((2 - 0) / 2) = 1 page, the oldest active (0); 2 and 3 join it: inactive 0, 2, 3.
  // {4}: evicts the inactive tail 0 (shadow 2, age 3). {0}: distance 3 - 2 = 1 <= active file 1
  // (page 1): activated (age 4); the victim is the inactive tail 2 (shadow 4, age 5).
  BruteLinux brute(4, {});
  auto policy = make_policy("linux", 4);
  Recorded a, b;
  for (PageRun r : {PageRun{0, 2}, PageRun{0, 2}, PageRun{2, 2}, PageRun{4, 1}}) {
    policy->reference(r, PageKind::file, a);
    brute.reference(r, PageKind::file, b);
  }
  CHECK(brute.nonresident_age() == 3);
  CHECK(brute.has_shadow(0));
  a.clear();
  brute.reference({0, 1}, PageKind::file, b);
  policy->reference({0, 1}, PageKind::file, a);
  CHECK(brute.nonresident_age() == 5);
  CHECK(brute.refault_activations() == 1);
  REQUIRE(a.evicted_pages.size() == 1);
  CHECK(a.evicted_pages[0].first == 2);
  CHECK_FALSE(brute.has_shadow(0));
  CHECK(brute.has_shadow(2));
  // Page 0 is active now: another miss evicts the inactive tail 3, not 0.
  a.clear();
  policy->reference({5, 1}, PageKind::file, a);
  REQUIRE(a.evicted_pages.size() == 1);
  CHECK(a.evicted_pages[0].first == 3);
}

}  // namespace
}  // namespace headroom::mm::test
