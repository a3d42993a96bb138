// Checked access to YAML documents: every value is read through these helpers so that a wrong key,
// a wrong type or a bad unit becomes a ConfigError at the offending node's file:line:col (1-based),
// saying what was expected and what was found. Only sim/config includes this header.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace headroom::config {

// Reads and parses a YAML file; missing/unreadable file and syntax errors are ConfigErrors.
// `what` names the file's role in the error ("scenario file", "catalog file").
YAML::Node load_yaml_file(const std::string& path, const std::string& what);

// The checks load_yaml_file makes on a parsed tree (no tags, bounded nesting), for YAML text that
// does not come from a file (`--set PATH=VALUE`, sim/config/overrides.hpp).
void check_yaml_tree(const std::string& path, const YAML::Node& node);

// "a mapping", "a list", "nothing", or the scalar in quotes.
std::string describe(const YAML::Node& node);

[[noreturn]] void fail_at(const std::string& file, const YAML::Node& node, const std::string& message);

// Requires node to be a mapping / list / scalar; `what` names it in the error ("host", "hosts").
void expect_map(const std::string& file, const YAML::Node& node, const std::string& what);
void expect_list(const std::string& file, const YAML::Node& node, const std::string& what);

// A mapping whose keys were all checked against a list of allowed keys (unknown or repeated key =>
// error at that key). Accessors name the key in their errors; `required` ones report a missing key
// at the mapping itself.
class MapReader {
 public:
  MapReader(std::string file, YAML::Node node, std::string what, std::vector<std::string> allowed);

  const std::string& file() const { return file_; }
  const YAML::Node& node() const { return node_; }
  const std::string& what() const { return what_; }
  bool has(const std::string& key) const;
  YAML::Node get(const std::string& key) const;       // undefined node when absent
  YAML::Node required(const std::string& key) const;  // error when absent
  [[noreturn]] void fail(const YAML::Node& at, const std::string& message) const;

  std::string string(const std::string& key) const;
  std::string string_or(const std::string& key, const std::string& fallback) const;
  std::int64_t integer(const std::string& key, std::int64_t min, std::int64_t max) const;
  std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) const;
  double number(const std::string& key, double min_exclusive) const;  // plain number, > min
  bool boolean_or(const std::string& key, bool fallback) const;

  // Quantities with units (see units.hpp). `positive` rejects zero. Sizes are at most `max`
  // (default kMaxModelBytes, scenario.hpp).
  std::uint64_t bytes(const std::string& key, bool positive) const;
  std::uint64_t bytes(const std::string& key, bool positive, std::uint64_t max) const;
  // "<key>: expected at most <limit>, found '<the value as written>'" at key.
  [[noreturn]] void fail_above(const std::string& key, const std::string& limit) const;
  double rate_Bps(const std::string& key, bool positive) const;
  double flops(const std::string& key, bool positive) const;
  double duration_s(const std::string& key, bool positive) const;
  double rate_per_s(const std::string& key, bool positive) const;

  // The scalar text at key (required), for callers that parse it themselves.
  std::string scalar(const std::string& key, const std::string& expected) const;

 private:
  std::string file_;
  YAML::Node node_;
  std::string what_;
  std::vector<std::string> allowed_;
};

// The scalar text of a node, or an error "<key>: expected <expected>, found <describe(node)>".
std::string scalar_text(const std::string& file, const YAML::Node& node, const std::string& key,
                        const std::string& expected);

}  // namespace headroom::config
