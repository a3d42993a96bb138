// JSON lines (Mooncake, generic jsonl): each line is parsed with nlohmann::json, so strings,
// escapes, nesting and invalid UTF-8 are handled by a well-kept parser; fields are taken by key.
#include <nlohmann/json.hpp>

#include <algorithm>

#include "sim/text.hpp"
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {

namespace {

using nlohmann::json;

std::string in_quotes(std::string_view s) {
  std::string out(1, '\'');  // built by appending: GCC 12 warns (-Wrestrict, falsely) on "'" + string
  out += shown(s);
  out += '\'';
  return out;
}

// The byte column of `key`'s value in the line (for messages), or 1 when it cannot be found.
std::uint64_t key_column(std::string_view line, const std::string& key) {
  const std::string needle = "\"" + key + "\"";
  const std::size_t at = line.find(needle);
  if (at == std::string_view::npos) return 1;
  std::size_t i = at + needle.size();
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ':')) ++i;
  return i + 1;
}

// What a JSON value is, for "found ...".
std::string found_value(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return in_quotes(text);
}

}  // namespace

JsonSpec with_overrides(JsonSpec spec, const Options& options, const std::string& path) {
  const Columns& c = options.columns;
  if (!c.time.empty()) {
    spec.time = c.time;
    if (!time_unit_of(c.time_unit, spec.time_unit))
      throw TraceError(path, 1, 1, "expected a time unit (s, ms, us, ns or datetime), found '" + shown(c.time_unit) + "'");
  }
  if (!c.input.empty()) spec.input = c.input;
  if (!c.output.empty()) spec.output = c.output;
  if (!c.hash_ids.empty()) spec.hash_ids = c.hash_ids;
  return spec;
}

bool json_has_keys(std::string_view line, std::initializer_list<std::string_view> keys) {
  const std::size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos || line[first] != '{') return false;
  const json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  for (const auto k : keys)
    if (!j.contains(std::string(k))) return false;
  return true;
}

namespace {

class JsonReader : public RowReader {
 public:
  JsonReader(std::unique_ptr<LineSource> source, const Options& options, JsonSpec spec)
      : RowReader(std::move(source), options, spec.format), spec_(std::move(spec)) {
    std::string_view first;
    if (!this->source().next(first))
      this->source().fail(1, "expected a JSON object per line with the keys " + wanted() + ", found an empty file");
    this->source().unread();
  }

 protected:
  bool parse(Record& r) override {
    std::string_view line;
    if (!source().next(line)) return false;
    r.line = source().line_no();
    json j;
    try {
      j = json::parse(line.begin(), line.end());
    } catch (const json::parse_error& e) {
      const std::uint64_t column = e.byte == 0 ? 1 : std::min<std::uint64_t>(e.byte, line.size() + 1);
      throw BadRow{column, "bad JSON", "expected a JSON object per line, found " + in_quotes(line) + " (" +
                                           json_problem(e) + ")"};
    } catch (const json::exception& e) {  // e.g. 406: a number too large for a double
      throw BadRow{1, "bad JSON", "expected a JSON object per line, found " + in_quotes(line) + " (" +
                                      json_problem(e) + ")"};
    }
    if (!j.is_object())
      throw BadRow{1, "bad JSON", "expected a JSON object per line, found " + in_quotes(line)};
    const json& t = field(j, line, spec_.time);
    time_column_ = key_column(line, spec_.time);
    time_text_ = t.is_string() ? t.get<std::string>() : t.dump();
    parse_time_value(t, r);
    r.input_tokens = tokens(field(j, line, spec_.input), line, spec_.input);
    r.output_tokens = tokens(field(j, line, spec_.output), line, spec_.output);
    // hash_ids is optional: files synthesized in Mooncake's format sometimes leave it out.
    if (!spec_.hash_ids.empty())
      if (const auto it = j.find(spec_.hash_ids); it != j.end()) hashes(*it, line, r.hash_ids);
    return true;
  }

 private:
  std::string wanted() const {
    std::string w = "'" + spec_.time + "', '" + spec_.input + "', '" + spec_.output + "'";
    if (!spec_.hash_ids.empty()) w += ", '" + spec_.hash_ids + "'";
    return w;
  }

