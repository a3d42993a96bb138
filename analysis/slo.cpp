#include "analysis/slo.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"

namespace headroom::analysis {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A request's value for `metric`, or nullopt when it is undecided (unfinished, its lower bound
// still within `limit_s`) or has none (a completed request with < 2 tokens has no TPOT).
std::optional<double> request_value(const RequestRecord& r, SloMetric metric, double limit_s, double horizon_s) {
  if (r.failed) return kInf;
  const bool completed = r.finish_s >= 0;
  // Unfinished: the metric is at least `bound`; past the limit it has surely missed.
  const auto unfinished = [&](double bound) -> std::optional<double> {
    return bound > limit_s ? std::optional<double>(kInf) : std::nullopt;
  };
  switch (metric) {
    case SloMetric::ttft:
      if (r.first_token_s >= 0) return r.first_token_s - r.arrival_s;
      return completed ? std::nullopt : unfinished(horizon_s - r.arrival_s);
    case SloMetric::queue_wait:
      if (r.admitted_s >= 0) return r.admitted_s - r.arrival_s;
      return completed ? std::nullopt : unfinished(horizon_s - r.arrival_s);
    case SloMetric::e2e:
      if (completed) return r.finish_s - r.arrival_s;
      return unfinished(horizon_s - r.arrival_s);
    case SloMetric::tpot:
      if (completed) {
        if (r.generated_tokens < 2 || r.first_token_s < 0) return std::nullopt;
        return (r.finish_s - r.first_token_s) / (r.generated_tokens - 1);
      }
      // It will finish after the horizon, having produced all its requested tokens.
      if (r.first_token_s < 0 || r.output_tokens < 2) return std::nullopt;
      return unfinished((horizon_s - r.first_token_s) / (r.output_tokens - 1));
  }
  return std::nullopt;
}

std::optional<double> statistic(std::vector<double> values, SloStat stat) {
  if (values.empty()) return std::nullopt;
  switch (stat) {
    case SloStat::p50: return percentile_nearest_rank(std::move(values), 50);
    case SloStat::p90: return percentile_nearest_rank(std::move(values), 90);
    case SloStat::p99: return percentile_nearest_rank(std::move(values), 99);
    case SloStat::mean: return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  }
  return std::nullopt;
}

SloTargetResult deadline_result(const WorkloadResult& w, double deadline_s) {
  SloTargetResult t;
  t.key = "deadline";
  t.limit_s = deadline_s;
  if (w.status == WorkloadStatus::finished && w.end_s >= 0) t.value_s = w.end_s;
  t.met = t.value_s && *t.value_s <= deadline_s;
  return t;
}

std::string seconds_text(double s) { return format_readable(s) + " s"; }

}  // namespace

SloTargetResult evaluate_request_target(const SloTarget& target, const std::vector<RequestRecord>& requests,
                                        double horizon_s) {
  SloTargetResult t;
  t.key = target.key();
  t.limit_s = target.limit_s;
  std::vector<double> values;
  for (const RequestRecord& r : requests) {
    if (r.arrival_s > horizon_s) continue;
    ++t.arrived;
    const std::optional<double> v = request_value(r, target.metric, target.limit_s, horizon_s);
    if (!v) continue;
    values.push_back(*v);
    if (*v <= target.limit_s) ++t.met_requests;
  }
  t.decided = values.size();
  if (t.decided > 0) t.attainment = static_cast<double>(t.met_requests) / static_cast<double>(t.decided);
  t.value_s = statistic(std::move(values), target.stat);
  t.met = t.value_s ? *t.value_s <= target.limit_s : t.arrived == 0;
  return t;
}

std::optional<SloResult> evaluate_slo(const WorkloadResult& workload, double horizon_s) {
  if (workload.slo.empty()) return std::nullopt;
  SloResult out;
  if (!workload.slo.targets.empty()) {
    const std::vector<RequestRecord> requests = workload.data ? workload.data->request_records()
                                                              : std::vector<RequestRecord>{};
    for (const SloTarget& target : workload.slo.targets)
      out.targets.push_back(evaluate_request_target(target, requests, horizon_s));
  }
  if (workload.slo.deadline_s) out.targets.push_back(deadline_result(workload, *workload.slo.deadline_s));
  for (const SloTargetResult& t : out.targets) out.met = out.met && t.met;
  return out;
}

const char* slo_word(bool met) { return met ? "met" : "missed"; }

std::string slo_missed_text(const SloResult& slo) {
  std::string out;
  for (const SloTargetResult& t : slo.targets) {
    if (t.met) continue;
    std::string text = t.key + " ";
    if (t.key == "deadline")
      text += t.value_s ? "finished at " + seconds_text(*t.value_s) + " > " + seconds_text(t.limit_s)
                        : "not finished (limit " + seconds_text(t.limit_s) + ")";
    else if (!t.value_s)
      text += "no request could be judged (limit " + seconds_text(t.limit_s) + ")";
    else
      text += seconds_text(*t.value_s) + " > " + seconds_text(t.limit_s) + " (attainment " +
              format_readable(100.0 * t.attainment.value_or(0), 3) + "% of " + format_u64(t.decided) + " requests)";
    out += (out.empty() ? "" : "; ") + text;
  }
  return out;
}

std::vector<MetricRow> slo_rows(const SloResult& slo) {
  std::vector<MetricRow> rows;
  for (const SloTargetResult& t : slo.targets) {
    std::string value = std::string(slo_word(t.met)) + ": " + (t.value_s ? seconds_text(*t.value_s) : "n/a");
    if (t.attainment)
      value += ", " + format_readable(100.0 * *t.attainment, 3) + "% of " + format_u64(t.decided) + " requests";
    rows.push_back({"SLO " + t.key + " <= " + seconds_text(t.limit_s), value});
  }
  return rows;
}

}  // namespace headroom::analysis
