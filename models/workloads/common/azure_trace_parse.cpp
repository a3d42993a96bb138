#include "models/workloads/common/azure_trace.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>

#include "sim/config/error.hpp"
#include "sim/text.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/timestamp.hpp"

namespace headroom::models {

namespace {

constexpr const char* kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";

bool parse_tokens(const std::string& field, std::uint32_t& out) {
  if (field.empty())
    return false;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
  return ec == std::errc() && end == field.data() + field.size();
}

std::string quoted(std::string_view s) { return "'" + shown(s) + "'"; }

struct Field {
  std::string text;
  int column = 1;  // 1-based character column where it starts
};

std::vector<Field> split_row(std::string_view line) {
  std::vector<Field> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    fields.push_back({std::string(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)),
                      static_cast<int>(start) + 1});
    if (comma == std::string::npos)
      return fields;
    start = comma + 1;
  }
}

// One data row; `first` and `previous` carry the timestamps of the first and the previous rows.
TraceRequest parse_row(const std::string& path, int line_no, std::string_view line, trace::DateTime& first,
                       trace::DateTime& previous, bool is_first) {
  const std::vector<Field> f = split_row(line);
  if (f.size() != 3)
    throw config::ConfigError(path, line_no, 1,
                              "expected 3 comma-separated fields (TIMESTAMP,ContextTokens,GeneratedTokens), found " +
                                  std::to_string(f.size()) + " in " + quoted(line));
  const auto time = trace::parse_date_time(f[0].text, false);
  if (!time)
    throw config::ConfigError(path, line_no, f[0].column,
                              "expected TIMESTAMP as YYYY-MM-DD HH:MM:SS.fffffff, found " + quoted(f[0].text));
  TraceRequest r;
  if (!parse_tokens(f[1].text, r.context_tokens))
    throw config::ConfigError(path, line_no, f[1].column,
                              "expected ContextTokens as a non-negative integer, found " + quoted(f[1].text));
  if (!parse_tokens(f[2].text, r.generated_tokens))
    throw config::ConfigError(path, line_no, f[2].column,
                              "expected GeneratedTokens as a non-negative integer, found " + quoted(f[2].text));
  if (is_first) first = previous = *time;
  if (*time < previous)
    throw config::ConfigError(path, line_no, f[0].column,
                              "expected timestamps in non-decreasing order, found " + quoted(f[0].text) +
                                  " earlier than the previous row");
  previous = *time;
  // Exact in integer seconds and nanoseconds whatever the years, rounded once.
  r.offset_s = trace::seconds_between(first, *time);
  return r;
}

}  // namespace

bool parse_trace_timestamp(const std::string& text, trace::DateTime& time) {
  const auto parsed = trace::parse_date_time(text, false);
  if (parsed) time = *parsed;
  return parsed.has_value();
}

bool parse_trace_timestamp(const std::string& text, std::int64_t& ns) {
  trace::DateTime time;
  if (!parse_trace_timestamp(text, time)) return false;
  // Only 1677-09-21 .. 2262-04-11 fit a signed 64-bit nanosecond count.
  const std::int64_t s = time.seconds.time_since_epoch().count();
  constexpr std::int64_t kNsPerS = 1000000000;
  if (s > (std::numeric_limits<std::int64_t>::max() - kNsPerS) / kNsPerS ||
      s < std::numeric_limits<std::int64_t>::min() / kNsPerS + 1)
    return false;
  ns = s * kNsPerS + time.nanoseconds;
  return true;
}

namespace {

// Opens the trace, or names the file and the true reason it cannot be read.
std::unique_ptr<trace::LineReader> open_azure(const std::string& path) {
  try {
    return std::make_unique<trace::LineReader>(path, "a readable Azure LLM trace CSV", "no such file");
  } catch (const trace::InputError& e) {
    throw config::ConfigError(path, 1, 1, e.what());
  }
}

}  // namespace

std::vector<TraceRequest> read_azure_trace(const std::string& path, std::uint64_t max_rows) {
  const auto input = open_azure(path);
  std::vector<TraceRequest> rows;
  std::uint64_t line_no = 0;
  trace::DateTime first, previous;
  bool done = false;
  std::string_view block;
  try {
    while (!done && input->next(block, line_no + 1)) {
      if (line_no == 0 && block.starts_with("\xEF\xBB\xBF")) block.remove_prefix(3);  // a UTF-8 byte-order mark
      while (!block.empty() && !done) {
        const std::size_t nl = block.find('\n');
        std::string_view line = block.substr(0, nl);
        block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
        ++line_no;
        if (line.size() > trace::kMaxLineBytes) throw trace::InputError(line_no, 1, trace::line_too_long_message(line));
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line_no == 1) {
          if (line != kHeader)
            throw config::ConfigError(path, 1, 1, "expected the header '" + std::string(kHeader) + "', found " + quoted(line));
          continue;
        }
        if (line.empty() && block.empty() && !input->next(block, line_no + 1)) {
          done = true;  // a blank last line, e.g. an editor's extra newline
          break;
        }
        if (max_rows && rows.size() >= max_rows) {
          done = true;
          break;
        }
        rows.push_back(parse_row(path, static_cast<int>(std::min<std::uint64_t>(line_no, INT32_MAX)), line, first,
                                 previous, rows.empty()));
      }
    }
  } catch (const trace::InputError& e) {
    throw config::ConfigError(path, static_cast<int>(std::min<std::uint64_t>(std::max<std::uint64_t>(e.line(), 1), INT32_MAX)),
                              static_cast<int>(std::min<std::uint64_t>(std::max<std::uint64_t>(e.column(), 1), INT32_MAX)),
                              e.what());
  }
  if (line_no == 0)
    throw config::ConfigError(path, 1, 1, "expected the header '" + std::string(kHeader) + "', found an empty file");
  return rows;
}

}  // namespace headroom::models
