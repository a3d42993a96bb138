// sim/engine/timeseries: `run --timeseries-interval DUR`: the host's memory sampled every DUR of
// simulated time (analysis::TimeSample), the figures `headroom capture` records on a real machine.
// The sample at k x interval (k = 0, 1, ... while before the horizon) is the memory manager's
// counters and each workload's RSS after every event at or before that time, read when SimGrid's
// clock first advances past it (its time-advance signal: no actor, no event of its own, so the run
// and its report are exactly the same with or without the series); after the run, a last sample
// at the horizon is added and every sample gets its cumulative PSI from the workloads' busy and stall intervals
// (analysis::memory_pressure clipped at the sample's time, all samples in one sweep:
// memory_pressure_over_time), which are complete only then.
#pragma once

#include <deque>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::engine {

class HostMemory;
struct Platform;
struct WorkloadContext;

class TimeSeriesSampler {
 public:
  TimeSeriesSampler(double interval_s, double horizon_s, const HostMemory& memory,
                    const std::deque<WorkloadContext>& contexts)
      : interval_s_(interval_s), horizon_s_(horizon_s), memory_(memory), contexts_(contexts) {}

  // Connects to the clock's time-advance signal (call before the engine runs).
  void start(const Platform& platform);
  // The samples, with the horizon's and the PSI figures; call after the run, with its workloads'
  // intervals closed at the horizon.
  std::vector<analysis::TimeSample> finish(const std::vector<analysis::WorkloadResult>& workloads);

  // The host's figures now, at `time_s` (PSI left at 0: finish() fills it).
  analysis::TimeSample sample(double time_s) const;

 private:
  // Takes every sample due before `before_s` (and before the horizon) not taken yet.
  void catch_up(double before_s);

  double interval_s_, horizon_s_;
  std::uint64_t next_k_ = 0;
  const HostMemory& memory_;
  const std::deque<WorkloadContext>& contexts_;
  std::vector<analysis::TimeSample> samples_;
};

}  // namespace headroom::engine
