#include "models/workloads/process/summary.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/summary.hpp"
#include "models/workloads/process/result.hpp"

namespace headroom::models {

namespace {

// Achieving 99% of the asked rate counts as keeping up: the last step's period may be cut by the
// horizon, and a rate times a horizon is rarely a whole number of steps.
constexpr double kKeepsUpFraction = 0.99;

std::string rate_text(double per_s) { return analysis::format_fixed(per_s, 3) + "/s"; }

void decide_keeps_up(const ProcessData& d, double horizon_s, ProcessMetrics& m) {
  if (d.start_s < 0) {
    m.keeps_up_reason = "never started";
    return;
  }
  const bool fast_enough = m.steps_per_s_achieved >= kKeepsUpFraction * m.steps_per_s_asked;
  m.keeps_up = fast_enough;
  m.keeps_up_reason = "achieved " + rate_text(m.steps_per_s_achieved) +
                      " of " + rate_text(m.steps_per_s_asked) + " asked";
  if (d.work_steps > 0 && !d.finished) {
    // Work that could not be done by the horizon even at the asked rate is not a failure to keep up.
    const double possible_s = horizon_s - d.start_s;
    if (static_cast<double>(d.work_steps) / m.steps_per_s_asked <= possible_s) m.keeps_up = false;
    m.keeps_up_reason += "; " + std::to_string(d.steps_done) + " of " + std::to_string(d.work_steps) +
                         " steps of work done by the horizon";
  }
}

}  // namespace

std::optional<ProcessMetrics> compute_process_metrics(const analysis::WorkloadResult& w, double horizon_s) {
  const auto* d = dynamic_cast<const ProcessData*>(w.data.get());
  if (!d) return std::nullopt;
  ProcessMetrics m;
  m.pattern = d->pattern;
  m.touches = d->sampled ? "sampled: " + std::to_string(d->step_bytes) +
                               " bytes of pages per step drawn from a generator seeded with scenario seed + workload index"
                         : "deterministic: every step touches its range";
  m.steps_done = d->steps_done;
  m.steps_per_s_asked = d->asked_steps_per_s;
  const double end_s = d->finished ? d->finish_s : horizon_s;
  if (d->start_s >= 0 && end_s > d->start_s)
    m.steps_per_s_achieved = static_cast<double>(d->steps_done) / (end_s - d->start_s);
  if (d->steps_done >= 2 && d->last_step_end_s > d->first_step_end_s)
    m.warm_step_s = (d->last_step_end_s - d->first_step_end_s) / static_cast<double>(d->steps_done - 1);
  m.memory_stall_s = analysis::union_length_s(w.memory_stall, horizon_s);
  m.work_steps = d->work_steps;
  if (d->work_steps > 0) m.progress = static_cast<double>(d->steps_done) / static_cast<double>(d->work_steps);
  if (d->finished) m.time_to_finish_s = d->finish_s - d->start_s;
  m.peak_anon_bytes = d->peak_anon_bytes;
  m.peak_file_bytes = d->peak_file_bytes;
  m.peak_resident_bytes = d->peak_resident_bytes;
  m.shrunk_bytes = d->shrunk_bytes;
  decide_keeps_up(*d, horizon_s, m);
  return m;
}

nlohmann::ordered_json process_metrics(const analysis::WorkloadResult& w, double horizon_s) {
  const auto m = compute_process_metrics(w, horizon_s);
  return m ? metrics_json(*m) : nullptr;
}

nlohmann::ordered_json metrics_json(const ProcessMetrics& metrics) {
  const ProcessMetrics* m = &metrics;
  auto optional = [](const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nullptr; };
  nlohmann::ordered_json j;
  j["pattern"] = m->pattern;
  j["touches"] = m->touches;
  j["steps_done"] = m->steps_done;
  j["steps_per_s_asked"] = m->steps_per_s_asked;
  j["steps_per_s_achieved"] = m->steps_per_s_achieved;
  j["warm_step_s"] = optional(m->warm_step_s);
  j["memory_stall_s"] = m->memory_stall_s;
  j["work_steps"] = m->work_steps;
  j["progress"] = optional(m->progress);
  j["time_to_finish_s"] = optional(m->time_to_finish_s);
  j["peak_anon_bytes"] = m->peak_anon_bytes;
  j["peak_file_bytes"] = m->peak_file_bytes;
  j["peak_resident_bytes"] = m->peak_resident_bytes;
  j["shrunk_bytes"] = m->shrunk_bytes;
  j["keeps_up"] = m->keeps_up;
  j["keeps_up_reason"] = m->keeps_up_reason;
  return j;
}

}  // namespace headroom::models

namespace headroom::workloads::process {

// The registry's summary of a process: its metrics, Markdown rows, and the common service part
// (one unit of work = one step; arrived = the steps its asked rate offered while it ran, so a
// process whose memory stalls stretch its steps shows a backlog of late steps).
analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  analysis::KindSummary k;
  k.info = nlohmann::ordered_json::object();
  const auto m = models::compute_process_metrics(w, horizon_s);
  if (!m) {
    k.metrics = nullptr;  // not a process's result (or its records crossed the transport)
    return k;
  }
  k.metrics = models::metrics_json(*m);
  k.units = {{"steps_done", "steps"},        {"steps_per_s_asked", "steps/s"}, {"steps_per_s_achieved", "steps/s"},
             {"warm_step_s", "s"},           {"memory_stall_s", "s"},          {"work_steps", "steps"},
             {"time_to_finish_s", "s"},      {"peak_anon_bytes", "bytes"},     {"peak_file_bytes", "bytes"},
             {"peak_resident_bytes", "bytes"}, {"shrunk_bytes", "bytes"}};
  using analysis::format_g;
  using analysis::format_u64;
  k.rows = {{"steps done (" + m->pattern + ")", format_u64(m->steps_done)},
            {"steps/s achieved / asked", format_g(m->steps_per_s_achieved, 4) + " / " + format_g(m->steps_per_s_asked, 4)},
            {"time to finish (s)", m->time_to_finish_s ? format_g(*m->time_to_finish_s, 4) : "-"},
            {"memory stall (s)", format_g(m->memory_stall_s, 4)}};
  analysis::ServiceSummary& s = k.service;
  s.unit = "step";
  const auto* d = dynamic_cast<const models::ProcessData*>(w.data.get());
  const double end_s = d->finished ? d->finish_s : horizon_s;
  const double offered = d->start_s >= 0 && end_s > d->start_s ? (end_s - d->start_s) * m->steps_per_s_asked : 0;
  s.arrived = static_cast<std::uint64_t>(std::floor(offered));
  if (d->work_steps > 0) s.arrived = std::min<std::uint64_t>(s.arrived, d->work_steps);
  s.arrived = std::max(s.arrived, m->steps_done);
  s.completed = m->steps_done;
  s.backlog = s.arrived - s.completed;
  s.progress = m->progress;
  s.keeps_up = m->keeps_up;
  s.reason = m->keeps_up_reason;
  return k;
}

}  // namespace headroom::workloads::process
