// sim/cli/audit_command: `headroom audit [--claims FILE] [--format md|json|csv] [--out FILE] [-j N]`.
// Loads the claims file (sim/config/claims.hpp: every scenario, host and workload checked before
// anything runs), simulates each (scenario, host) pair the claims name once, in child processes
// (host_runner.hpp, the engine loaded once before they fork), then reads each case's key figure
// from the hosts' result JSON and applies the finding rules (analysis/audit.hpp). The output
// depends only on the claims and the scenarios, not on -j. Header-only, included by sim/main.cpp.
#pragma once

#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "analysis/audit.hpp"
#include "analysis/report.hpp"
#include "sim/cli/capacity_command.hpp"
#include "sim/cli/commands.hpp"
#include "sim/config/claims.hpp"

namespace headroom::cli {

struct AuditOptions {
  std::string claims_path = "scenarios/claims/claims.yaml";
  OutputOptions output;
  std::size_t jobs = 0;  // 0: the number of cores
};

namespace audit_detail {

using ScenarioHost = std::pair<std::string, std::string>;  // scenario path, host name

// Every (scenario, host) pair the claims need, once each, in the order the claims name them.
inline std::vector<ScenarioHost> runs_needed(const config::ClaimsFile& claims) {
  std::vector<ScenarioHost> runs;
  const auto add = [&](const ScenarioHost& run) {
    if (std::find(runs.begin(), runs.end(), run) == runs.end()) runs.push_back(run);
  };
  for (const config::Claim& claim : claims.claims)
    for (const config::ClaimCase& one : claim.cases) {
      add({one.scenario_path, claim.host_96});
      add({one.scenario_path, claim.host_128});
    }
  return runs;
}

inline std::size_t host_index(const config::Scenario& scenario, const std::string& name) {
  for (std::size_t i = 0; i < scenario.hosts.size(); ++i)
    if (scenario.hosts[i].name == name) return i;
  throw std::logic_error("audit: host " + name + " vanished from " + scenario.path);
}

// Each run's host object as render_json prints it (what `compare --format json` shows).
inline std::vector<nlohmann::json> host_objects(const config::ClaimsFile& claims, const std::vector<ScenarioHost>& runs,
                                                std::vector<analysis::HostResult> results) {
  std::vector<nlohmann::json> hosts;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    analysis::ScenarioResult one = empty_result(claims.scenarios.at(runs[k].first));
    one.hosts.push_back(std::move(results[k]));
    hosts.push_back(nlohmann::json::parse(analysis::render_json(one)).at("hosts").at(0));
  }
  return hosts;
}

inline std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

inline analysis::AuditRow audit_row(const config::ClaimsFile& claims, const config::Claim& claim,
                                    const config::ClaimCase& one, const std::vector<ScenarioHost>& runs,
                                    const std::vector<nlohmann::json>& hosts) {
  analysis::AuditRow row;
  row.claim_id = claim.id;
  row.claim = claim.text;
  row.case_name = one.name;
  row.scenario_path = one.scenario_path;
  row.host_96 = claim.host_96;
  row.host_128 = claim.host_128;
  row.workload = one.figure.workload;
  row.metric = one.figure.metric;
  row.unit = one.figure.unit;
  row.higher_is_better = one.figure.higher_is_better;
  analysis::FigureLookup found[2];
  for (int side = 0; side < 2; ++side) {
    const ScenarioHost run{one.scenario_path, side == 0 ? claim.host_96 : claim.host_128};
    const std::size_t k = static_cast<std::size_t>(std::find(runs.begin(), runs.end(), run) - runs.begin());
    found[side] = analysis::look_up_figure(hosts.at(k), one.figure.workload, one.figure.metric);
  }
  // A metric name no result has is a mistake in the claims file (known only now, after the run).
  if (!found[0].metric_found && !found[1].metric_found)
    throw CliError{config::ConfigError(claims.path, one.figure.line, one.figure.column,
                                       "metric: no metric '" + shown(one.figure.metric) + "' in the result of " +
                                           (one.figure.workload.empty() ? "the host"
                                                                        : "workload '" + one.figure.workload + "'") +
                                           " (metrics: " + join(found[1].metrics) + ")")
                       .what()};
  row.gb96 = found[0].outcome;
  row.gb128 = found[1].outcome;
  row.finding = analysis::audit_finding(row.gb96, row.gb128, row.higher_is_better);
  row.capacity_asked = claim.capacity.has_value();
  return row;
}

// `headroom capacity`'s options for a claim's capacity spec: its workload, SLO and host pair.
inline CapacityOptions capacity_options(const config::Claim& claim, std::size_t jobs) {
  CapacityOptions o;
  o.scenario_path = claim.scenario_path;
  o.workload = claim.capacity->workload;
  o.slo = claim.capacity->slo;
  o.hosts = {claim.host_96, claim.host_128};
  o.jobs = jobs;
  return o;
}

// Capacity at SLO (requests/min) on both hosts, by `headroom capacity`'s search; sets the rows of
// the claim. A host that misses the SLO even at the search's lowest rate has no capacity (n/a).
inline void fill_capacity(const config::Claim& claim, std::size_t jobs, std::vector<analysis::AuditRow>& rows) {
  const CapacityReport report = capacity_search(capacity_options(claim, jobs));
  const auto per_min = [&](const HostCapacity& h) -> std::optional<double> {
    if (!h.best) return std::nullopt;
    return h.probes[*h.best].rate_per_s * 60.0;
  };
  for (analysis::AuditRow& row : rows) {
    if (row.claim_id != claim.id) continue;
    row.capacity_96_per_min = per_min(report.hosts.at(0));
    row.capacity_128_per_min = per_min(report.hosts.at(1));
    row.capacity_96_outcome = report.hosts.at(0).outcome;
    row.capacity_128_outcome = report.hosts.at(1).outcome;
  }
}

inline config::ClaimsFile load_claims_or_fail(const std::string& path) {
  config::ClaimsFile claims;
  try {
    claims = config::load_claims(path);
  } catch (const config::ConfigError& e) {
    throw CliError{e.what()};
  }
  for (const auto& [scenario_path, scenario] : claims.scenarios)
    if (const std::string problem = policy_problem(scenario.memory.policy); !problem.empty())
      throw CliError{config::ConfigError(scenario.path, scenario.memory.policy_line, scenario.memory.policy_column,
                                         "memory.policy: " + problem)
                         .what()};
  // A capacity spec is checked as `headroom capacity` checks its options, before anything runs.
  for (const config::Claim& claim : claims.claims)
    if (claim.capacity) capacity_detail::setup(claims.scenarios.at(claim.scenario_path), capacity_options(claim, 1));
  return claims;
}

}  // namespace audit_detail