  static std::string json_problem(const json::exception& e) {
    // nlohmann's text reads "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    // or "[json.exception.out_of_range.406] number overflow ...": keep what names the problem.
    std::string text = e.what();
    if (const std::size_t id = text.find("] "); id != std::string::npos) text.erase(0, id + 2);
    if (text.starts_with("parse error"))
      if (const std::size_t colon = text.find(": "); colon != std::string::npos) text.erase(0, colon + 2);
    return text;
  }

  const json& field(const json& j, std::string_view line, const std::string& key) const {
    const auto it = j.find(key);
    if (it == j.end())
      throw BadRow{1, "missing " + key, "expected the key '" + key + "' in the JSON object, found " + in_quotes(line)};
    return *it;
  }

  void parse_time_value(const json& t, Record& r) const {
    if (spec_.time_unit == TimeUnit::datetime ? !t.is_string() : !t.is_number())
      throw BadRow{time_column_, "bad " + spec_.time,
                   "expected " + spec_.time + " as " + time_unit_words(spec_.time_unit) + ", found " + found_value(t)};
    // Numbers go through their JSON text, so 1700000000123 ms stays exact (no double on the way).
    std::string text = t.is_string() ? t.get<std::string>() : t.dump();
    if (spec_.time_unit == TimeUnit::datetime) {
      if (!parse_date_time_utc(text, r.date_time))
        throw BadRow{time_column_, "bad " + spec_.time,
                     "expected " + spec_.time + " as " + time_unit_words(spec_.time_unit) + ", found " + in_quotes(text)};
      r.has_date_time = true;
      if (!epoch_ns(r.date_time, r.time_ns)) {
        if (!options().wide_dates)
          throw BadRow{time_column_, "bad " + spec_.time,
                       "expected " + spec_.time + " as a date-time from 1677-09-22 to 2262-04-11, found " + in_quotes(text)};
        r.time_ns = 0;
      }
      return;
    }
    const int exponent = spec_.time_unit == TimeUnit::s ? 9 : spec_.time_unit == TimeUnit::ms ? 6
                                                          : spec_.time_unit == TimeUnit::us ? 3 : 0;
    if (!parse_decimal_ns(text, exponent, r.time_ns))
      throw BadRow{time_column_, "bad " + spec_.time,
                   "expected " + spec_.time + " as " + time_unit_words(spec_.time_unit) +
                       " (below 2^63 ns), found " + in_quotes(text)};
  }

  static std::uint32_t tokens(const json& v, std::string_view line, const std::string& key) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() <= 0xFFFFFFFFull) return static_cast<std::uint32_t>(v.get<std::uint64_t>());
    if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0))
      throw BadRow{key_column(line, key), "bad " + key,
                   "expected " + key + " as a non-negative integer of at most 4294967295, found " + found_value(v)};
    throw BadRow{key_column(line, key), "bad " + key,
                 "expected " + key + " as a non-negative integer, found " + found_value(v)};
  }

  static void hashes(const json& v, std::string_view line, const std::string& key, std::vector<std::uint64_t>& out) {
    if (!v.is_array())
      throw BadRow{key_column(line, key), "bad " + key,
                   "expected " + key + " as a list of non-negative integers, found " + found_value(v)};
    out.reserve(v.size());
    for (const json& h : v) {
      if (!h.is_number_unsigned())
        throw BadRow{key_column(line, key), "bad " + key,
                     "expected " + key + " as a list of non-negative integers, found the item " + found_value(h)};
      out.push_back(h.get<std::uint64_t>());
    }
  }
  void hashes(const json& v, std::string_view line, std::vector<std::uint64_t>& out) const {
    hashes(v, line, spec_.hash_ids, out);
  }

  JsonSpec spec_;
};

}  // namespace

std::unique_ptr<Reader> make_json_reader(std::unique_ptr<LineSource> source, const Options& options, JsonSpec spec) {
  spec = with_overrides(std::move(spec), options, source->path());
  return std::make_unique<JsonReader>(std::move(source), options, std::move(spec));
}

}  // namespace headroom::reqtrace
