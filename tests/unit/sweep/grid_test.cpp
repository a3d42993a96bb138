// sim/sweep/grid: value splitting, grid order, point ids, shards; every message exactly.
#include <doctest/doctest.h>

#include <functional>
#include <set>

#include "sim/sweep/grid.hpp"

using namespace headroom::sweep;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const SweepError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("grid: values split on commas outside brackets, braces and quotes") {
  using V = std::vector<std::string>;
  CHECK(split_values("0.5/min,1/min,2/min", "x") == V{"0.5/min", "1/min", "2/min"});
  CHECK(split_values("[a, b],{poisson: 2/min, prompt_tokens: 5},'c,d',\"e,f\"", "x") ==
        V{"[a, b]", "{poisson: 2/min, prompt_tokens: 5}", "'c,d'", "\"e,f\""});
  CHECK(split_values("[[1,2],[3]],x", "x") == V{"[[1,2],[3]]", "x"});
  CHECK(split_values("one", "x") == V{"one"});
  CHECK(error_of([] { split_values("a,,b", "--set k=a,,b"); }) ==
        "error: --set k=a,,b: expected a value between commas, found an empty one");
  CHECK(error_of([] { split_values("a,", "--set k=a,"); }) ==
        "error: --set k=a,: expected a value between commas, found an empty one");
  CHECK(error_of([] { split_values("[a,b", "--set k=[a,b"); }) ==
        "error: --set k=[a,b: expected a closing ']', found the end of the values");
  CHECK(error_of([] { split_values("'a,b", "--set k='a,b"); }) ==
        "error: --set k='a,b: expected a closing quote ', found the end of the values");
  CHECK(error_of([] { split_values("a],b", "--set k=a],b"); }) ==
        "error: --set k=a],b: expected values separated by commas, found an unmatched ']'");
  CHECK(error_of([] { split_values("1,2,1", "--set k=1,2,1"); }) == "error: --set k=1,2,1: value '1' is given twice");
}

TEST_CASE("grid: first --set outermost, hosts innermost, ids and indices in that order") {
  const std::vector<Parameter> parameters = {{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}};
  const std::vector<Point> points = expand_grid(parameters, {"h1", "h2"});
  REQUIRE(points.size() == 12);
  CHECK(points[0].id == "p0000");
  CHECK(points[0].parameters == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "x"}});
  CHECK(points[0].host == "h1");
  CHECK(points[1].host == "h2");
  CHECK(points[1].combination == 0);
  CHECK(points[2].parameters[1].second == "y");
  CHECK(points[6].parameters[0].second == "2");
  CHECK(points[6].parameters[1].second == "x");
  CHECK(points[11].id == "p0011");
  CHECK(points[11].combination == 5);
  for (std::size_t k = 0; k < points.size(); ++k) CHECK(points[k].index == k);
  // No parameter: one combination, one point per host.
  CHECK(expand_grid({}, {"h"}).size() == 1);
  CHECK(error_of([] { expand_grid({{"a", {"1"}}, {"a", {"2"}}}, {"h"}); }) == "error: --set a is given twice");
  CHECK(error_of([] { expand_grid({}, {"h", "h"}); }) == "error: host 'h' is given twice in --hosts");
  CHECK(error_of([] { expand_grid({{"a", std::vector<std::string>(1001, "v")}, {"b", std::vector<std::string>(1000, "v")}}, {"h"}); }) ==
        "error: the sweep has more than 1000000 points (the product of every --set's values and the hosts)");
}

TEST_CASE("grid: point ids widen past 9999 points") {
  CHECK(point_id(7, 64) == "p0007");
  CHECK(point_id(9999, 10000) == "p9999");
  CHECK(point_id(7, 10001) == "p00007");
  CHECK(point_id(10000, 10001) == "p10000");
  CHECK(point_id(0, 1) == "p0000");
}

TEST_CASE("grid: --set text becomes a parameter") {
  const Parameter p = parse_parameter("workloads.chat.arrivals.poisson=0.5/min,1/min");
  CHECK(p.path == "workloads.chat.arrivals.poisson");
  CHECK(p.values == std::vector<std::string>{"0.5/min", "1/min"});
  CHECK(error_of([] { parse_parameter("nopath"); }) ==
        "error: --set nopath: expected PATH=VALUE (e.g. workloads.chat.max_batch=4), found no '='");
  CHECK(error_of([] { parse_parameter("a=1,,2"); }) == "error: --set a=1,,2: expected a value between commas, found an empty one");
}

TEST_CASE("grid: shards split the points into disjoint shares covering all") {
  const Shard s = parse_shard("2/3");
  CHECK(s.index == 2);
  CHECK(s.count == 3);
  std::set<std::size_t> seen;
  for (std::size_t i = 1; i <= 3; ++i)
    for (std::size_t k = 0; k < 10; ++k)
      if (parse_shard(std::to_string(i) + "/3").contains(k)) CHECK(seen.insert(k).second);
  CHECK(seen.size() == 10);
  CHECK(parse_shard("1/1").contains(5));
  for (const char* bad : {"0/2", "3/2", "1/0", "1", "a/b", "/2", "1/", "-1/2", "1/2x", "1/2000000"})
    CHECK(error_of([bad] { parse_shard(bad); }) ==
          std::string("error: --shard: expected i/n with 1 <= i <= n (e.g. 2/8), found '") + bad + "'");
}
