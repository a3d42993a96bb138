// kind: dataset: its metrics from the common WorkloadResult and its DatasetData (front end,
// compiled into hr_analysis): MB/s, time to finish, epochs done, the dedup table, memory stall.
#include "analysis/summary.hpp"
#include "models/workloads/dataset/result.hpp"

namespace headroom::workloads::dataset {

// One unit of work = one epoch; a dataset job keeps up when it finished by the horizon.
analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  analysis::KindSummary k;
  k.info = nlohmann::ordered_json::object();
  const auto* d = dynamic_cast<const models::DatasetData*>(w.data.get());
  if (!d) {
    k.metrics = nullptr;
    return k;
  }
  k.info["mode"] = d->mode;
  k.info["size_bytes"] = d->size_bytes;
  k.info["epochs"] = d->epochs;
  const double end_s = d->finished ? d->finish_s : horizon_s;
  const double elapsed_s = d->start_s >= 0 && end_s > d->start_s ? end_s - d->start_s : 0;
  const double mb_per_s = elapsed_s > 0 ? double(d->processed_bytes) / elapsed_s / 1e6 : 0.0;
  const double stall_s = analysis::union_length_s(w.memory_stall, horizon_s);
  const double total = double(d->size_bytes) * double(d->epochs);
  nlohmann::ordered_json& m = k.metrics;
  m["processed_bytes"] = d->processed_bytes;
  m["mb_per_s"] = mb_per_s;
  m["epochs_done"] = d->epoch_end_s.size();
  m["progress"] = total > 0 ? double(d->processed_bytes) / total : 0.0;
  m["time_to_finish_s"] = d->finished ? nlohmann::ordered_json(d->finish_s - d->start_s) : nullptr;
  m["dedup_bytes"] = d->dedup_bytes;
  m["memory_stall_s"] = stall_s;
  m["peak_resident_bytes"] = d->peak_resident_bytes;
  k.units = {{"size_bytes", "bytes"},     {"epochs", "epochs"},          {"processed_bytes", "bytes"},
             {"mb_per_s", "MB/s"},        {"epochs_done", "epochs"},     {"time_to_finish_s", "s"},
             {"dedup_bytes", "bytes"},    {"memory_stall_s", "s"},       {"peak_resident_bytes", "bytes"}};
  using analysis::format_g;
  k.rows = {{"processed (" + d->mode + ", MB/s)", format_g(mb_per_s, 4)},
            {"time to finish (s)", d->finished ? format_g(d->finish_s - d->start_s, 4) : "-"},
            {"memory stall (s)", format_g(stall_s, 4)}};
  analysis::ServiceSummary& s = k.service;
  s.unit = "epoch";
  s.arrived = d->epochs;
  s.completed = d->epoch_end_s.size();
  s.backlog = s.arrived - s.completed;
  s.progress = total > 0 ? double(d->processed_bytes) / total : 0.0;
  s.keeps_up = d->finished;
  s.reason = d->finished ? "finished " + std::to_string(d->epochs) + " epoch(s) in " + format_g(d->finish_s - d->start_s, 4) + " s"
             : d->start_s < 0 ? "never started"
                              : "unfinished at the horizon: " + format_g(100.0 * s.progress.value_or(0), 3) + "% processed";
  return k;
}

}  // namespace headroom::workloads::dataset
