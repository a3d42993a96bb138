// analysis/summary: turns raw HostResults into the figures a report prints: percentiles of request
// latencies, throughput, PSI-style memory stall fractions and a verdict per host. Pure functions of
// the results (no I/O, no clock), so the same results always give the same summary.
// Definitions (percentile method, PSI, verdict rule) are documented in analysis/README.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/number_format.hpp"
#include "analysis/results.hpp"

namespace headroom::analysis {

inline constexpr const char* kPercentileMethod = "nearest-rank";

// Nearest-rank percentile: the smallest sample x with at least p% of the samples <= x, i.e. the
// ceil(p/100 * n)-th smallest (1-based; p = 0 gives the minimum). nullopt for an empty sample.
// p must be in [0, 100].
std::optional<double> percentile_nearest_rank(std::vector<double> samples, double p);

struct Distribution {
  std::size_t count = 0;
  std::optional<double> mean, p50, p90, p99, max;  // empty when count == 0
};
Distribution summarize_distribution(const std::vector<double>& samples);

// Total length of the union of `intervals` clipped to [0, horizon_s].
double union_length_s(std::vector<Interval> intervals, double horizon_s);

struct Psi {
  double some_s = 0;  // time at least one workload was stalled on memory
  double full_s = 0;  // time every busy workload was stalled at once (and at least one was busy)
  double some_fraction = 0;  // of the horizon
  double full_fraction = 0;
};
// Linux PSI semantics over the whole horizon. A workload counts as busy while in one of its `busy`
// or `memory_stall` intervals (a stalled workload is not idle).
Psi memory_pressure(const std::vector<WorkloadResult>& workloads, double horizon_s);

struct WorkloadSummary {
  std::string name, kind, status, status_detail, device;
  std::uint64_t weights_bytes = 0, kv_budget_bytes = 0;
  std::uint64_t requests_arrived = 0, requests_completed = 0, requests_failed = 0,
                requests_unfinished = 0;
  std::map<std::string, std::uint64_t> failure_reasons;  // reason -> failed requests
  std::uint64_t generated_tokens = 0;
  double tokens_per_s = 0;  // generated tokens / horizon
  Distribution ttft_s;      // first_token - arrival, every request that produced a token
  Distribution tpot_s;      // (finish - first_token) / (generated - 1), completed with >= 2 tokens
  Distribution e2e_s;       // finish - arrival, completed requests
  Distribution queue_wait_s;  // admitted - arrival, admitted requests
  double memory_stall_s = 0;  // union of this workload's stall intervals
};
WorkloadSummary summarize_workload(const WorkloadResult& workload, double horizon_s);

enum class Verdict { fits, pressured, thrashing, oom };
const char* to_string(Verdict verdict);

// Thresholds of the verdict rule (analysis/README.md).
inline constexpr double kThrashingPsiSomeFraction = 0.25;
inline constexpr double kThrashingRefaultRamMultiple = 1.0;

struct VerdictResult {
  Verdict verdict = Verdict::fits;
  std::string reason;  // the model quantities that decided it, in words
};

// Disk reads the host did beyond reading each workload's weights once (the cold start):
// file reads + swap-ins - sum of page-rounded weight sizes, floored at 0.
std::uint64_t refault_bytes(const HostResult& host);

struct HostSummary {
  const HostResult* host = nullptr;  // the summarised result; must outlive the summary
  Psi psi;
  std::uint64_t refault_bytes = 0;
  VerdictResult verdict;
  std::vector<WorkloadSummary> workloads;
};
VerdictResult decide_verdict(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                             const Psi& psi, std::uint64_t refault_bytes);
HostSummary summarize_host(const HostResult& host);

// What summarize_host computes from the per-request records and intervals.
struct PrecomputedSummary {
  Psi psi;
  std::vector<WorkloadSummary> workloads;  // one per HostResult::workloads, in order
};
// `host` with its summary computed (HostResult::summary) and its request records and intervals
// dropped: it renders exactly as `host` does, and weighs a few KB whatever the request count.
HostResult summarised(HostResult host);

}  // namespace headroom::analysis
