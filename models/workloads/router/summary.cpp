// router's summary (front end, hr_analysis): latency percentiles over every request it routed
// (from the original arrival, across retries), requests per replica and the load balance
// (most sent to one replica / mean), failures by cause and retries.
#include <algorithm>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"
#include "models/workloads/common/latency_summary.hpp"
#include "models/workloads/router/data.hpp"

namespace headroom::workloads::router {

namespace {

using analysis::Distribution;
using analysis::KindSummary;
using Json = nlohmann::ordered_json;

struct Figures : RequestTally {
  std::uint64_t unfinished_at_half = 0;  // in the backlog at the middle of the run window
};

// mid_s: the middle of the router's run window (its backlog then is the service rule's baseline).
Figures figures(const RouterData& data, double mid_s) {
  Figures f;
  for (const RoutedRecord& r : data.requests) {
    if (!r.dispatched) continue;
    f.add(r);
    if (r.arrival_s <= mid_s && !r.failed && !(r.finish_s >= 0 && r.finish_s <= mid_s))
      ++f.unfinished_at_half;
  }
  return f;
}

// Most requests sent to one replica over the mean per replica: 1 = even.
double balance(const RouterData& data) {
  std::uint64_t most = 0, total = 0;
  for (const ReplicaLoad& l : data.replicas) {
    most = std::max(most, l.sent);
    total += l.sent;
  }
  return total == 0 ? 1.0 : static_cast<double>(most) * static_cast<double>(data.replicas.size()) / static_cast<double>(total);
}

}  // namespace

analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  static const RouterData kNone;
  const auto* found = dynamic_cast<const RouterData*>(w.data.get());
  const RouterData& data = found ? *found : kNone;
  const Figures f = figures(data, analysis::run_window(w, horizon_s).mid_s());
  const Distribution ttft = analysis::summarize_distribution(f.ttft), tpot = analysis::summarize_distribution(f.tpot),
                     e2e = analysis::summarize_distribution(f.e2e);
  const double load_balance = balance(data);

  KindSummary k;
  k.info = Json::object();
  k.info["policy"] = data.policy;
  k.info["retry"] = data.retry;
  k.info["replicas"] = data.replicas.size();
  k.units["replicas"] = "workloads";
  Json& m = k.metrics = Json::object();
  request_count_metrics(k, f.arrived, f.completed, f.failed, f.unfinished, f.failure_reasons);
  m["retries"] = data.retries;
  m["ttft_s"] = distribution_json(ttft);
  m["tpot_s"] = distribution_json(tpot);
  m["e2e_s"] = distribution_json(e2e);
  m["load_balance_max_over_mean"] = load_balance;
  m["per_replica"] = Json::object();
  for (const ReplicaLoad& l : data.replicas) {
    m["per_replica"][l.name] = {{"sent", l.sent}, {"completed", l.completed}, {"lost", l.lost}};
    for (const char* key : {"sent", "completed", "lost"}) k.units["per_replica." + l.name + "." + key] = "requests";
  }
  k.units["retries"] = "requests";
  for (const char* key : {"ttft_s", "tpot_s", "e2e_s"}) distribution_units(k, key);
  k.units["load_balance_max_over_mean"] = "ratio";

  using analysis::format_g;
  using analysis::format_u64;
  std::string sent;
  for (const ReplicaLoad& l : data.replicas) sent += (sent.empty() ? "" : " / ") + format_u64(l.sent);
  k.rows = {{"requests completed / failed / unfinished",
             format_u64(f.completed) + " / " + format_u64(f.failed) + " / " + format_u64(f.unfinished)},
            {"retries", format_u64(data.retries)},
            {"TTFT p50 / p99 (s)", p50_p99_cell(ttft)},
            {"TPOT p50 / p99 (s/token)", p50_p99_cell(tpot)},
            {"end-to-end p50 / p99 (s)", p50_p99_cell(e2e)},
            {"sent per replica (" + data.policy + ")", sent.empty() ? "none" : sent},
            {"load balance (max / mean)", format_g(load_balance, 4)}};
  trace_row_summary(k, data.trace_rows);

  analysis::ServiceSummary& s = k.service;
  s.unit = "request";
  s.arrived = f.arrived;
  s.completed = f.completed;
  s.failed = f.failed;
  s.backlog = f.unfinished;
  s.backlog_growth = static_cast<std::int64_t>(f.unfinished) - static_cast<std::int64_t>(f.unfinished_at_half);
  s.concurrency = std::max<std::uint64_t>(1, data.concurrency);
  s.failures = f.failure_reasons;
  analysis::judge_service(s);
  return k;
}

}  // namespace headroom::workloads::router
