// analysis/audit: the findings of `headroom audit` (sim/cli/audit_command.hpp) and its table.
//
// Per case of a claim (scenarios/claims/claims.yaml), each host's outcome: the host's memory
// verdict and service, the case's workload (status, keeps up) and its key figure taken from the
// result JSON. The finding follows fixed rules (audit_finding), first match wins:
//   enables        on 96 GB the workload failed to start, was killed, or fell behind (for a host
//                  figure: the host is oom or falls behind), while on 128 GB it ran and kept up on
//                  a host whose verdict is fits or pressured;
//   helps by X     the key figure is better on 128 GB by 5% or more: X = better / worse;
//   96 GB better   the key figure is better on 96 GB by 5% or more (by X likewise);
//   no difference  within 5% either way;
// and when a figure is missing because the workload did not run on one or both hosts:
//   runs only on 128 GB / runs only on 96 GB / fails on both.
// Exactly 5% counts as a difference (a relative 1e-12 absorbs the rounding of the division).
// Figures are non-negative (rates, times, bytes); a zero against a non-zero is an unbounded ratio.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace headroom::analysis {

inline constexpr double kAuditThreshold = 1.05;  // 5%

// One host's side of one case.
struct AuditOutcome {
  std::string verdict;   // the host's memory verdict: fits, pressured, thrashing, oom
  std::string service;   // keeps-up, falls-behind
  std::string workload;  // the case's workload; "" when the figure is the host's own
  std::string status;    // the workload's status ("running", "failed-to-start", ...); "" for the host
  bool ran = true;       // the workload started and was not killed (always true for a host figure)
  bool keeps_up = true;  // the workload keeps up (host figure: service keeps-up and verdict not oom)
  std::optional<double> figure;  // the key figure; absent when it did not run or has no such metric
};

enum class FindingKind { enables, helps, no_difference, better_96, runs_only_128, runs_only_96, fails_both };

struct Finding {
  FindingKind kind = FindingKind::no_difference;
  double ratio = 1;  // helps, better_96: better / worse (>= 1.05; infinity against a zero); else 1
};

Finding audit_finding(const AuditOutcome& gb96, const AuditOutcome& gb128, bool higher_is_better);
// "enables", "helps by 1.32x", "no difference", "96 GB better by 1.29x", "runs only on 128 GB", ...
std::string to_string(const Finding& finding);

// The outcome of `workload` (empty: the host) on one host object of the result JSON (an element of
// render_json's "hosts"), with the figure at the dotted `metric` path of the workload's "metrics"
// (or of the host object). `metric_found` says whether that path held a number.
struct FigureLookup {
  AuditOutcome outcome;
  bool metric_found = false;
  std::vector<std::string> metrics;  // the numeric paths there are, for a message about a missing one
};
FigureLookup look_up_figure(const nlohmann::json& host, const std::string& workload, const std::string& metric);

// One row of the audit table: a case of a claim, both hosts, the finding.
struct AuditRow {
  std::string claim_id, claim, case_name, scenario_path;
  std::string host_96, host_128;
  std::string workload, metric, unit;
  bool higher_is_better = true;
  AuditOutcome gb96, gb128;
  Finding finding;
  // Capacity at SLO (requests/min): asked for this row, and the values when they were computed.
  bool capacity_asked = false;
  std::optional<double> capacity_96_per_min, capacity_128_per_min;
  // `headroom capacity`'s outcome per host: found, probe-limit, at-least-max (the value is a lower
  // bound), below-min (no rate met the SLO: no value); empty when not computed.
  std::string capacity_96_outcome, capacity_128_outcome;
};

// md (the README's table, with the rules as a footnote), json or csv (full precision).
std::string render_audit(const std::vector<AuditRow>& rows, const std::string& claims_path, const std::string& format);

}  // namespace headroom::analysis
