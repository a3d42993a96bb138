// The access-pattern core (models/workloads/common/access_pattern.hpp): pure, no SimGrid.
#include <algorithm>
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "models/workloads/common/access_pattern.hpp"

using namespace headroom;
using models::AccessState;
using models::Touch;
using Seq = mm::AccessPattern;

namespace {

constexpr std::uint64_t P = 4096;  // page

config::AccessSpec spec_of(config::AccessKind kind) {
  config::AccessSpec s;
  s.kind = kind;
  return s;
}

std::uint64_t pages_in(const std::vector<Touch>& touches) {
  std::uint64_t n = 0;
  for (const Touch& t : touches) n += t.length_bytes / P;
  return n;
}

}  // namespace

TEST_CASE("sequential: a cursor advancing the step's bytes, wrapping at the end of the range") {
  const auto spec = spec_of(config::AccessKind::sequential);
  AccessState state;
  std::mt19937_64 rng(1);
  CHECK(models::step_touches(spec, 10 * P, P, 4 * P, state, rng) == std::vector<Touch>{{0, 4 * P, Seq::sequential}});
  CHECK(models::step_touches(spec, 10 * P, P, 4 * P, state, rng) == std::vector<Touch>{{4 * P, 4 * P, Seq::sequential}});
  // 8 + 4 = 12 pages: [8, 10) then [0, 2), in walk order.
  CHECK(models::step_touches(spec, 10 * P, P, 4 * P, state, rng) ==
        std::vector<Touch>{{8 * P, 2 * P, Seq::sequential}, {0, 2 * P, Seq::sequential}});
  CHECK(state.cursor_bytes == 2 * P);
  // A step larger than the range touches it once; the cursor moves by the step modulo the range.
  CHECK(models::step_touches(spec, 10 * P, P, 25 * P, state, rng) ==
        std::vector<Touch>{{2 * P, 8 * P, Seq::sequential}, {0, 2 * P, Seq::sequential}});
  // A range that shrank under the cursor: the cursor wraps into it.
  state.cursor_bytes = 9 * P;
  CHECK(models::step_touches(spec, 4 * P, P, P, state, rng) == std::vector<Touch>{{1 * P, P, Seq::sequential}});
  // Nothing to touch.
  CHECK(models::step_touches(spec, 0, P, P, state, rng).empty());
  CHECK(models::step_touches(spec, 4 * P, P, 0, state, rng).empty());
}

TEST_CASE("strided: length bytes every stride bytes, wrapping to the range's start") {
  auto spec = spec_of(config::AccessKind::strided);
  spec.stride_bytes = 4 * P;
  spec.length_bytes = P;
  AccessState state;
  std::mt19937_64 rng(1);
  // 2 pages of touches = 2 chunks: pages 0 and 4.
  CHECK(models::step_touches(spec, 10 * P, P, 2 * P, state, rng) ==
        std::vector<Touch>{{0, P, Seq::sequential}, {4 * P, P, Seq::sequential}});
  // Next: page 8, then the walk restarts at 0 (positions 0, 4, 8 of a 10-page range).
  CHECK(models::step_touches(spec, 10 * P, P, 2 * P, state, rng) ==
        std::vector<Touch>{{0, P, Seq::sequential}, {8 * P, P, Seq::sequential}});
  // At most one chunk per stride position per step, however large the step.
  CHECK(pages_in(models::step_touches(spec, 10 * P, P, 100 * P, state, rng)) == 3);
  // 1 byte every 4 KiB (one byte per page, the design notes' scan) touches every page: one run.
  spec.stride_bytes = P;
  spec.length_bytes = 1;
  state = {};
  CHECK(models::step_touches(spec, 64 * P, P, 64, state, rng) == std::vector<Touch>{{0, 64 * P, Seq::sequential}});
}

