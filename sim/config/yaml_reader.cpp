#include "sim/config/yaml_reader.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sim/config/error.hpp"
#include "sim/config/units.hpp"

namespace headroom::config {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Calls a unit parser and turns its UnitError into a positioned ConfigError.
template <typename Parse>
auto parse_unit(const MapReader& map, const std::string& key, bool positive, Parse parse) {
  const YAML::Node node = map.required(key);
  const std::string text = scalar_text(map.file(), node, key, "a value with a unit");
  try {
    const auto value = parse(text);
    if (positive && value == 0)
      map.fail(node, key + ": expected a value above zero, found '" + text + "'");
    return value;
  } catch (const UnitError& e) {
    map.fail(node, key + ": " + e.what());
  }
}

}  // namespace

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw ConfigError(path, "cannot open " + what + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec))
    throw ConfigError(path, "cannot open " + what + ": not a regular file");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw ConfigError(path, "cannot read " + what);
  try {
    return YAML::Load(text.str());
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
  }
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

void fail_at(const std::string& file, const YAML::Node& node, const std::string& message) {
  const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
  if (mark.is_null()) throw ConfigError(file, 1, 1, message);
  throw ConfigError(file, mark.line + 1, mark.column + 1, message);
}

void expect_map(const std::string& file, const YAML::Node& node, const std::string& what) {
  if (!node.IsMap()) fail_at(file, node, what + ": expected a mapping, found " + describe(node));
}

void expect_list(const std::string& file, const YAML::Node& node, const std::string& what) {
  if (!node.IsSequence()) fail_at(file, node, what + ": expected a list, found " + describe(node));
}

std::string scalar_text(const std::string& file, const YAML::Node& node, const std::string& key,
                        const std::string& expected) {
  if (!node.IsScalar())
    fail_at(file, node, key + ": expected " + expected + ", found " + describe(node));
  return node.Scalar();
}

MapReader::MapReader(std::string file, YAML::Node node, std::string what,
                     std::vector<std::string> allowed)
    : file_(std::move(file)), node_(std::move(node)), what_(std::move(what)),
      allowed_(std::move(allowed)) {
  expect_map(file_, node_, what_);
  std::set<std::string> seen;
  for (const auto& entry : node_) {
    const std::string key = scalar_text(file_, entry.first, what_ + " key", "a key name");
    bool known = false;
    for (const auto& a : allowed_) known = known || a == key;
    if (!known)
      fail(entry.first, "unknown key '" + key + "' in " + what_ + "; allowed keys: " + join(allowed_));
    if (!seen.insert(key).second) fail(entry.first, "duplicate key '" + key + "' in " + what_);
  }
}

bool MapReader::has(const std::string& key) const { return node_[key].IsDefined(); }

YAML::Node MapReader::get(const std::string& key) const { return node_[key]; }

YAML::Node MapReader::required(const std::string& key) const {
  const YAML::Node value = node_[key];
  if (!value.IsDefined()) fail(node_, what_ + " is missing required key '" + key + "'");
  return value;
}

void MapReader::fail(const YAML::Node& at, const std::string& message) const {
  fail_at(file_, at, message);
}

std::string MapReader::scalar(const std::string& key, const std::string& expected) const {
  return scalar_text(file_, required(key), key, expected);
}

std::string MapReader::string(const std::string& key) const {
  const std::string text = scalar(key, "a string");
  if (text.empty()) fail(get(key), key + ": expected a non-empty string, found ''");
  return text;
}

std::string MapReader::string_or(const std::string& key, const std::string& fallback) const {
  return has(key) ? string(key) : fallback;
}

std::int64_t MapReader::integer(const std::string& key, std::int64_t min, std::int64_t max) const {
  const std::string text = scalar(key, "a whole number");
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    fail(get(key), key + ": expected a whole number, found '" + text + "'");
  if (value < min || value > max)
    fail(get(key), key + ": expected a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", found " + text);
  return value;
}

std::int64_t MapReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

double MapReader::number(const std::string& key, double min_exclusive) const {
  const std::string text = scalar(key, "a number");
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    fail(get(key), key + ": expected a number, found '" + text + "'");
  if (!(value > min_exclusive)) {
    std::ostringstream bound;
    bound << min_exclusive;
    fail(get(key), key + ": expected a number above " + bound.str() + ", found " + text);
  }
  return value;
}

bool MapReader::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const std::string text = scalar(key, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail(get(key), key + ": expected true or false, found '" + text + "'");
}

std::uint64_t MapReader::bytes(const std::string& key, bool positive) const {
  return parse_unit(*this, key, positive, parse_bytes);
}
double MapReader::rate_Bps(const std::string& key, bool positive) const {
  return parse_unit(*this, key, positive, parse_rate_Bps);
}
double MapReader::flops(const std::string& key, bool positive) const {
  return parse_unit(*this, key, positive, parse_flops);
}
double MapReader::duration_s(const std::string& key, bool positive) const {
  return parse_unit(*this, key, positive, parse_duration_s);
}
double MapReader::rate_per_s(const std::string& key, bool positive) const {
  return parse_unit(*this, key, positive, parse_rate_per_s);
}

}  // namespace headroom::config
