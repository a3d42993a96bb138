#include <doctest/doctest.h>

#include <random>
#include <stdexcept>

#include "analysis/summary.hpp"

using namespace headroom::analysis;

namespace {
WorkloadResult workload(std::vector<Interval> busy, std::vector<Interval> stall) {
  WorkloadResult w;
  w.busy = std::move(busy);
  w.memory_stall = std::move(stall);
  return w;
}
}  // namespace

TEST_CASE("union length merges overlaps and clips to the horizon") {
  CHECK(union_length_s({{2, 4}, {3, 5}, {7, 8}}, 10) == 4);
  CHECK(union_length_s({{8, 12}, {-1, 1}}, 10) == 3);
  CHECK(union_length_s({{5, 5}, {6, 4}}, 10) == 0);  // empty and reversed intervals count nothing
}

TEST_CASE("PSI of one workload: some == full == its stall time") {
  const auto psi = memory_pressure({workload({{0, 10}}, {{2, 4}, {3, 5}})}, 10);
  CHECK(psi.some_s == 3);
  CHECK(psi.full_s == 3);
  CHECK(psi.some_fraction == doctest::Approx(0.3).epsilon(1e-12));
  CHECK(psi.full_fraction == doctest::Approx(0.3).epsilon(1e-12));
}

TEST_CASE("PSI full counts only time when every busy workload is stalled") {
  // A busy 0-10 stalled 2-6; B busy 0-5 stalled 4-8 (stalled implies busy).
  // some = [2, 8] = 6 s. full: [4, 5] both busy and stalled; [5, 6] B (stalled, so busy) and A
  // stalled; [6, 8] A busy but running => not full. full = 2 s.
  const auto psi = memory_pressure({workload({{0, 10}}, {{2, 6}}), workload({{0, 5}}, {{4, 8}})}, 10);
  CHECK(psi.some_s == 6);
  CHECK(psi.full_s == 2);
  CHECK(psi.full_fraction == doctest::Approx(0.2).epsilon(1e-12));
}

TEST_CASE("PSI full ignores idle workloads and is never more than some") {
  // A is idle after 2 s; B alone is busy and stalled in [5, 7]: that is full pressure.
  const auto psi = memory_pressure({workload({{0, 2}}, {}), workload({{5, 7}}, {{5, 7}})}, 10);
  CHECK(psi.some_s == 2);
  CHECK(psi.full_s == 2);
  const auto none = memory_pressure({workload({{0, 10}}, {}), workload({{0, 10}}, {{1, 3}})}, 10);
  CHECK(none.some_s == 2);
  CHECK(none.full_s == 0);
  CHECK(memory_pressure({}, 10).some_s == 0);
}

namespace {

// A random interval list: ends on a coarse grid (so intervals touch, nest and share edges with
// the sample times) or anywhere, some empty, reversed, before 0 or past the last time.
std::vector<Interval> random_intervals(std::mt19937_64& rng, std::size_t count) {
  std::uniform_int_distribution<int> grid(-4, 48);
  std::uniform_real_distribution<double> any(-1.0, 13.0);
  std::bernoulli_distribution on_grid(0.6);
  std::vector<Interval> out;
  for (std::size_t i = 0; i < count; ++i) {
    const double a = on_grid(rng) ? grid(rng) * 0.25 : any(rng);
    const double b = on_grid(rng) ? a + grid(rng) * 0.125 : any(rng);
    out.push_back({a, b});
  }
  return out;
}

}  // namespace

TEST_CASE("PSI over time in one sweep equals memory_pressure clipped at each time, exactly") {
  std::mt19937_64 rng(20261202);
  std::uniform_int_distribution<int> workloads_n(0, 5), intervals_n(0, 12), grid(0, 44);
  std::uniform_real_distribution<double> any(0.0, 11.0);
  std::size_t nonzero_full = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<WorkloadResult> ws;
    for (int w = workloads_n(rng); w > 0; --w)
      ws.push_back(workload(random_intervals(rng, intervals_n(rng)), random_intervals(rng, intervals_n(rng))));
    // Sorted times: 0, grid points (edges of intervals), anywhere, repeats.
    std::vector<double> times{0.0};
    for (int k = intervals_n(rng); k > 0; --k) times.push_back(k % 2 ? grid(rng) * 0.25 : any(rng));
    if (trial % 3 == 0) times.push_back(times.back());
    std::sort(times.begin(), times.end());
    const std::vector<Psi> swept = memory_pressure_over_time(ws, times);
    REQUIRE(swept.size() == times.size());
    for (std::size_t k = 0; k < times.size(); ++k) {
      const Psi one = memory_pressure(ws, times[k]);  // the per-sample computation it replaces
      INFO("trial ", trial, " time ", times[k]);
      CHECK(swept[k].some_s == one.some_s);
      CHECK(swept[k].full_s == one.full_s);
      CHECK(swept[k].some_fraction == one.some_fraction);
      CHECK(swept[k].full_fraction == one.full_fraction);
      nonzero_full += one.full_s > 0;
    }
  }
  CHECK(nonzero_full > 1000);  // the cases exercise "full", not only "some"
}

TEST_CASE("PSI over time: closed form at a few times, and times out of order refused") {
  // A busy [0, 10] stalled [2, 6]; B busy [0, 5] stalled [4, 8] (busy while stalled): some = the
  // union [2, 8]; full where both are stalled: [4, 6] (after 6 A is busy, not stalled).
  const std::vector<WorkloadResult> ws{workload({{0, 10}}, {{2, 6}}), workload({{0, 5}}, {{4, 8}})};
  const std::vector<Psi> psi = memory_pressure_over_time(ws, {0, 3, 5, 10});
  CHECK(psi[0].some_s == 0);
  CHECK(psi[1].some_s == 1);
  CHECK(psi[2].some_s == 3);
  CHECK(psi[3].some_s == 6);
  CHECK(psi[1].full_s == 0);
  CHECK(psi[2].full_s == 1);
  CHECK(psi[3].full_s == 2);
  CHECK(psi[3].some_fraction == doctest::Approx(0.6).epsilon(1e-12));
  CHECK(memory_pressure_over_time(ws, {}).empty());
  CHECK_THROWS_AS(memory_pressure_over_time(ws, {2, 1}), std::invalid_argument);
}
