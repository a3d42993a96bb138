#include "sim/engine/timeseries.hpp"

#include <simgrid/s4u.hpp>

#include "analysis/summary.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace headroom::engine {

analysis::TimeSample TimeSeriesSampler::sample(double time_s) const {
  const mm::MemoryStats s = memory_.manager().stats();
  const std::uint64_t page = memory_.page_bytes();
  analysis::TimeSample t;
  t.time_s = time_s;
  t.anon_bytes = s.anon_frames * page;
  t.file_bytes = s.file_frames * page;
  t.swap_bytes = s.swap_slots_used * page;
  t.unevictable_bytes = s.unevictable_frames * page;
  t.free_bytes = s.free_frames * page;
  t.pgmajfault = s.major_faults;
  t.pswpin = s.swap_in_bytes / page;
  t.pswpout = s.swap_out_bytes / page;
  for (const WorkloadContext& ctx : contexts_) {
    std::uint64_t rss = 0;
    for (mm::OwnerId owner : ctx.owners) rss += memory_.manager().owner_rss_bytes(owner);
    t.workload_rss_bytes.push_back(rss);
  }
  return t;
}

void TimeSeriesSampler::start(const Platform&) {
  // No actor: an actor waking at each sample time would add events (time steps) to the run, and
  // SimGrid's shared-resource progress, summed over more steps, rounds differently. The memory only
  // changes at events, so when the clock advances to `now`, the state now is the state at every
  // instant since the previous event: the samples due before `now` are taken from it.
  simgrid::s4u::Engine::on_time_advance_cb([this](double) { catch_up(simgrid::s4u::Engine::get_clock()); });
}

void TimeSeriesSampler::catch_up(double before_s) {
  // k x interval, not a running sum: no drift over a long horizon.
  for (;; ++next_k_) {
    const double at_s = static_cast<double>(next_k_) * interval_s_;
    if (at_s >= before_s || at_s >= horizon_s_) return;
    samples_.push_back(sample(at_s));
  }
}

std::vector<analysis::TimeSample> TimeSeriesSampler::finish(const std::vector<analysis::WorkloadResult>& workloads) {
  catch_up(horizon_s_);  // the run may end before the horizon (nothing left to do): the same state since
  if (samples_.empty() || samples_.back().time_s < horizon_s_) samples_.push_back(sample(horizon_s_));
  // One sweep over the intervals for every sample (the samples are in time order), not one per sample.
  std::vector<double> times_s;
  times_s.reserve(samples_.size());
  for (const analysis::TimeSample& t : samples_) times_s.push_back(t.time_s);
  const std::vector<analysis::Psi> psi = analysis::memory_pressure_over_time(workloads, times_s);
  for (std::size_t k = 0; k < samples_.size(); ++k) {
    samples_[k].psi_some_s = psi[k].some_s;
    samples_[k].psi_full_s = psi[k].full_s;
  }
  return std::move(samples_);
}

}  // namespace headroom::engine
