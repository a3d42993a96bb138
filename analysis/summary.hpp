// analysis/summary: turns raw HostResults into the figures a report prints: percentiles of request
// latencies, throughput, PSI-style memory stall fractions and a verdict per host. Pure functions of
// the results (no I/O, no clock), so the same results always give the same summary.
// Definitions (percentile method, PSI, verdict rule) are documented in analysis/README.md.
#pragma once

#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/number_format.hpp"
#include "analysis/results.hpp"
#include "analysis/slo.hpp"

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

// The time a workload ran: from its start to its end (finished, stopped or killed), or to the
// horizon when it did not end; empty (0, 0) when it never started. A server's rates and its
// mid-run backlog are taken over this window, not over the whole horizon.
struct RunWindow {
  double begin_s = 0, end_s = 0;
  double length_s() const { return end_s - begin_s; }
  double mid_s() const { return begin_s + length_s() / 2; }
};
RunWindow run_window(const WorkloadResult& workload, double horizon_s);

struct Psi {
  double some_s = 0;  // time at least one workload was stalled on memory
  double full_s = 0;  // time every busy workload was stalled at once (and at least one was busy)
  double some_fraction = 0;  // of the horizon
  double full_fraction = 0;
};
// Linux PSI semantics over the whole horizon. A workload counts as busy while in one of its `busy`
// or `memory_stall` intervals (a stalled workload is not idle).
Psi memory_pressure(const std::vector<WorkloadResult>& workloads, double horizon_s);
// memory_pressure(workloads, t) for each t of `times_s` (non-decreasing; else std::invalid_argument),
// exactly, in one sweep over the intervals: O((intervals) log (intervals) + edges x workloads + times)
// instead of once per time.
std::vector<Psi> memory_pressure_over_time(const std::vector<WorkloadResult>& workloads,
                                           const std::vector<double>& times_s);
// PSI of each of host.groups (memory.pressure): memory_pressure over the workloads in that group.
std::vector<Psi> group_pressure(const HostResult& host);

// Whether a workload keeps up with its work, from the common figures every kind gives (units of
// work: requests for a server, steps for a job). The verdict's service part reads only this.
struct ServiceSummary {
  std::string unit;                 // what one unit of work is, singular ("request")
  std::uint64_t arrived = 0;        // units offered before the horizon
  std::uint64_t completed = 0;      // done by the horizon
  std::uint64_t failed = 0;         // refused or lost (failed requests)
  std::uint64_t backlog = 0;        // arrived, neither completed nor failed, at the horizon
  std::int64_t backlog_growth = 0;  // backlog at the horizon minus backlog at half the horizon
  std::uint64_t concurrency = 1;    // units it works on at once (a server's batch slots)
  std::optional<double> progress;   // jobs: fraction of their work done; nullopt for servers
  std::map<std::string, std::uint64_t> failures;  // failed units by cause (to_string(Cause) words)
  bool keeps_up = true;
  std::string reason;  // one line: why it keeps up or not, with the figures
};

// The request-serving rule (analysis/README.md): a server keeps up unless it completed nothing
// of what arrived, completed less than kKeepUpCompletedFraction of it, or its backlog grew over
// the second half of the horizon to more than kKeepUpBacklogGrowthFactor x the larger of its size
// at the middle and its concurrency (requests in service are backlog too).
inline constexpr double kKeepUpCompletedFraction = 0.5;
inline constexpr double kKeepUpBacklogGrowthFactor = 2.0;
void judge_service(ServiceSummary& service);

// One row of the Markdown table a kind adds under its workload (label without the name prefix).
struct MetricRow {
  std::string label, value;
};

// What a kind's summarize() returns: its own figures as ordered JSON (printed as they are by the
// json and csv writers, units from `units`), its Markdown rows, and the common ServiceSummary.
struct KindSummary {
  nlohmann::ordered_json info;     // workload-level attributes (llm-server: device, weights_bytes, ...)
  nlohmann::ordered_json metrics;  // the "metrics" object (objects nest; null = no value)
  std::map<std::string, std::string> units;  // dotted path under info/metrics ("ttft_s.p50") -> unit
  std::vector<MetricRow> rows;               // Markdown rows
  std::string placement;                     // Markdown status suffix: "gpu" prints "running on gpu"
  ServiceSummary service;
};

// A workload summarised: its KindSummary plus the common figures computed from its intervals.
struct WorkloadSummary {
  double busy_s = 0;          // union of its busy intervals
  double memory_stall_s = 0;  // union of its stall intervals
  KindSummary kind;
  std::optional<SloResult> slo;  // its `slo:` judged (analysis/slo.hpp); empty without one
};
// Runs the kind's summarize (registry) and the common figures. A kind nobody registered a summary
// for gets empty metrics and a service "not judged".
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

// The service part of the verdict: does every workload on the host keep up.
enum class ServiceVerdict { keeps_up, falls_behind };
const char* to_string(ServiceVerdict verdict);
struct ServiceVerdictResult {
  ServiceVerdict verdict = ServiceVerdict::keeps_up;
  std::string reason;  // the workloads that fall behind and why; or what kept up
};

struct HostSummary {
  const HostResult* host = nullptr;  // the summarised result; must outlive the summary
  Psi psi;
  std::vector<Psi> group_psi;       // one per host->groups, in order
  VerdictResult verdict;            // memory
  ServiceVerdictResult service;     // service
  // SLO: empty when no workload has `slo:`; else whether every workload's targets were met, and
  // the missed targets in words ("chat: ttft_p99 3.2 s > 2 s (...)"; "every target met").
  std::optional<bool> slo_met;
  std::string slo_reason;
  std::vector<WorkloadSummary> workloads;  // one per host->workloads, in order
};
// Memory part: reads the common results only (statuses, causes, fallbacks, MemoryResult, the
// groups' figures and their PSI, `group_psi` one per host.groups).
VerdictResult decide_verdict(const HostResult& host, const std::vector<WorkloadSummary>& workloads,
                             const Psi& psi, const std::vector<Psi>& group_psi);
// Service part: every workload's ServiceSummary and status.
ServiceVerdictResult decide_service(const HostResult& host, const std::vector<WorkloadSummary>& workloads);
HostSummary summarize_host(const HostResult& host);

// What summarize_host computes from the per-request records and intervals.
struct PrecomputedSummary {
  Psi psi;
  std::vector<Psi> group_psi;  // one per HostResult::groups, in order
  std::vector<WorkloadSummary> workloads;  // one per HostResult::workloads, in order
};
// `host` with its summary computed (HostResult::summary) and its request records and intervals
// dropped: it renders exactly as `host` does, and weighs a few KB whatever the request count.
HostResult summarised(HostResult host);

}  // namespace headroom::analysis
