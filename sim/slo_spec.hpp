// SLO targets of one workload (a scenario's `slo:` key, or `headroom capacity --slo`): plain data,
// shared by the config layer (which validates them), the engine (which copies them into the
// workload's result) and analysis (which evaluates them, analysis/slo.hpp). No dependencies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace headroom {

// A request metric of a request-serving kind (analysis/README.md "llm-server metrics").
enum class SloMetric : std::uint8_t { ttft, tpot, e2e, queue_wait };
// The statistic over requests the target bounds.
enum class SloStat : std::uint8_t { p50, p90, p99, mean };

inline const char* to_string(SloMetric metric) {
  switch (metric) {
    case SloMetric::ttft: return "ttft";
    case SloMetric::tpot: return "tpot";
    case SloMetric::e2e: return "e2e";
    case SloMetric::queue_wait: return "queue_wait";
  }
  return "?";
}
inline const char* to_string(SloStat stat) {
  switch (stat) {
    case SloStat::p50: return "p50";
    case SloStat::p90: return "p90";
    case SloStat::p99: return "p99";
    case SloStat::mean: return "mean";
  }
  return "?";
}

// `ttft_p99: 2s`: the p99 of TTFT at most 2 s. A request meets it when its own TTFT is <= 2 s.
struct SloTarget {
  SloMetric metric = SloMetric::ttft;
  SloStat stat = SloStat::p99;
  double limit_s = 0;  // > 0 (tpot: seconds per token)
  std::string key() const { return std::string(to_string(metric)) + "_" + to_string(stat); }
};

struct SloSpec {
  std::vector<SloTarget> targets;   // request-serving kinds; in the order written
  std::optional<double> deadline_s;  // kinds that finish: finished by this simulated time (from t=0)
  bool empty() const { return targets.empty() && !deadline_s; }
};

}  // namespace headroom
