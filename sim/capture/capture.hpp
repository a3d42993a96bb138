// sim/capture: `headroom capture` samples a process, a memory cgroup or the whole host from /proc
// and cgroup files at a fixed interval and writes the memory-series CSV that part memtrace reads
// (sim/capture/README.md):
//   # headroom capture: source=pid 1234 (...), interval=1s, started 2026-12-02T12:00:00Z, ...
//   time,rss,anon,file,swap,pgmajfault,pswpin,pswpout,psi_some_us,psi_full_us
//   0.000000,...
// Bytes and counts; a blank field where the source has no such figure.
//
// The parts:
//   parsers (pure, on file text; unit-tested on fixture strings): status, stat, vmstat, meminfo,
//     PSI, cgroup memory.stat
//   Source: what one sample reads (pid, cgroup v1/v2, system), opened once (refusals happen there)
//   run(): the sampling loop on CLOCK_MONOTONIC (sample k at start + k x interval, no drift), the
//     output file (FILE.tmp, flushed each sample; fsync + rename at the end) and the stop signals.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace headroom::capture {

// Bad input or an unreadable source: one line (what() without "error: "), exit status 2.
class CaptureError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class SourceKind { pid, cgroup, system };

struct Options {
  SourceKind kind = SourceKind::system;
  pid_t pid = 0;               // --pid
  std::string cgroup;          // --cgroup: a cgroup directory (v1 memory controller or v2)
  double interval_s = 1.0;     // --interval
  std::string interval_text = "1s";
  std::optional<double> duration_s;  // --duration; nullopt: until a signal or the source ends
  std::string out;             // --out
  std::string proc_root = "/proc";   // tests point this at a fixture tree
};

// One sample; nullopt = the source has no such figure (a blank CSV field).
struct Reading {
  std::optional<std::uint64_t> rss_bytes, anon_bytes, file_bytes, swap_bytes;
  std::optional<std::uint64_t> pgmajfault, pswpin, pswpout;   // cumulative counts (pages for pswp*)
  std::optional<std::uint64_t> psi_some_us, psi_full_us;      // cumulative stall, microseconds
};

inline constexpr const char* kCsvColumns = "time,rss,anon,file,swap,pgmajfault,pswpin,pswpout,psi_some_us,psi_full_us";

// ---- parsers (pure) ------------------------------------------------------------------------------
// "Key:   value [kB]" lines (/proc/PID/status, /proc/meminfo) -> value in bytes when the line says
// kB, else the number; nullopt when the key is absent or its number does not parse.
std::optional<std::uint64_t> status_bytes(std::string_view text, std::string_view key);
// "key value" lines (/proc/vmstat, cgroup memory.stat) -> value; nullopt when absent.
std::optional<std::uint64_t> key_value(std::string_view text, std::string_view key);
// /proc/PID/stat: field `field` (1-based as proc(5) numbers them: 12 majflt, 22 starttime),
// counted after the ')' that ends the command name (which may hold spaces and parentheses).
std::optional<std::uint64_t> stat_field(std::string_view text, int field);
// PSI file (/proc/pressure/memory, cgroup v2 memory.pressure): the `total=` of the "some" or
// "full" line, microseconds.
std::optional<std::uint64_t> psi_total_us(std::string_view text, std::string_view line);

// One CSV row: the time to the microsecond, then each figure or a blank.
std::string csv_row(double time_s, const Reading& reading);

// ---- sources -------------------------------------------------------------------------------------
// What one sample reads. open_source refuses (CaptureError) a pid that does not exist, a path that
// is not a memory cgroup directory and an unreadable file; read() returns nullopt once the process
// exited (or the cgroup was removed): the capture stops there.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::optional<Reading> read() = 0;
  // For the header line: "pid 1234 (python3)", "cgroup v2 /sys/fs/cgroup/x", "system".
  virtual std::string describe() const = 0;
  // For the header line: where each figure comes from, and which are host-wide.
  virtual std::string notes() const = 0;
  // For messages once read() returned nullopt: "process 1234 exited", "cgroup ... was removed".
  virtual std::string ended() const = 0;
};
std::unique_ptr<Source> open_source(const Options& options);

// ---- the capture ---------------------------------------------------------------------------------
struct Outcome {
  std::size_t samples = 0;
  int stop_signal = 0;        // SIGINT/SIGTERM that stopped it, else 0
  std::string source_ended;   // non-empty when the source went away: Source::ended()
};

// Runs the capture and writes options.out (atomically). Throws CaptureError for refusals (before
// any sample) and output failures.
Outcome run(const Options& options);

}  // namespace headroom::capture
