// Memory time series recorded on a real server (a process, a container or the whole host), read
// into one sequence of samples whatever the source: the CSV `headroom capture` writes (and any CSV
// with the same column names), or snapshot series of /proc/<pid>/status, cgroup v1 memory.stat,
// cgroup v2 memory.current + memory.stat, and /proc/vmstat, each snapshot starting with a line
// `# time <seconds or date-time>`. Formats and their fields: sim/trace/memory/README.md.
//
// Read in a stream through sim/trace/input.hpp (gzip, binary refusal, the 64 KiB line limit):
// memory is the samples kept, not the file. No SimGrid, no yaml-cpp: the config layer (the
// `recorded` workload kind) and the command line both use it.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/trace_reader.hpp"

namespace headroom::memtrace {

struct Sample {
  double time_s = 0;  // since the first sample
  std::optional<std::uint64_t> anon_bytes, file_bytes, rss_bytes, swap_bytes, total_bytes;
  std::optional<std::uint64_t> pgmajfault, pswpin, pswpout;  // cumulative counters
  std::optional<double> psi_some_total_s, psi_full_total_s;  // cumulative stall seconds
  std::uint64_t line = 0;  // 1-based line of its CSV row or its snapshot's `# time` line, for messages
};

struct Series {
  std::string format;  // the registered name used (detected or given)
  // A `headroom capture` CSV: what it sampled ("pid 1234 (name)", "cgroup PATH", "system"), from its
  // first line; empty for other files.
  std::string source;
  std::vector<Sample> samples;
  std::uint64_t skipped = 0;   // bad rows (CSV) or snapshots skipped under BadRowAction::skip
  std::string first_skipped;   // the first skipped one's message (FILE:LINE:COL: error: ...)
};

struct Options {
  std::string format;  // "" = detect from the first lines; else one of format_names()
  trace::BadRowAction on_bad_row = trace::BadRowAction::fail;
  // /proc/vmstat counts nr_anon_pages and nr_file_pages in pages of the recording machine.
  std::uint64_t page_bytes = 4096;
};

// A bad series: what() is "FILE:LINE:COL: error: expected ..., found '...'" (line and column
// 1-based; a problem with the file as a whole is at 1:1). The parts are kept for callers that
// re-locate the message (the config layer turns it into a config::ConfigError).
class SeriesError : public std::runtime_error {
 public:
  SeriesError(const std::string& file, std::uint64_t line, std::uint64_t column, const std::string& message);
  const std::string& file() const { return file_; }
  std::uint64_t line() const { return line_; }
  std::uint64_t column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_, message_;
  std::uint64_t line_, column_;
};

// Reads the whole series. Throws SeriesError on an unreadable file, an unknown or undetectable
// format, an empty file or one without samples, binary data, an over-long line, and (under
// BadRowAction::fail, the default) on the first bad row or snapshot: a non-number, a wrong unit,
// a value whose bytes overflow 64 bits, a missing required field, or a time not after the
// previous sample's.
Series read_memory_series(const std::string& path, const Options& options);
// The same from text in memory (tests); `name` stands for the file in messages.
Series parse_memory_series(std::string_view text, const std::string& name, const Options& options);

// csv, proc-status, cgroup-v1, cgroup-v2, vmstat
std::vector<std::string> format_names();

}  // namespace headroom::memtrace
