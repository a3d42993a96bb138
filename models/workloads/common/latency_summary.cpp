// Request figures shared by the llm-server and router summaries (see latency_summary.hpp).
#include "models/workloads/common/latency_summary.hpp"

#include "analysis/number_format.hpp"

namespace headroom::workloads {

namespace {

using Json = nlohmann::ordered_json;

Json optional_json(std::optional<double> value) { return value ? Json(*value) : Json(nullptr); }

std::string cell(std::optional<double> value) { return value ? analysis::format_g(*value, 4) : "n/a"; }

}  // namespace

void trace_row_summary(analysis::KindSummary& k, const TraceRowCounts& rows) {
  if (!rows.skips_bad_rows && rows.failed == 0 && rows.skipped == 0) return;
  k.info["trace_rows_failed"] = rows.failed;
  k.info["trace_rows_skipped"] = rows.skipped;
  k.units["trace_rows_failed"] = k.units["trace_rows_skipped"] = "rows";
  k.rows.push_back({"trace rows failed / skipped",
                    analysis::format_u64(rows.failed) + " / " + analysis::format_u64(rows.skipped)});
}

void request_count_metrics(analysis::KindSummary& k, std::uint64_t arrived, std::uint64_t completed,
                           std::uint64_t failed, std::uint64_t unfinished,
                           const std::map<std::string, std::uint64_t>& failure_reasons) {
  Json& m = k.metrics;
  m["requests_arrived"] = arrived;
  m["requests_completed"] = completed;
  m["requests_failed"] = failed;
  m["requests_unfinished"] = unfinished;
  m["failure_reasons"] = Json::object();
  for (const auto& [reason, count] : failure_reasons) {
    m["failure_reasons"][reason] = count;
    k.units["failure_reasons." + reason] = "requests";
  }
  for (const char* key : {"requests_arrived", "requests_completed", "requests_failed", "requests_unfinished"})
    k.units[key] = "requests";
}

Json distribution_json(const analysis::Distribution& d) {
  Json j = Json::object();
  j["count"] = static_cast<std::uint64_t>(d.count);
  j["mean"] = optional_json(d.mean);
  j["p50"] = optional_json(d.p50);
  j["p90"] = optional_json(d.p90);
  j["p99"] = optional_json(d.p99);
  j["max"] = optional_json(d.max);
  return j;
}

void distribution_units(analysis::KindSummary& k, const std::string& key) {
  k.units[key + ".count"] = "requests";
  for (const char* stat : {"mean", "p50", "p90", "p99", "max"}) k.units[key + "." + stat] = "s";
}

std::string p50_p99_cell(const analysis::Distribution& d) { return cell(d.p50) + " / " + cell(d.p99); }

}  // namespace headroom::workloads
