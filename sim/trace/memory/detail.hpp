// Internals the memory-series readers share (sim/trace/memory/*.cpp only): the line source with
// look-ahead for detection, bad-row handling, times and numbers.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sim/trace/input.hpp"
#include "sim/trace/memory/memory_series.hpp"
#include "sim/trace/timestamp.hpp"

namespace headroom::memtrace::detail {

struct Line {
  std::string_view text;  // without its '\n' and a trailing '\r'
  std::uint64_t number = 0;
};

// Lines of the input in order, each checked against the line limit; a UTF-8 byte-order mark on the
// first line is dropped. Lines taken for detection can be put back (they are copied).
class Lines {
 public:
  explicit Lines(std::unique_ptr<trace::LineReader> reader) : reader_(std::move(reader)) {}
  bool next(Line& out);
  void put_back(const Line& line) { held_.push_back({std::string(line.text), line.number}); }

 private:
  std::unique_ptr<trace::LineReader> reader_;
  std::string_view block_;
  std::uint64_t line_no_ = 0;
  std::deque<std::pair<std::string, std::uint64_t>> held_;
  std::string current_;  // the put-back line being handed out
  bool done_ = false;
};

// A bad row or snapshot: thrown inside one, caught where the reader decides to fail or skip.
struct BadRow {
  std::uint64_t line = 0, column = 1;
  std::string message;
};

// What every format's reader fills and consults.
struct Context {
  std::string name;  // the file as messages show it
  Options options;
  Series series;
  std::optional<trace::DateTime> first, previous;

  // Under fail: throws SeriesError. Under skip: counts it (and keeps the first message).
  void bad_row(const BadRow& bad);
  [[noreturn]] void fail(std::uint64_t line, std::uint64_t column, const std::string& message) const;
  // Sets sample.time_s from `time` (checked: after the previous sample's); throws BadRow.
  void place_in_time(const trace::DateTime& time, std::string_view text, std::uint64_t line, std::uint64_t column,
                     Sample& sample);
  // Called once a sample is whole: keeps it and moves `previous` on.
  void keep(const Sample& sample, const trace::DateTime& time);
};

// `# time <value>`: the line starting each snapshot.
inline bool is_time_line(std::string_view text) {
  return text == "# time" || text.starts_with("# time ") || text.starts_with("# time\t");
}

// "'text'" through headroom::shown().
std::string quoted(std::string_view text);
std::string_view trim(std::string_view s);

// Seconds (digits, an optional fraction; no sign, no exponent) or a date-time
// `YYYY-MM-DD HH:MM:SS[.f]` (space or T, an optional trailing Z); nullopt when neither.
std::optional<trace::DateTime> parse_time(std::string_view text);
// A whole number 0 .. 2^64 - 1 (digits only).
std::optional<std::uint64_t> parse_u64(std::string_view text);

void read_csv(Lines& lines, Context& ctx);
enum class Snapshot { proc_status, cgroup_v1, cgroup_v2, vmstat };
void read_snapshots(Lines& lines, Context& ctx, Snapshot kind);

}  // namespace headroom::memtrace::detail
