#include "sim/engine/simulate.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include <simgrid/s4u.hpp>

#include "sim/config/error.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/timeline.hpp"
#include "sim/engine/timeseries.hpp"
#include "sim/engine/workload_registry.hpp"
#include "sim/workload_kind.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::engine {

namespace {

analysis::HostResult host_header(const config::Scenario& scenario, const config::HostSpec& host) {
  analysis::HostResult r;
  r.name = host.name;
  r.description = host.description;
  r.ram_bytes = host.ram_bytes;
  r.page_bytes = host.page_bytes;
  r.mem_bw_effective_Bps = host.mem_bw_effective_Bps;
  r.horizon_s = scenario.duration_s;
  r.policy = scenario.memory.policy;
  return r;
}

// Intervals still open when the horizon stopped the run (end < begin) end at the horizon.
void close_open_intervals(std::vector<analysis::Interval>& intervals, double horizon_s) {
  for (auto& i : intervals)
    if (i.end_s < i.begin_s)
      i.end_s = horizon_s;
}

}  // namespace

namespace {

// One line: an exception's text with its line breaks flattened.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return one_line(e.what());
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

}  // namespace

// Starts, stops and ends workloads (start_at, after, stop_at; sim/config/README.md):
// - a workload starts at start_at (default 0) once every workload in its `after` has ended;
//   workloads without either start before the run, as they always did;
// - at stop_at it is stopped: status stopped, its memory freed (HostMemory::stop), its actors
//   return at their next step (WorkloadContext::stopping);
// - a workload that finished (or was stopped) frees its memory and releases its dependants; one
//   that failed to start, was OOM-killed or skipped makes its dependants skipped, each naming the
//   predecessor;
// - not started by the horizon: not-started.
class Lifecycle {
 public:
  Lifecycle(const config::Scenario& scenario, Platform& platform, HostMemory& memory,
            std::deque<WorkloadContext>& contexts)
      : scenario_(scenario), platform_(platform), memory_(memory), contexts_(contexts), states_(contexts.size()) {
    for (std::size_t i = 0; i < contexts_.size(); ++i)
      for (const std::string& name : contexts_[i].spec.after) states_[i].waiting_for.push_back(index_of(name));
  }

  // Before the run: starts or schedules every workload in the scenario's start order.
  void begin() {
    for (std::size_t i : order()) {
      const config::WorkloadSpec& spec = contexts_[i].spec;
      if (spec.stop_at_s) schedule_stop(i, *spec.stop_at_s);
      if (spec.after.empty()) launch(i);
    }
  }

  void finished(WorkloadContext& ctx) {
    State& st = states_[ctx.index];
    if (st.ended) return;
    ctx.result.status = analysis::WorkloadStatus::finished;
    ctx.result.end_s = simgrid::s4u::Engine::get_clock();
    end(ctx);
  }

  void failed(WorkloadContext& ctx, analysis::WorkloadStatus status, analysis::Cause cause, std::string detail) {
    State& st = states_[ctx.index];
    ctx.result.status = status;
    ctx.result.cause = cause;
    ctx.result.status_detail = std::move(detail);
    if (st.ended) return;
    ctx.result.end_s = simgrid::s4u::Engine::get_clock();
    st.ended = true;
    skip_dependants(ctx.index);
  }

  bool stopping(const WorkloadContext& ctx) const { return states_[ctx.index].stopping; }

 private:
  struct State {
    std::vector<std::size_t> waiting_for;  // predecessors not ended yet
    bool launched = false, ended = false, stopping = false;
  };

