// kind: rl: its metrics from the common WorkloadResult and its RlData (front end, compiled into
// hr_analysis): env steps/s, updates/s, buffer fill, the sampled transitions' hit fraction and the
// memory stall.
#include <algorithm>
#include <cmath>

#include "analysis/summary.hpp"
#include "models/workloads/rl/result.hpp"

namespace headroom::workloads::rl {

namespace {

double ratio(std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : double(a) / double(b); }

}  // namespace

// One unit of work = one env step; arrived = the work asked (or the steps done, open-ended: an RL
// run has no arrival rate, it runs as fast as it can).
analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  analysis::KindSummary k;
  k.info = nlohmann::ordered_json::object();
  const auto* d = dynamic_cast<const models::RlData*>(w.data.get());
  if (!d) {
    k.metrics = nullptr;
    return k;
  }
  k.info["policy_device"] = d->device;
  k.info["replay_bytes"] = d->replay_bytes;
  k.info["envs_bytes"] = d->envs_bytes;
  k.info["policy_bytes"] = d->policy_bytes;
  const double end_s = d->finished ? d->finish_s : horizon_s;
  const double elapsed_s = d->start_s >= 0 && end_s > d->start_s ? end_s - d->start_s : 0;
  auto per_s = [&](std::uint64_t n) { return elapsed_s > 0 ? double(n) / elapsed_s : 0.0; };
  nlohmann::ordered_json& m = k.metrics;
  m["env_steps"] = d->env_steps;
  m["env_steps_per_s"] = per_s(d->env_steps);
  m["updates"] = d->updates;
  m["updates_per_s"] = per_s(d->updates);
  // Over the learning phase only (from the first update): the rate a run after its warm-up sees.
  const double learn_s = d->learn_start_s >= 0 && end_s > d->learn_start_s ? end_s - d->learn_start_s : 0;
  m["learning_updates_per_s"] = learn_s > 0 ? nlohmann::ordered_json(double(d->updates) / learn_s) : nullptr;
  m["buffer_fill"] = d->fill;
  m["buffer_fill_fraction"] = ratio(d->fill, d->capacity);
  m["buffer_fill_bytes"] = d->fill * d->transition_bytes;
  m["sample_hit_fraction"] = d->sampled_bytes > 0 ? nlohmann::ordered_json(ratio(d->sampled_hit_bytes, d->sampled_bytes)) : nullptr;
  const double stall_s = analysis::union_length_s(w.memory_stall, horizon_s);
  m["memory_stall_s"] = stall_s;
  m["time_to_finish_s"] = d->finished ? nlohmann::ordered_json(d->finish_s - d->start_s) : nullptr;
  m["peak_resident_bytes"] = d->peak_resident_bytes;
  k.units = {{"replay_bytes", "bytes"},  {"envs_bytes", "bytes"},     {"policy_bytes", "bytes"},
             {"env_steps", "steps"},          {"env_steps_per_s", "steps/s"},   {"updates", "updates"},
             {"updates_per_s", "updates/s"}, {"learning_updates_per_s", "updates/s"},  {"buffer_fill", "transitions"},   {"buffer_fill_bytes", "bytes"},
             {"memory_stall_s", "s"},         {"time_to_finish_s", "s"},        {"peak_resident_bytes", "bytes"}};
  using analysis::format_g;
  using analysis::format_u64;
  k.rows = {{"env steps/s, updates/s", format_g(per_s(d->env_steps), 4) + ", " + format_g(per_s(d->updates), 4)},
            {"replay buffer fill", format_u64(d->fill) + " of " + format_u64(d->capacity) + " transitions"},
            {"sampled transitions resident", d->sampled_bytes > 0 ? format_g(ratio(d->sampled_hit_bytes, d->sampled_bytes), 4) : "-"},
            {"memory stall (s)", format_g(stall_s, 4)}};
  k.placement = d->device == "gpu" ? "gpu" : "";
  analysis::ServiceSummary& s = k.service;
  s.unit = "env step";
  s.arrived = d->work_steps > 0 ? d->work_steps : d->env_steps;
  s.completed = d->env_steps;
  s.backlog = s.arrived - s.completed;
  if (d->work_steps > 0) s.progress = ratio(d->env_steps, d->work_steps);
  s.keeps_up = d->start_s >= 0 && (d->work_steps == 0 || d->finished);
  s.reason = d->start_s < 0 ? "never started"
             : d->work_steps == 0 ? format_u64(d->env_steps) + " env steps by the horizon (open-ended)"
                                  : format_u64(d->env_steps) + " of " + format_u64(d->work_steps) + " env steps done";
  return k;
}

}  // namespace headroom::workloads::rl
