// Request traces of LLM servers (one row per request: arrival time, prompt tokens, output tokens,
// and for Mooncake the prefix block hashes), read in a stream whatever the file's size.
// Formats register themselves by name (format_registry.hpp): azure (2023 and 2024), burstgpt,
// mooncake, splitwise, vidur, and the generic csv / jsonl with a column mapping. See README.md.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/timestamp.hpp"
#include "sim/trace/trace_reader.hpp"

namespace headroom::reqtrace {

struct Record {
  std::int64_t time_ns = 0;  // arrival as recorded, ns on the trace's own clock (epoch ns for date-times)
  std::uint32_t input_tokens = 0, output_tokens = 0;
  bool failed = false;  // a failure row (BurstGPT: zero response tokens): counted, not served
  std::vector<std::uint64_t> hash_ids;  // Mooncake prefix blocks (512 tokens each), else empty
  std::uint64_t line = 0;               // 1-based line (JSON line) in the file, for messages
  // Date-time formats only: the exact calendar time (any year 0000-9999); time_ns is the same
  // instant as epoch ns (date-times outside 1677-2262 are refused unless Options::wide_dates).
  bool has_date_time = false;
  trace::DateTime date_time{};
};

// Column names for the generic formats (required there), or overrides of a known format's names.
struct Columns {
  std::string time, input, output, hash_ids;
  std::string time_unit = "s";  // s|ms|us|ns|datetime (used when `time` is given)
};

enum class Order { reject, sort };  // non-monotonic timestamps: error at the row, or sort (holds the trace)

struct Options {
  std::string format;  // "" = detect from header/first line; else a registered name
  Columns columns;     // generic csv/jsonl (required there; overrides elsewhere optional)
  trace::BadRowAction on_bad_row = trace::BadRowAction::fail;  // sim/trace/trace_reader.hpp
  Order order = Order::reject;
  std::uint64_t max_rows = 0;  // 0 = all
  // Date-time rows outside 1677-09-22..2262-04-11 (where epoch ns overflow int64) are accepted with
  // time_ns = 0 and only date_time meaningful (read_azure_trace's exact offsets need it); default: refused.
  bool wide_dates = false;
};

struct Counts {
  std::uint64_t rows = 0, failed = 0, skipped = 0;  // rows handed out (failed ones included), skipped bad rows
  std::map<std::string, std::uint64_t> skipped_by_reason;  // e.g. "bad ContextTokens", "out of order"
  std::string first_skipped;                                // the first skipped row's message
};

class Reader {  // streaming: bounded memory whatever the file size (except Order::sort)
 public:
  virtual ~Reader() = default;
  virtual bool next(Record& out) = 0;  // false at end of file
  virtual const Counts& counts() const = 0;
  virtual std::string_view format() const = 0;  // the registered name used
};

// what() = "FILE:LINE:COL: error: expected <column> as ..., found '...'" (COL the 1-based byte
// column of the field; LINE and COL are 1 for a problem with the file as a whole).
class TraceError : public std::runtime_error {
 public:
  TraceError(const std::string& file, std::uint64_t line, std::uint64_t column, const std::string& message);
  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }
  std::uint64_t column() const { return column_; }
  const std::string& message() const { return message_; }  // without the "FILE:LINE:COL: error: " prefix

 private:
  std::string file_;
  std::uint64_t line_, column_;
  std::string message_;
};

// Throws TraceError on a bad row under BadRowAction::fail, an unreadable file, a wrong/unknown
// header, binary data, a line over 64 KiB, a truncated gzip stream, an unknown format name, etc.
std::unique_ptr<Reader> open_requests(const std::string& path, const Options& options);
std::vector<std::string> format_names();

}  // namespace headroom::reqtrace
