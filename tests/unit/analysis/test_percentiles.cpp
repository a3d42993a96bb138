#include <doctest/doctest.h>

#include <numeric>
#include <stdexcept>
#include <vector>

#include "analysis/summary.hpp"

using headroom::analysis::percentile_nearest_rank;
using headroom::analysis::summarize_distribution;

// Reference values: the worked examples of the nearest-rank method in Wikipedia's "Percentile"
// article (lists of 5, 10 and 11 values).
TEST_CASE("nearest-rank percentiles match the textbook examples") {
  const std::vector<double> five{15, 20, 35, 40, 50};
  CHECK(*percentile_nearest_rank(five, 5) == 15);
  CHECK(*percentile_nearest_rank(five, 30) == 20);
  CHECK(*percentile_nearest_rank(five, 40) == 20);
  CHECK(*percentile_nearest_rank(five, 50) == 35);
  CHECK(*percentile_nearest_rank(five, 100) == 50);

  const std::vector<double> ten{3, 6, 7, 8, 8, 10, 13, 15, 16, 20};
  CHECK(*percentile_nearest_rank(ten, 25) == 7);
  CHECK(*percentile_nearest_rank(ten, 50) == 8);
  CHECK(*percentile_nearest_rank(ten, 75) == 15);
  CHECK(*percentile_nearest_rank(ten, 100) == 20);

  const std::vector<double> eleven{3, 6, 7, 8, 8, 9, 10, 13, 15, 16, 20};
  CHECK(*percentile_nearest_rank(eleven, 25) == 7);
  CHECK(*percentile_nearest_rank(eleven, 50) == 9);
  CHECK(*percentile_nearest_rank(eleven, 75) == 15);
  CHECK(*percentile_nearest_rank(eleven, 100) == 20);
}

TEST_CASE("percentiles ignore input order and hit exact ranks on 1..100") {
  std::vector<double> values(100);
  std::iota(values.rbegin(), values.rend(), 1.0);  // 100, 99, ..., 1
  CHECK(*percentile_nearest_rank(values, 0) == 1);
  CHECK(*percentile_nearest_rank(values, 50) == 50);
  CHECK(*percentile_nearest_rank(values, 90) == 90);
  CHECK(*percentile_nearest_rank(values, 99) == 99);
  CHECK(*percentile_nearest_rank(values, 99.5) == 100);
}

TEST_CASE("percentile of an empty sample is absent, p outside [0, 100] is rejected") {
  CHECK_FALSE(percentile_nearest_rank({}, 50).has_value());
  CHECK_THROWS_AS(percentile_nearest_rank({1.0}, 101), std::invalid_argument);
  CHECK_THROWS_AS(percentile_nearest_rank({1.0}, -1), std::invalid_argument);
}

TEST_CASE("distribution summary: count, mean, p50/p90/p99, max") {
  const auto d = summarize_distribution({4, 1, 3, 2});
  CHECK(d.count == 4);
  CHECK(*d.mean == doctest::Approx(2.5).epsilon(1e-15));
  CHECK(*d.p50 == 2);
  CHECK(*d.p90 == 4);
  CHECK(*d.p99 == 4);
  CHECK(*d.max == 4);
  const auto empty = summarize_distribution({});
  CHECK(empty.count == 0);
  CHECK_FALSE(empty.p50.has_value());
  CHECK_FALSE(empty.mean.has_value());
}
