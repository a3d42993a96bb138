#include "models/workloads/recorded/summary.hpp"

#include "analysis/summary.hpp"
#include "models/workloads/recorded/result.hpp"

namespace headroom::models {

namespace {

// Keeping up: every sample before the horizon reached, none after the next one was due.
void decide_keeps_up(const RecordedData& d, RecordedMetrics& m) {
  if (d.start_s < 0) {
    m.keeps_up_reason = "never started";
    return;
  }
  m.keeps_up = m.samples_replayed == d.steps_in_horizon && m.late_samples == 0;
  m.keeps_up_reason = std::to_string(m.samples_replayed) + " of " + std::to_string(d.steps_in_horizon) +
                      " samples replayed, " + std::to_string(m.late_samples) + " late (max lag " +
                      analysis::format_g(m.max_lag_s, 4) + " s)";
}

}  // namespace

std::optional<RecordedMetrics> compute_recorded_metrics(const analysis::WorkloadResult& w, double horizon_s) {
  const auto* d = dynamic_cast<const RecordedData*>(w.data.get());
  if (!d) return std::nullopt;
  RecordedMetrics m;
  m.series = d->series;
  m.format = d->format;
  m.access = d->access;
  m.series_samples = d->series_samples;
  m.skipped_rows = d->skipped_rows;
  m.samples_in_horizon = d->steps_in_horizon;
  m.samples_replayed = d->samples_replayed;
  m.hold_steps = d->hold_steps;
  m.late_samples = d->late_samples;
  m.max_lag_s = d->max_lag_s;
  m.memory_stall_s = analysis::union_length_s(w.memory_stall, horizon_s);
  m.peak_anon_bytes = d->peak_anon_bytes;
  m.peak_file_bytes = d->peak_file_bytes;
  m.peak_resident_bytes = d->peak_resident_bytes;
  decide_keeps_up(*d, m);
  return m;
}

nlohmann::ordered_json metrics_json(const RecordedMetrics& m) {
  nlohmann::ordered_json j;
  j["series"] = m.series;
  j["format"] = m.format;
  j["access"] = m.access;
  j["series_samples"] = m.series_samples;
  j["skipped_rows"] = m.skipped_rows;
  j["samples_in_horizon"] = m.samples_in_horizon;
  j["samples_replayed"] = m.samples_replayed;
  j["hold_steps"] = m.hold_steps;
  j["late_samples"] = m.late_samples;
  j["max_lag_s"] = m.max_lag_s;
  j["memory_stall_s"] = m.memory_stall_s;
  j["peak_anon_bytes"] = m.peak_anon_bytes;
  j["peak_file_bytes"] = m.peak_file_bytes;
  j["peak_resident_bytes"] = m.peak_resident_bytes;
  j["keeps_up"] = m.keeps_up;
  j["keeps_up_reason"] = m.keeps_up_reason;
  return j;
}

}  // namespace headroom::models

namespace headroom::workloads::recorded {

// The registry's summary: metrics, Markdown rows and the service part (one unit of work = one
// sample reached; arrived = the samples due before the horizon).
analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  analysis::KindSummary k;
  k.info = nlohmann::ordered_json::object();
  const auto m = models::compute_recorded_metrics(w, horizon_s);
  if (!m) {
    k.metrics = nullptr;
    return k;
  }
  k.metrics = models::metrics_json(*m);
  k.units = {{"series_samples", "samples"},     {"skipped_rows", "rows"},        {"samples_in_horizon", "samples"},
             {"samples_replayed", "samples"},   {"hold_steps", "steps"},         {"late_samples", "samples"},
             {"max_lag_s", "s"},                {"memory_stall_s", "s"},         {"peak_anon_bytes", "bytes"},
             {"peak_file_bytes", "bytes"},      {"peak_resident_bytes", "bytes"}};
  using analysis::format_g;
  using analysis::format_u64;
  k.rows = {{"samples replayed (" + m->format + ")", format_u64(m->samples_replayed) + " of " + format_u64(m->samples_in_horizon)},
            {"late samples / max lag (s)", format_u64(m->late_samples) + " / " + format_g(m->max_lag_s, 4)},
            {"peak anon / file (bytes)", format_u64(m->peak_anon_bytes) + " / " + format_u64(m->peak_file_bytes)},
            {"memory stall (s)", format_g(m->memory_stall_s, 4)}};
  analysis::ServiceSummary& s = k.service;
  s.unit = "sample";
  s.arrived = m->samples_in_horizon;
  s.completed = m->samples_replayed;
  s.backlog = s.arrived - s.completed;
  s.keeps_up = m->keeps_up;
  s.reason = m->keeps_up_reason;
  return k;
}

}  // namespace headroom::workloads::recorded
