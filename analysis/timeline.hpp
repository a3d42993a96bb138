// analysis/timeline: what `run --timeline FILE.json` draws, and the Chrome trace-event JSON it is
// written as (the format ui.perfetto.dev and chrome://tracing open).
//
// The engine's recorder (sim/engine/timeline.hpp) fills a Timeline while the host is simulated:
// complete slices per workload (prefill and decode steps with their batch, training steps) and, at
// the end, every request record of the kinds that serve requests. The counters are not recorded
// here: they are the host's time series (HostResult::timeseries), so the trace shows the same
// figures as `--timeseries-interval`. render_chrome_trace() turns the three into one JSON document:
//   - process 1 = the host (process_name metadata), thread k + 1 = workload k (thread_name, one
//     track per workload, in scenario order);
//   - counter tracks (ph "C", on the process): memory by kind (anon, page cache, unevictable/wired,
//     swap, free), each workload's RSS, cumulative major faults, cumulative pages swapped in / out,
//     cumulative PSI some / full stall (s);
//   - complete slices (ph "X") on the workload's thread, with their args;
//   - one async slice (ph "b"/"e", cat "request", a unique id) per request from its arrival to its
//     finish; a failed request ends when it failed (at its arrival when refused, at the workload's
//     end when killed) with args failed and failure; one still running at the horizon ends there
//     with unfinished: true.
// Times are simulated microseconds (ts, dur), displayTimeUnit "ms". Every event is written through
// nlohmann::json, one at a time (a long run holds up to max_events), in a fixed order, so the same
// run gives the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::analysis {

// One complete slice on a workload's track. Names and arg keys are string literals of the engine
// side, copied into Timeline::names once (name, arg keys: indices there).
struct TimelineSlice {
  double begin_s = 0, end_s = 0;
  std::uint32_t workload = 0;  // index in HostResult::workloads
  std::uint32_t name = 0;      // index in Timeline::names
  // Up to two numeric args (key index in names, value); key kNoArg: unused.
  static constexpr std::uint32_t kNoArg = ~std::uint32_t{0};
  std::uint32_t arg_keys[2] = {kNoArg, kNoArg};
  double arg_values[2] = {0, 0};
};

struct TimelineRequests {
  std::uint32_t workload = 0;
  std::vector<RequestRecord> requests;  // the kind's records at the horizon, in arrival order
};

struct Timeline {
  std::size_t max_events = 0;  // every event of the file counts, metadata included
  std::vector<std::string> names;
  std::vector<TimelineSlice> slices;  // per workload in time order; workloads interleaved as they ran
  std::vector<TimelineRequests> requests;
  // Slices not kept because max_events was reached (the recorder stops keeping them, the writer
  // drops what does not fit and says so in the file's metadata).
  std::size_t dropped_slices = 0;
  double first_dropped_s = -1;  // simulated time of the first slice not kept; < 0: none
};

struct ChromeTrace {
  std::string json;
  std::size_t events = 0;   // in traceEvents
  std::size_t dropped = 0;  // events not written because of max_events (slices and requests)
};

// The whole file for one simulated host (its timeseries gives the counters; may be empty).
ChromeTrace render_chrome_trace(const ScenarioResult& scenario, const HostResult& host, const Timeline& timeline);

}  // namespace headroom::analysis