TEST_CASE("uniform: k sampled pages, deterministic for a seed, in drawn order, inside the range") {
  const auto spec = spec_of(config::AccessKind::uniform);
  AccessState s1, s2;
  std::mt19937_64 a(7), b(7), c(8);
  const auto first = models::step_touches(spec, 1000 * P + 100, P, 50 * P, s1, a);
  CHECK(first == models::step_touches(spec, 1000 * P + 100, P, 50 * P, s2, b));  // same seed, same pages
  CHECK(first != models::step_touches(spec, 1000 * P + 100, P, 50 * P, s2, c));
  CHECK(pages_in(first) <= 50);
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].pattern == Seq::random);
    CHECK(first[i].offset_bytes % P == 0);
    CHECK(first[i].offset_bytes + first[i].length_bytes <= 1000 * P + 100);  // the partial last page is clipped
    // In drawn order: a draw repeating or right after the previous run would have joined it.
    if (i > 0)
      CHECK((first[i].offset_bytes < first[i - 1].offset_bytes ||
             first[i].offset_bytes > first[i - 1].offset_bytes + first[i - 1].length_bytes));
  }
  // The first touch is the first draw: floor(u x 1,001 pages) (1000 pages + 100 bytes = 1,001 pages),
  // and 50 draws over 1,001 pages are not in ascending order (a sorted draw has odds 1/50!).
  std::mt19937_64 replay(7);
  CHECK(first.front().offset_bytes == static_cast<std::uint64_t>(models::uniform01(replay) * 1001) * P);
  CHECK_FALSE(std::is_sorted(first.begin(), first.end(),
                             [](const Touch& x, const Touch& y) { return x.offset_bytes < y.offset_bytes; }));
  // Uniform over the range: of 100 x 200 draws over 2,000 pages, the first half gets about half.
  // Distinct pages per step are counted, so use a range large enough that repeats are rare
  // (200 draws over 2,000 pages: about 10 repeats a step); binomial bound of 4 sigma on the draws.
  std::uint64_t low = 0, total = 0;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 100; ++step)
    for (const Touch& t : models::step_touches(spec, 2000 * P, P, 200 * P, s1, rng))
      for (std::uint64_t page = t.offset_bytes / P; page < (t.offset_bytes + t.length_bytes) / P; ++page) {
        low += page < 1000;
        ++total;
      }
  const double n = static_cast<double>(total);
  CHECK(std::fabs(static_cast<double>(low) - n / 2) <= 4 * std::sqrt(n / 4));
}

TEST_CASE("hot-cold: the hot prefix takes hot_share of the touches") {
  auto spec = spec_of(config::AccessKind::hot_cold);
  spec.hot_fraction = 0.1;  // pages 0..999 of 10,000
  spec.hot_share = 0.9;
  AccessState state;
  std::mt19937_64 rng(42);
  // One draw per step so that coalescing never merges draws: 20,000 steps of one page.
  std::uint64_t hot = 0;
  constexpr int kDraws = 20000;
  for (int i = 0; i < kDraws; ++i) {
    const auto t = models::step_touches(spec, 10000 * P, P, P, state, rng);
    REQUIRE(t.size() == 1);
    hot += t[0].offset_bytes < 1000 * P;
  }
  // Binomial(20,000, 0.9): sigma = sqrt(20,000 x 0.9 x 0.1) = 42.4; 4 sigma = 170.
  CHECK(std::fabs(static_cast<double>(hot) - 0.9 * kDraws) <= 4 * std::sqrt(kDraws * 0.9 * 0.1));
}

TEST_CASE("coalesce merges overlapping and adjacent runs of one pattern") {
  CHECK(models::coalesce({{8, 4, Seq::random}, {0, 4, Seq::random}, {4, 2, Seq::random}, {20, 1, Seq::random}}) ==
        std::vector<Touch>{{0, 6, Seq::random}, {8, 4, Seq::random}, {20, 1, Seq::random}});
  CHECK(models::coalesce({{0, 4, Seq::random}, {4, 4, Seq::sequential}}).size() == 2);
}
