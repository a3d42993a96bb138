// kind: recorded: a real server's memory, replayed from a recorded time series (sim/trace/memory:
// the CSV `headroom capture` writes, /proc/PID/status, cgroup v1/v2 memory.stat or /proc/vmstat
// snapshots). Its anonymous memory follows the series' anon (or, without it, bytes, then rss) and
// its file memory follows file: a private file of the series' largest file size, read up to the
// recorded level (mapped when the series is a process's: /proc/PID/status or a `capture --pid` CSV,
// whose RssFile counts mapped pages; read() into the page cache otherwise, as cgroup and vmstat
// `file` count the page cache; `file_memory: mapped|cache` overrides).
//
// The access-pattern assumption (the series records sizes, not accesses): at each sample the
// workload grows or shrinks to the recorded sizes (growth is touched once: anonymous pages written,
// zero-filled; file pages read sequentially; shrinking frees the range given up) and then, with
// `access: resident` (the default), re-touches its whole footprint once, sequentially (anonymous
// part read, then the file part), at memory speed: a server whose resident set is its working set
// within one sampling interval. With `access: growth` it touches only what grew, so pages it keeps
// idle age and are reclaimed first under pressure. After the last sample it keeps the last
// footprint and the same re-touch every mean interval (`at_end: hold`, the default) or exits
// (`at_end: exit`), freeing its memory.
//
// Validated config only (no yaml-cpp, no SimGrid): parse.cpp reads and checks the series once, at
// scenario load; run.cpp replays it; summary.cpp reports it. YAML schema: sim/config/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace headroom::config {

// The footprint from `at_s` (seconds after the workload starts, time_scale applied) on.
struct RecordedStep {
  double at_s = 0;
  std::uint64_t anon_bytes = 0, file_bytes = 0;
};

enum class RecordedAccess : std::uint8_t { resident, growth };
enum class RecordedEnd : std::uint8_t { hold, exit };

struct RecordedSpec : WorkloadSpec {
  bool can_finish() const override { return at_end == config::RecordedEnd::exit; }  // slo: deadline

  std::string series;  // the path as messages show it
  std::string format;  // the series format read (detected or given)
  double time_scale = 1.0;
  RecordedAccess access = RecordedAccess::resident;
  RecordedEnd at_end = RecordedEnd::hold;
  bool file_mapped = false;         // file memory mmapped (a process series) or read() into the page cache
  std::string file_name;            // the private file's identity ("recorded:<workload name>")
  std::vector<RecordedStep> steps;  // the samples before the horizon, in time order, the first at 0 s
  std::uint64_t peak_anon_bytes = 0, peak_file_bytes = 0;
  double hold_period_s = 1.0;       // mean interval of the series (1 s for a single sample)
  std::uint64_t series_samples = 0;  // samples in the file (some may lie past the horizon)
  std::uint64_t skipped_rows = 0;    // bad rows skipped (on_bad_row: skip)
  std::string first_skipped;
};

}  // namespace headroom::config
