// sim/sweep/grid: the parameter grid of `headroom sweep` (README.md in this folder): --set values,
// the cartesian product of points, point ids and shards. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace headroom::sweep {

// Bad sweep input (a --set, --shard, --hosts or a sweep directory); what() is the whole line
// ("error: ..."), exit status 2.
class SweepError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One swept `--set PATH=V1,V2,...`.
struct Parameter {
  std::string path;
  std::vector<std::string> values;
};

// One simulation: a parameter combination on one host.
struct Point {
  std::size_t index = 0;        // 0-based, in grid order
  std::string id;               // "p0007"
  std::size_t combination = 0;  // index of its parameter combination (one scenario per combination)
  std::vector<std::pair<std::string, std::string>> parameters;  // (path, value), in --set order
  std::string host;
};

// "a,[b, c],{d: 1, e: 2},'f,g'" -> a | [b, c] | {d: 1, e: 2} | 'f,g': split on commas outside
// brackets, braces and quotes. Throws SweepError (naming `what`, the --set text) for an empty value,
// an unclosed bracket or quote, or a value given twice.
std::vector<std::string> split_values(const std::string& text, const std::string& what);

// "PATH=V1,V2" -> {PATH, {V1, V2}}; the path checked as config::parse_override does (its
// ConfigError, "error: --set ...", is re-thrown as SweepError).
Parameter parse_parameter(const std::string& set_text);

// Every combination (first parameter outermost) x every host (innermost). No parameters: one
// combination. Throws SweepError for a path given twice, no host, or a host given twice.
std::vector<Point> expand_grid(const std::vector<Parameter>& parameters, const std::vector<std::string>& hosts);

// "p0007"; at least 4 digits, as many as the largest index needs.
std::string point_id(std::size_t index, std::size_t count);

// `--shard i/n` (1 <= i <= n): runs the points whose index % n == i - 1.
struct Shard {
  std::size_t index = 1;
  std::size_t count = 1;
  bool contains(std::size_t point_index) const { return point_index % count == index - 1; }
};
Shard parse_shard(const std::string& text);

}  // namespace headroom::sweep