inline void audit_command(const AuditOptions& options) {
  const config::ClaimsFile claims = audit_detail::load_claims_or_fail(options.claims_path);
  check_output(options.output);
  const std::vector<audit_detail::ScenarioHost> runs = audit_detail::runs_needed(claims);
  std::vector<std::string> names;
  for (const auto& [path, host] : runs) names.push_back(host + " of " + path);
  const std::size_t jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  // Loaded once here, before the children fork, so each inherits it instead of loading it again.
  const engine::SimulateHostFn simulate_host = engine_or_fail();
  std::vector<analysis::HostResult> results;
  try {
    results = run_hosts_in_children(
        names,
        [&](std::size_t k) {
          const config::Scenario& scenario = claims.scenarios.at(runs[k].first);
          return simulate_host(scenario, scenario.hosts[audit_detail::host_index(scenario, runs[k].second)]);
        },
        jobs);
  } catch (const HostRunError& e) {
    throw CliError{e.what(), e.exit_code()};
  }
  const std::vector<nlohmann::json> hosts = audit_detail::host_objects(claims, runs, std::move(results));
  std::vector<analysis::AuditRow> rows;
  for (const config::Claim& claim : claims.claims)
    for (const config::ClaimCase& one : claim.cases)
      rows.push_back(audit_detail::audit_row(claims, claim, one, runs, hosts));
  for (const config::Claim& claim : claims.claims)
    if (claim.capacity) audit_detail::fill_capacity(claim, jobs, rows);
  emit_text(analysis::render_audit(rows, claims.path, options.output.format), options.output);
}

}  // namespace headroom::cli
