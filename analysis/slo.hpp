// analysis/slo: a workload's SLO targets (sim/slo_spec.hpp, the scenario's `slo:` key) judged on
// its results. Definitions (analysis/README.md "SLO targets"):
//
// Request targets (`ttft_p99: 2s`, ...) are judged over the requests that arrived before the
// horizon. Each request gets a value per metric:
//   - completed: its measured value (TTFT, TPOT, end-to-end, queue wait; as the kind's summary);
//   - failed (any cause): +infinity: it misses every target;
//   - unfinished at the horizon: what is known is a lower bound, the time it has waited so far
//     (TTFT before a first token, queue wait before admission, end-to-end: horizon - arrival; TPOT:
//     (horizon - first token) / (requested output tokens - 1)). When that bound already exceeds
//     the limit, the request has missed: +infinity. Otherwise it is undecided (it might still meet
//     the target) and is left out, so a run is not judged by the requests the horizon cut short.
//   A metric a request has in fact (a TTFT after a first token, a queue wait after admission)
//   counts even while it is unfinished. A completed request with fewer than 2 tokens has no TPOT
//   (left out, as in the summary).
// The target's value is the statistic (nearest-rank p50/p90/p99, or mean) over the decided values,
// +infinity included; it is met when value <= limit. Attainment is the share of decided requests
// whose own value is <= limit. With no decided request the value is empty and the target is met
// only when nothing arrived.
//
// `deadline: D`: met when the workload finished (status finished) at a simulated time <= D (from
// t = 0); its value is the finish time, empty when it did not finish.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "sim/slo_spec.hpp"

namespace headroom::analysis {

struct MetricRow;

struct SloTargetResult {
  std::string key;       // "ttft_p99", ..., "deadline"
  double limit_s = 0;    // the target
  std::optional<double> value_s;  // the statistic; +inf when missed requests decide it; empty: none
  bool met = false;
  // Request targets only (zero for a deadline):
  std::uint64_t arrived = 0;       // requests arrived before the horizon
  std::uint64_t decided = 0;       // requests with a value (met or missed)
  std::uint64_t met_requests = 0;  // decided requests whose own value is <= limit
  std::optional<double> attainment;  // met_requests / decided; empty when none was decided
};

struct SloResult {
  std::vector<SloTargetResult> targets;  // in the order the scenario gives them; deadline last
  bool met = true;                       // every target met
};

// One request target over `requests` (the kind's records, as the engine left them).
SloTargetResult evaluate_request_target(const SloTarget& target, const std::vector<RequestRecord>& requests,
                                        double horizon_s);
// The workload's `slo` judged (nullopt when it has none). Request targets read the records the
// kind exposes (KindData::requests()).
std::optional<SloResult> evaluate_slo(const WorkloadResult& workload, double horizon_s);

// "met" / "missed".
const char* slo_word(bool met);
// "ttft_p99 3.2 s > 2 s (attainment 91.2%)" for each missed target, joined with "; ".
std::string slo_missed_text(const SloResult& slo);
// Markdown rows (label without the workload's name): one per target, "SLO ttft_p99 <= 2 s" ->
// "met: 1.204 s, 99.1% of 452" (format_readable figures). For part report's tables.
std::vector<MetricRow> slo_rows(const SloResult& slo);

}  // namespace headroom::analysis