  std::vector<std::size_t> order() const {
    if (!scenario_.start_order.empty()) return scenario_.start_order;
    std::vector<std::size_t> all(contexts_.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  std::size_t index_of(const std::string& name) const {
    for (std::size_t i = 0; i < contexts_.size(); ++i)
      if (contexts_[i].spec.name == name) return i;
    throw std::logic_error("after: no workload named '" + name + "' (the config layer checks names)");
  }

  // Starts workload i at max(now, start_at): now, or from an actor sleeping until then.
  void launch(std::size_t i) {
    State& st = states_[i];
    if (st.launched || st.stopping) return;
    st.launched = true;
    const double start_at_s = contexts_[i].spec.start_at_s.value_or(0.0);
    const double now_s = simgrid::s4u::Engine::get_clock();
    if (start_at_s <= now_s) {
      start(i);
      return;
    }
    create_actor(platform_, contexts_[i].spec.name + ":start", platform_.cpu, [this, i, start_at_s] {
      simgrid::s4u::this_actor::sleep_until(start_at_s);
      if (!states_[i].stopping) start(i);
    });
  }

  void start(std::size_t i) {
    WorkloadContext& ctx = contexts_[i];
    const WorkloadKind* kind = WorkloadKinds::instance().find(ctx.spec.kind);
    if (!kind || !kind->start)
      throw std::logic_error("no workload kind named '" + ctx.spec.kind + "' is registered in the engine");
    ctx.result.status = analysis::WorkloadStatus::running;
    ctx.result.start_s = simgrid::s4u::Engine::get_clock();
    kind->start(ctx);
  }

  void schedule_stop(std::size_t i, double stop_at_s) {
    create_actor(platform_, contexts_[i].spec.name + ":stop", platform_.cpu, [this, i, stop_at_s] {
      simgrid::s4u::this_actor::sleep_until(stop_at_s);
      WorkloadContext& ctx = contexts_[i];
      State& st = states_[i];
      st.stopping = true;
      if (st.ended || ctx.result.status != analysis::WorkloadStatus::running) return;
      ctx.result.status = analysis::WorkloadStatus::stopped;
      ctx.result.end_s = simgrid::s4u::Engine::get_clock();
      end(ctx);
    });
  }

  // Ended normally (finished or stopped): frees its memory, releases its dependants.
  void end(WorkloadContext& ctx) {
    State& st = states_[ctx.index];
    st.ended = true;
    for (mm::OwnerId owner : ctx.owners) memory_.stop(owner);
    for (std::size_t d = 0; d < states_.size(); ++d) {
      auto& waiting = states_[d].waiting_for;
      const auto found = std::find(waiting.begin(), waiting.end(), ctx.index);
      if (found == waiting.end()) continue;
      waiting.erase(found);
      if (waiting.empty() && !states_[d].ended) launch(d);
    }
  }

  void skip_dependants(std::size_t failed) {
    const WorkloadContext& pred = contexts_[failed];
    for (std::size_t d = 0; d < states_.size(); ++d) {
      if (states_[d].ended || states_[d].launched) continue;
      const auto& after = contexts_[d].spec.after;
      if (std::find(after.begin(), after.end(), pred.spec.name) == after.end()) continue;
      WorkloadContext& dep = contexts_[d];
      states_[d].ended = true;
      dep.result.status = analysis::WorkloadStatus::skipped;
      dep.result.cause = analysis::Cause::predecessor_failed;
      dep.result.status_detail = "predecessor '" + pred.spec.name + "' " + to_string(pred.result.status);
      skip_dependants(d);
    }
  }

  const config::Scenario& scenario_;
  Platform& platform_;
  HostMemory& memory_;
  std::deque<WorkloadContext>& contexts_;
  std::vector<State> states_;
};

mm::OwnerId WorkloadContext::add_process(std::function<void()> on_killed) {
  // After the kind's own reaction, the workload is oom-killed (its dependants skipped).
  auto killed = [this, on_killed = std::move(on_killed)] {
    const std::optional<mm::GroupId> group_oom = memory.killing_group();
    if (on_killed) on_killed();
    idle();
    if (result.status == analysis::WorkloadStatus::oom_killed) return;
    const std::string at = std::to_string(simgrid::s4u::Engine::get_clock()) + " s";
    if (group_oom)
      failed(analysis::WorkloadStatus::oom_killed, analysis::Cause::group_oom_kill,
             "killed by the OOM killer of group '" + memory.manager().group_name(*group_oom) +
                 "' (memory.max reached) at " + at);
    else
      failed(analysis::WorkloadStatus::oom_killed, analysis::Cause::oom_kill, "killed by the OOM killer at " + at);
  };
  const mm::OwnerId owner = memory.add_process(spec.name, spec.oom_score_adj, group, std::move(killed));
  owners.push_back(owner);
  return owner;
}

void WorkloadContext::finished() {
  if (lifecycle) {
    lifecycle->finished(*this);
    return;
  }
  result.status = analysis::WorkloadStatus::finished;
  result.end_s = simgrid::s4u::Engine::get_clock();
  for (mm::OwnerId owner : owners) memory.stop(owner);
}

void WorkloadContext::failed(analysis::WorkloadStatus status, analysis::Cause cause, std::string detail) {
  if (lifecycle) {
    lifecycle->failed(*this, status, cause, std::move(detail));
    return;
  }
  result.status = status;
  result.cause = cause;
  result.status_detail = std::move(detail);
  result.end_s = simgrid::s4u::Engine::get_clock();
}

mm::FileId WorkloadContext::file(const std::string& name, std::uint64_t bytes) {
  if (group == mm::kRootGroup || !memory.manager().group_limits(group).private_page_cache)
    return memory.file(name, bytes);
  // NUL-separated: only a scenario naming a file "\0<vm>\0<name>" on purpose meets the guest's copy.
  return memory.file(std::string(1, '\0') + memory.manager().group_name(group) + std::string(1, '\0') + name, bytes);
}

bool WorkloadContext::stopping() const { return lifecycle && lifecycle->stopping(*this); }

void WorkloadContext::busy() {
  if (busy_open) return;
  result.busy.push_back({simgrid::s4u::Engine::get_clock(), -1});  // closed when idle (or at the horizon)
  busy_open = true;
}

void WorkloadContext::idle() {
  if (!busy_open) return;
  result.busy.back().end_s = simgrid::s4u::Engine::get_clock();
  busy_open = false;
}

void WorkloadContext::sample_memory() {
  analysis::PeakMemory now;
  for (mm::OwnerId owner : owners) {
    const mm::OwnerMemory m = memory.manager().owner_memory(owner);
    now.anon_bytes += m.anon_bytes;
    now.file_mapped_bytes += m.file_mapped_bytes;
    now.wired_bytes += m.wired_bytes;
    now.swap_bytes += m.swap_bytes;
  }
  analysis::PeakMemory& peak = result.peak;
  peak.anon_bytes = std::max(peak.anon_bytes, now.anon_bytes);
  peak.file_mapped_bytes = std::max(peak.file_mapped_bytes, now.file_mapped_bytes);
  peak.wired_bytes = std::max(peak.wired_bytes, now.wired_bytes);
  peak.swap_bytes = std::max(peak.swap_bytes, now.swap_bytes);
}

namespace {

mm::GroupLimits group_limits(const config::GroupSpec& g) {
  mm::GroupLimits limits;
  limits.max_bytes = g.max_bytes;
  limits.high_bytes = g.high_bytes;
  limits.swap_max_bytes = g.swap_max_bytes;
  limits.min_bytes = g.min_bytes;
  limits.low_bytes = g.low_bytes;
  limits.private_page_cache = g.private_page_cache;
  return limits;
}

// The groups' memory.* figures as the results carry them (bytes where the manager counts pages).
std::vector<analysis::GroupResult> group_results(const HostMemory& memory) {
  const std::uint64_t page = memory.page_bytes();
  std::vector<analysis::GroupResult> out;
  using analysis::GroupResult;
  using mm::GroupStats;
  // memory.current, memory.stat and memory.swap.* in pages -> bytes; memory.events as they are.
  const std::pair<std::uint64_t GroupStats::*, std::uint64_t GroupResult::*> pages[] = {
      {&GroupStats::usage_pages, &GroupResult::usage_bytes},   {&GroupStats::peak_usage_pages, &GroupResult::peak_usage_bytes},
      {&GroupStats::file_pages, &GroupResult::file_bytes},     {&GroupStats::anon_pages, &GroupResult::anon_bytes},
      {&GroupStats::swap_pages, &GroupResult::swap_bytes},     {&GroupStats::peak_swap_pages, &GroupResult::peak_swap_bytes},
      {&GroupStats::reclaim_pages, &GroupResult::reclaim_bytes}, {&GroupStats::refault_file_pages, &GroupResult::refault_file_bytes},
      {&GroupStats::refault_anon_pages, &GroupResult::refault_anon_bytes}};
  const std::pair<std::uint64_t GroupStats::*, std::uint64_t GroupResult::*> counts[] = {
      {&GroupStats::major_faults, &GroupResult::major_faults}, {&GroupStats::read_requests, &GroupResult::read_requests},
      {&GroupStats::events_low, &GroupResult::events_low},
      {&GroupStats::events_high, &GroupResult::events_high},   {&GroupStats::events_max, &GroupResult::events_max},
      {&GroupStats::events_oom, &GroupResult::events_oom},     {&GroupStats::events_oom_kill, &GroupResult::events_oom_kill}};
  for (const HostMemory::GroupReport& g : memory.groups()) {
    const mm::GroupLimits& l = g.limits;
    GroupResult r{.name = g.name, .max_bytes = l.max_bytes, .high_bytes = l.high_bytes,
                  .swap_max_bytes = l.swap_max_bytes, .min_bytes = l.min_bytes, .low_bytes = l.low_bytes};
    for (const auto& [from, to] : pages) r.*to = g.stats.*from * page;
    for (const auto& [from, to] : counts) r.*to = g.stats.*from;
    r.high_throttle_s = g.stats.high_throttle_s;
    out.push_back(std::move(r));
  }
  return out;
}

// The progress line's clock (Scenario::clock_out_s): stored at each advance of SimGrid's clock. A
// callback on the clock's signal only reads it, so no event of the run moves.
void publish_clock(std::atomic<double>* out_s) {
  if (!out_s) return;
  out_s->store(0, std::memory_order_relaxed);
  sg4::Engine::on_time_advance_cb(
      [out_s](double) { out_s->store(sg4::Engine::get_clock(), std::memory_order_relaxed); });
}

analysis::HostResult simulate(const config::Scenario& scenario, const config::HostSpec& host) {
  // Declared first so it is destroyed last: actors stopped at the horizon still reference the rest.
  std::unique_ptr<sg4::Engine> engine = create_engine();
  Platform platform = build_platform(host);
  analysis::HostResult result = host_header(scenario, host);
  result.workloads.resize(scenario.workloads.size());
  HostMemory memory(host, scenario.memory, platform);

  std::map<std::string, mm::GroupId> groups;  // the scenario's memory cgroups, by name
  for (const config::GroupSpec& g : scenario.groups) groups[g.name] = memory.add_group(g.name, group_limits(g));
  std::deque<WorkloadContext> contexts;  // stable addresses for the actors
  auto shared = std::make_shared<SharedObjects>();  // WorkloadContext::shared, one map per host run
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    const config::WorkloadSpec& spec = *scenario.workloads[i];
    result.workloads[i].name = spec.name;
    result.workloads[i].kind = spec.kind;
    result.workloads[i].group = spec.group;
    result.workloads[i].slo = spec.slo;
    contexts.push_back({scenario, host, spec, i, platform, memory, result.workloads[i], nullptr, {}, mm::kRootGroup,
                        false, shared});
    if (!spec.group.empty()) contexts.back().group = groups.at(spec.group);
  }
  Lifecycle lifecycle(scenario, platform, memory, contexts);
  std::optional<TimelineRecorder> timeline;
  if (scenario.timeline_max_events > 0) timeline.emplace(scenario.timeline_max_events);
  for (WorkloadContext& c : contexts) {
    c.lifecycle = &lifecycle;
    if (timeline) c.timeline = &*timeline;
  }
  publish_clock(scenario.clock_out_s);
  lifecycle.begin();
  std::optional<TimeSeriesSampler> sampler;
  if (scenario.timeseries_interval_s > 0) {
    sampler.emplace(scenario.timeseries_interval_s, scenario.duration_s, memory, contexts);
    sampler->start(platform);
  }
  engine->run_until(scenario.duration_s);
  if (platform.failure->error) {
    try {
      std::rethrow_exception(platform.failure->error);
    } catch (const config::ConfigError&) {
      throw;  // bad input met by an actor stays bad input
    } catch (...) {
      throw InternalError("actor '" + platform.failure->actor + "': " + describe(platform.failure->error));
    }
  }

  for (auto& w : result.workloads) {
    close_open_intervals(w.busy, scenario.duration_s);
    close_open_intervals(w.memory_stall, scenario.duration_s);
  }
  memory.check_all();
  if (sampler) {
    result.timeseries_interval_s = scenario.timeseries_interval_s;
    result.timeseries = sampler->finish(result.workloads);
  }
  result.memory = memory.result();
  result.groups = group_results(memory);
  if (timeline) result.timeline = timeline->finish();
  if (scenario.clock_out_s) scenario.clock_out_s->store(scenario.duration_s, std::memory_order_relaxed);
  return result;
}

}  // namespace

analysis::HostResult simulate_host(const config::Scenario& scenario, const config::HostSpec& host) {
  const std::string prefix = "internal: simulation of host '" + host.name + "' failed: ";
  try {
    return simulate(scenario, host);
  } catch (const config::ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw InternalError(prefix + one_line(e.what()));
  } catch (...) {
    throw InternalError(prefix + "an exception that is not a std::exception");
  }
}

}  // namespace headroom::engine
