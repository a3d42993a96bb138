// analysis/against: `headroom run SCENARIO --against CAPTURE`: a recorded memory series (a
// `headroom capture` CSV, or any series sim/trace/memory reads) next to the simulated host's time
// series (HostResult::timeseries), counter by counter and time bucket by time bucket, with the error.
//
// Alignment: both start at 0 (the capture's first sample, the simulation's start). Buckets are the
// simulated samples at k x bucket_s (k = 0, 1, ... up to the shorter of the horizon and the
// capture's span); the recorded value of a bucket is the capture's last sample at or before k x
// bucket_s (within 10 ms of jitter), held until the next one, as the `recorded` kind replays it.
// Counters: levels (rss, anon, file, swap: bytes now) are compared as they are; cumulative
// counters (pgmajfault, pswpin, pswpout in pages, PSI some/full stall in seconds) as their growth
// since the first sample, since a real machine's counters start at boot and the simulation's at 0.
// The simulated figures are the host's (anon, file, swap, pgmajfault, ...) and, for rss, the sum of
// the workloads' RSS: the capture should be of the whole server (--system, or the cgroup holding
// what the scenario replays).
// Error: (simulated - recorded) / recorded, relative, when |recorded| is at least the counter's
// near-zero threshold (1 MiB, 10 faults or pages, 10 ms of stall); below it, simulated - recorded
// in the counter's unit (absolute). Overall per counter: the mean |relative error| over the
// buckets that have one (levels), or the error of the last bucket (cumulative counters: the total).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/results.hpp"

namespace headroom::analysis {

// One recorded sample (from memtrace::Sample): nullopt where the capture has no such figure.
struct RecordedSample {
  double time_s = 0;
  std::optional<double> rss_bytes, anon_bytes, file_bytes, swap_bytes;
  std::optional<double> pgmajfault, pswpin, pswpout, psi_some_s, psi_full_s;
};

struct BucketRow {
  double time_s = 0;
  std::optional<double> recorded, simulated, error;
  bool relative = true;  // error kind: relative (a fraction) or absolute (the counter's unit)
};

struct CounterComparison {
  std::string name, unit;
  bool cumulative = false;
  std::vector<BucketRow> buckets;
  std::optional<double> overall;  // see the header comment
  bool overall_relative = true;
};

struct Comparison {
  std::string scenario, host, capture;
  double bucket_s = 0;
  std::vector<CounterComparison> counters;  // only those the capture records
};

Comparison compare_with_recording(const HostResult& host, const std::vector<RecordedSample>& recorded,
                                  double bucket_s);
std::string render_comparison(const Comparison& comparison, Format format);

// The bucket width for a capture: its median sample spacing, widened so there are at most
// `max_buckets` over the compared span (min(horizon, capture span)).
double comparison_bucket_s(const std::vector<RecordedSample>& recorded, double horizon_s, std::size_t max_buckets = 20);

}  // namespace headroom::analysis
