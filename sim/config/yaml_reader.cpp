#include "sim/config/yaml_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "sim/config/error.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/units.hpp"
#include "sim/path_problem.hpp"
#include "sim/text.hpp"

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
      map.fail(node, key + ": expected a value above zero, found '" + shown(text) + "'");
    return value;
  } catch (const UnitError& e) {
    map.fail(node, key + ": " + e.what());
  }
}

}  // namespace

namespace {

// Natural scenarios nest 5 levels (scenario > workloads > workload > model > bits_per_weight);
// the bound keeps every recursive walk over a document short.
constexpr int kMaxNesting = 64;
// A scenario is a few KiB; the limit keeps yaml-cpp from spending seconds on a giant scalar.
constexpr std::size_t kMaxScenarioBytes = std::size_t{4} << 20;

// 1-based line and column of byte `offset` in `text`.
std::pair<int, int> position_of(std::string_view text, std::size_t offset) {
  const std::string_view before = text.substr(0, offset);
  const std::size_t line_start = before.rfind('\n');
  const auto line = 1 + std::count(before.begin(), before.end(), '\n');
  const std::size_t column = line_start == std::string_view::npos ? offset : offset - line_start - 1;
  return {static_cast<int>(line), static_cast<int>(column) + 1};
}

// A NUL byte or bytes that are not UTF-8 are refused where they stand, before the YAML parser
// reads them as something else (an escape, a truncated scalar) and before they can reach a report.
void check_text(const std::string& path, std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n != 0 && text[i] != '\0') {
      i += n;
      continue;
    }
    const auto [line, column] = position_of(text, i);
    if (text[i] == '\0') throw ConfigError(path, line, column, "expected text, found a NUL byte");
    char byte[8];
    std::snprintf(byte, sizeof byte, "\\x%02X", static_cast<unsigned char>(text[i]));
    throw ConfigError(path, line, column, std::string("expected UTF-8 text, found the byte ") + byte);
  }
}

// Where the second document starts: its first node, or the `---` line that opens it.
std::pair<int, int> second_document_position(std::string_view text, const std::optional<YAML::Mark>& first_node) {
  if (first_node) return {first_node->line + 1, first_node->column + 1};
  int markers = 0, line = 1;
  bool first_has_content = false;
  for (std::size_t start = 0; start < text.size(); ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view row = text.substr(start, end - start);
    if (row.substr(0, 3) == "---" && (row.size() == 3 || row[3] == ' ' || row[3] == '\r')) {
      if (first_has_content || ++markers == 2) return {line, 1};
    } else if (!row.empty() && row.front() != '#' && row.front() != '%' &&
               row.find_first_not_of(" \t\r") != std::string_view::npos) {
      first_has_content = true;
    }
    start = end + 1;
  }
  return {1, 1};
}

// Explicit tags (`!foo`, `!!str`) would be silently ignored by every reader here, and nesting
// deeper than any scenario needs is refused with the place it goes too deep. Aliased collections
// are walked once (an alias bomb stays linear).
void check_tree(const std::string& path, const YAML::Node& node, int depth, std::set<std::size_t>& seen) {
  const std::string& tag = node.Tag();
  if (!tag.empty() && tag != "?" && tag != "!")
    fail_at(path, node, "expected a plain YAML value, found the tag '" + shown(tag) +
                            "' (tags are not supported)");
  if (!node.IsMap() && !node.IsSequence()) return;
  if (depth > kMaxNesting)
    fail_at(path, node, "expected at most " + std::to_string(kMaxNesting) +
                            " levels of nesting, found more");
  if (!seen.insert(static_cast<std::size_t>(node.Mark().pos)).second) return;
  for (const auto& item : node) {
    if (node.IsMap()) {
      check_tree(path, item.first, depth + 1, seen);
      check_tree(path, item.second, depth + 1, seen);
    } else {
      check_tree(path, item, depth + 1, seen);
    }
  }
}

