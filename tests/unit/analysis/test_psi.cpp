#include <doctest/doctest.h>

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
