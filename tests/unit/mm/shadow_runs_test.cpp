// linux: shadow runs stay merged when refaults activate one page at a time with memory full
// (sim/mm/policies/linux.cpp, victim_stamp): checked against the brute force, and the shadow map's
// size in runs.
#include <doctest/doctest.h>

#include "sim/mm/policies/linux.hpp"
#include "tests/unit/mm/policy_helpers.hpp"

namespace headroom::mm::test {
namespace {

// Per pass: a hot file region touched twice as one run (active, so the workingset is large), then
// a cold file region touched one page per reference with memory full: its pages refault within the
// workingset and activate one at a time, each evicting the next page of one tail run.
TEST_CASE("linux single-page refault activations leave one shadow run, not one per victim") {
  for (std::uint64_t capacity : {64, 256}) {
    for (const auto& hot_scan : {std::pair{capacity / 4, capacity}, std::pair{3 * capacity / 4, capacity / 2}}) {
      // Named, not a structured binding: clang 14 cannot capture bindings in doctest's CAPTURE.
      const std::uint64_t hot = hot_scan.first, scan = hot_scan.second;
      CAPTURE(capacity);
      CAPTURE(hot);
      LinuxPair pair(capacity, PolicyOptions{}, 0);
      std::vector<Touch> ops;
      for (int pass = 0; pass < 8; ++pass) {
        for (int t = 0; t < 2; ++t) ops.push_back({{10 * capacity, hot}, PageKind::file});
        for (PageKey k = 0; k < scan; ++k) ops.push_back({{k, 1}, PageKind::file});
      }
      replay_linux_against_brute(pair, ops);
      const LinuxStats s = *linux_stats(*pair.policy);
      // The path is taken: hundreds of single-page activations (4 x capacity or more)...
      CHECK(s.single_pages >= 4 * capacity);
      // ...and their victims' shadows merge: 2 runs (capacity / 4 = 16 and 64 before victim_stamp).
      CHECK(s.shadow_runs <= 2);
    }
  }
}

}  // namespace
}  // namespace headroom::mm::test
