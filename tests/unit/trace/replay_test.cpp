#include <doctest/doctest.h>

#include "policy_helpers.hpp"
#include "sim/trace/replay.hpp"

using namespace headroom::trace;

TEST_CASE("replay_all: policies outer, frames inner, same numbers on 1 and 3 threads") {
  Trace trace;
  trace.keys = testing::random_trace(21, 5000, 300);
  trace.page_ids.resize(testing::max_key(trace.keys));
  const std::vector<std::string> policies{"opt", "fifo", "arc"};
  const std::vector<std::uint64_t> frames{10, 100};
  const auto one = replay_all(policies, frames, trace, 1);
  const auto three = replay_all(policies, frames, trace, 3);
  REQUIRE(one.size() == 6);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].policy == policies[i / 2]);
    CHECK(one[i].frames == frames[i % 2]);
    CHECK(one[i].requests == 5000);
    CHECK(one[i].misses == three[i].misses);
    CHECK(one[i].misses == testing::naive_misses(one[i].policy, one[i].frames, trace.keys));
  }
}

TEST_CASE("replay_all reports an unknown policy or zero frames as invalid_argument") {
  Trace trace;
  trace.keys = {0, 1, 0};
  trace.page_ids = {5, 6};
  CHECK_THROWS_AS(replay_all({"fifo", "nope"}, {1}, trace, 2), std::invalid_argument);
  CHECK_THROWS_AS(replay_misses("fifo", 0, trace.keys, 2), std::invalid_argument);
}
