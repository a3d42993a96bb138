#include <doctest/doctest.h>

#include <cmath>

#include "policy_helpers.hpp"
#include "sim/trace/mrc.hpp"

using namespace headroom::trace;
using testing::max_key;

TEST_CASE("stack distances of a short string, by hand") {
  // a b c a b d a: the re-references of a (3 distinct since), b (3), a (3: b, d, a... ) give
  // distances 3, 3, 3; every other reference is cold.
  const std::vector<headroom::mm::PageKey> keys{0, 1, 2, 0, 1, 3, 0};
  const auto curve = exact_lru_mrc(keys, 4);
  CHECK(curve.cold == 4);
  CHECK(curve.histogram == std::vector<std::uint64_t>{0, 0, 0, 3});
  CHECK(curve.analysed_misses(2) == 7);
  CHECK(curve.analysed_misses(3) == 4);
  CHECK(curve.miss_ratio(3) == doctest::Approx(4.0 / 7.0));
  CHECK(curve.step_frames() == std::vector<std::uint64_t>{3});
}

TEST_CASE("a cyclic scan one page larger than the cache misses every time under LRU") {
  std::vector<headroom::mm::PageKey> keys;
  for (int pass = 0; pass < 5; ++pass)
    for (headroom::mm::PageKey k = 0; k < 100; ++k) keys.push_back(k);
  const auto curve = exact_lru_mrc(keys, 100);
  CHECK(curve.analysed_misses(99) == 500);
  CHECK(curve.analysed_misses(100) == 100);
}

TEST_CASE("SHARDS at rate 1 is the exact curve") {
  const auto keys = testing::random_trace(5, 5000, 400);
  std::vector<std::uint64_t> ids(max_key(keys));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 1000 + 7 * i;
  const auto exact = exact_lru_mrc(keys, ids.size());
  const auto sampled = sampled_lru_mrc(keys, ids, 1.0);
  CHECK(sampled.sampled == keys.size());
  CHECK(sampled.histogram == exact.histogram);
}

TEST_CASE("SHARDS keeps the references of the sampled ids and tracks the exact curve") {
  // 200,000 references over 20,000 pages; rate 0.1.
  const auto keys = testing::random_trace(9, 200000, 20000);
  std::vector<std::uint64_t> ids(max_key(keys));
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = i * 4096;  // byte-offset-like ids
  const double rate = 0.1;
  const auto sampled = sampled_lru_mrc(keys, ids, rate);
  std::uint64_t kept = 0;
  for (const auto k : keys) kept += shards_keeps(ids[k], rate) ? 1 : 0;
  CHECK(sampled.sampled == kept);
  CHECK(std::fabs(static_cast<double>(kept) / static_cast<double>(keys.size()) - rate) < 0.02);
  const auto exact = exact_lru_mrc(keys, ids.size());
  double worst = 0;
  for (std::uint64_t frames = 1; frames <= 22000; frames += 97)
    worst = std::max(worst, std::fabs(exact.miss_ratio(frames) - sampled.miss_ratio(frames)));
  CHECK(worst < 0.03);
  CHECK(sampled.sample_rate == rate);
}

TEST_CASE("SHARDS rejects rates outside 0 exclusive to 1 inclusive") {
  const std::vector<headroom::mm::PageKey> keys{0};
  CHECK_THROWS_AS(sampled_lru_mrc(keys, {1}, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(sampled_lru_mrc(keys, {1}, 1.5), std::invalid_argument);
}