// Counts documents and keeps where each one's first node starts (none for an empty or null one).
// Used instead of YAML::LoadAll, which yaml-cpp 0.7 never returns from on a ',' outside a flow
// collection: its parser makes an empty document of it without consuming it, forever (measured:
// 6 GB in 30 s on the line ",,,"). Asking for at most two documents bounds that loop.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::vector<std::optional<YAML::Mark>> first_nodes;  // one entry per document
  void OnDocumentStart(const YAML::Mark&) override { first_nodes.emplace_back(); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { note(mark, true); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { note(mark, false); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    note(mark, false);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(mark, false);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(mark, false);
  }
  void OnMapEnd() override {}
  std::optional<YAML::Mark> null_mark;  // where the last document's null node stood

 private:
  void note(const YAML::Mark& mark, bool is_null) {
    if (first_nodes.empty() || seen_node_) return;
    seen_node_ = true;
    if (is_null) null_mark = mark;
    else first_nodes.back() = mark;
  }
  bool seen_node_ = false;

 public:
  void next_document() { seen_node_ = false; null_mark.reset(); }
};

}  // namespace

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  if (const auto problem = regular_file_problem(path, "no such file"))
    throw ConfigError(path, "cannot open " + what + ": " + *problem);
  std::ifstream in(path, std::ios::binary);
  // Read in chunks and stop past the limit: a scenario is a few KiB, and yaml-cpp spends seconds
  // on a multi-megabyte scalar before any check could run.
  std::string text;
  std::array<char, 1 << 16> chunk;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioBytes)
      throw ConfigError(path, "expected a " + what + " of at most " + std::to_string(kMaxScenarioBytes >> 20) +
                                  " MiB, found a larger file");
  }
  if (in.bad()) throw ConfigError(path, "cannot read " + what);
  check_text(path, text);
  YAML::Node document;
  DocumentCounter counter;
  try {
    document = YAML::Load(text);
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    for (int i = 0; i < 2; ++i) {
      counter.next_document();
      if (!parser.HandleNextDocument(counter)) break;
      // A document never starts with ',': this is the flow-entry token the parser cannot move past.
      const auto& mark = counter.null_mark;
      if (mark && mark->pos >= 0 && static_cast<std::size_t>(mark->pos) < text.size() && text[mark->pos] == ',')
        throw ConfigError(path, mark->line + 1, mark->column + 1,
                          "invalid YAML: expected a value, found ',' outside a flow collection ([...] or {...})");
    }
  } catch (const YAML::DeepRecursion& e) {
    throw ConfigError(path, e.mark.line + 1, e.mark.column + 1,
                      "expected at most " + std::to_string(kMaxNesting) +
                          " levels of nesting, found deeper nesting than the YAML parser accepts");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path, e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
  }
  if (counter.first_nodes.size() > 1) {
    const auto [line, column] = second_document_position(text, counter.first_nodes[1]);
    throw ConfigError(path, line, column, "expected one YAML document, found a second one");
  }
  std::set<std::size_t> seen;
  check_tree(path, document, 1, seen);
  return document;
}

void check_yaml_tree(const std::string& path, const YAML::Node& node) {
  std::set<std::size_t> seen;
  check_tree(path, node, 1, seen);
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  return "'" + shown(node.Scalar()) + "'";
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
      fail(entry.first, "unknown key '" + shown(key) + "' in " + what_ + "; allowed keys: " + join(allowed_));
    if (!seen.insert(key).second) fail(entry.first, "duplicate key '" + shown(key) + "' in " + what_);
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
  // Blank names would print as nothing in every report.
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    fail(get(key), key + ": expected a non-blank string, found '" + shown(text) + "'");
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
    fail(get(key), key + ": expected a whole number, found '" + shown(text) + "'");
  if (value < min || value > max)
    fail(get(key), key + ": expected a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", found " + shown(text));
  return value;
}

std::int64_t MapReader::integer_or(const std::string& key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

double MapReader::number(const std::string& key, double min_exclusive) const {
  const std::string text = scalar(key, "a number");
  double value = 0;
  try {
    value = parse_number(text);
  } catch (const UnitError& e) {
    fail(get(key), key + ": " + e.what());
  }
  if (!(value > min_exclusive)) {
    std::ostringstream bound;
    bound << min_exclusive;
    fail(get(key), key + ": expected a number above " + bound.str() + ", found " + shown(text));
  }
  return value;
}

bool MapReader::boolean_or(const std::string& key, bool fallback) const {
  if (!has(key)) return fallback;
  const std::string text = scalar(key, "true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail(get(key), key + ": expected true or false, found '" + shown(text) + "'");
}

std::uint64_t MapReader::bytes(const std::string& key, bool positive) const {
  return bytes(key, positive, kMaxModelBytes);
}

std::uint64_t MapReader::bytes(const std::string& key, bool positive, std::uint64_t max) const {
  const std::uint64_t value = parse_unit(*this, key, positive, parse_bytes);
  if (value > max) fail_above(key, format_exact_bytes(max));
  return value;
}

void MapReader::fail_above(const std::string& key, const std::string& limit) const {
  fail(get(key), key + ": expected at most " + limit + ", found '" + shown(get(key).Scalar()) + "'");
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
