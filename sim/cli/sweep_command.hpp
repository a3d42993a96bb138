// sim/cli/sweep_command: `headroom sweep` (a grid of scenario variants x hosts, one child process
// per point, point files written atomically as points finish) and `headroom merge` (shards into one
// directory). The grid, the files and merging live in sim/sweep (its README); this header runs the
// points through host_runner's fan-out and reports progress. Header-only, included by sim/main.cpp.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "sim/cli/commands.hpp"
#include "sim/cli/progress.hpp"
#include "sim/sweep/files.hpp"
#include "sim/sweep/merge.hpp"
#include "sim/sweep/plan.hpp"

namespace headroom::cli {

struct SweepOptions {
  sweep::PlanInput plan;
  std::size_t jobs = 0;  // 0: the number of online cores
  std::string out_dir;
  bool resume = false;
  std::string shard;  // "i/n"; empty: every point
  bool quiet = false;
};

struct MergeOptions {
  std::vector<std::string> inputs;
  std::string out_dir;
};

inline std::size_t online_cores() {
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<std::size_t>(n) : 1;
}

namespace detail {

// --policy and memory.policy (which a --set may have changed) are checked before anything runs;
// --timeseries-interval applied (the point files carry the JSON report, where the series goes).
inline void settle_scenarios(sweep::Plan& plan, const SweepOptions& options) {
  const std::string& policy = options.plan.policy;
  if (!policy.empty())
    if (const std::string problem = policy_problem(policy); !problem.empty()) throw CliError{"error: " + problem};
  for (std::size_t c = 0; c < plan.scenarios.size(); ++c) {
    config::Scenario& scenario = plan.scenarios[c];
    if (const std::string problem = policy_problem(scenario.memory.policy); !problem.empty()) {
      const sweep::Point& point = plan.spec.points[c * plan.spec.hosts.size()];
      for (const auto& [path, value] : point.parameters)
        if (path == "memory.policy" || path == "memory")
          throw CliError{"error: --set " + shown(path) + "=" + shown(value) + ": memory.policy: " + problem};
      throw CliError{config::ConfigError(scenario.path, scenario.memory.policy_line, scenario.memory.policy_column,
                                         "memory.policy: " + problem)
                         .what()};
    }
    if (!policy.empty()) scenario.memory.policy = policy;
    if (!options.plan.timeseries_interval.empty()) {
      OutputOptions json_output;
      json_output.format = "json";  // point files are JSON, whatever the summary's format
      set_timeseries(scenario, options.plan.timeseries_interval, json_output);
    }
  }
}

using sweep::Point;

// The points this invocation runs: its shard's, less (with --resume) those already ok. Refuses a
// directory that holds another sweep.
inline std::vector<std::size_t> points_to_run(const sweep::Plan& plan, const SweepOptions& options,
                                              const sweep::Shard& shard, const std::string& sweep_text,
                                              std::size_t& already_ok) {
  const std::string file = sweep::sweep_file(options.out_dir);
  if (const auto existing = sweep::read_text(file); existing && *existing != sweep_text)
    throw CliError{"error: " + shown(file) + " describes another sweep than this one" +
                   (options.resume ? " (--resume continues the same scenario, --set values, hosts and options)"
                                   : " (choose another --out directory)")};
  std::vector<std::size_t> indices;
  already_ok = 0;
  for (const Point& point : plan.spec.points) {
    if (!shard.contains(point.index)) continue;
    if (options.resume && sweep::point_status(sweep::point_file(options.out_dir, point), point) == "ok") {
      ++already_ok;
      continue;
    }
    indices.push_back(point.index);
  }
  return indices;
}

// The point's outcome from its child: ok with the report, or failed with the reason, worded as
// `run` words it.
inline sweep::Outcome outcome_of(const ChildExit& child, const std::string& host) {
  sweep::Outcome out;
  const int status = child.status;
  const std::string& text = child.text;
  if (status == -1) {
    out.exit_code = kExitInternal;
    out.reason = "error: " + text;
    return out;
  }
  if (WIFSIGNALED(status)) {
    out.exit_code = kExitSignalBase + WTERMSIG(status);
    out.reason = "error: simulation of host '" + host + "' " + detail::describe_status(status);
    return out;
  }
  out.exit_code = WEXITSTATUS(status);
  if (out.exit_code == kExitOk) {
    out.ok = true;
    out.result_json = text;
  } else if (out.exit_code == kExitBadInput && !text.empty()) {
    out.reason = text;  // a ConfigError found while simulating: "FILE:LINE:COL: error: ..." (e.g. a trace row)
  } else if (text.rfind("internal: ", 0) == 0) {
    out.reason = "error: " + text;
  } else if (!text.empty()) {
    out.reason = "error: simulation of host '" + host + "' failed: " + text;
  } else {
    out.reason = "error: simulation of host '" + host + "' " + detail::describe_status(status);
  }
  return out;
}

inline std::string parameters_text(const Point& point) {
  std::string out = "host " + point.host;
  for (const auto& [path, value] : point.parameters) out += ", " + path + "=" + value;
  return out;
}

}  // namespace detail

inline void sweep_command(const SweepOptions& options) {
  sweep::Plan plan;
  sweep::Shard shard;
  try {
    if (!options.shard.empty()) shard = sweep::parse_shard(options.shard);
    plan = sweep::make_plan(options.plan);
  } catch (const sweep::SweepError& e) {
    throw CliError{e.what()};
  } catch (const config::ConfigError& e) {
    throw CliError{e.what()};
  }
  detail::settle_scenarios(plan, options);
  const std::string sweep_text = sweep::sweep_json(plan.spec);
  std::size_t already_ok = 0;
  const std::vector<std::size_t> indices = detail::points_to_run(plan, options, shard, sweep_text, already_ok);
  // Loaded once here, before the children fork, so each inherits it instead of loading it again.
  const engine::SimulateHostFn simulate_host = engine_or_fail();
  try {
    sweep::make_sweep_dirs(options.out_dir);
    sweep::write_file(sweep::sweep_file(options.out_dir), sweep_text);
  } catch (const sweep::SweepError& e) {
    throw CliError{e.what()};
  }

  const auto& points = plan.spec.points;
  auto simulate_point = [&](std::size_t k) {
    const config::Scenario& scenario = plan.scenarios[points[k].combination];
    analysis::ScenarioResult result = empty_result(scenario);
    result.hosts.push_back(simulate_host(scenario, scenario.hosts[plan.host_index[k]]));
    return analysis::render_json(result);
  };
  Progress progress("sweep", static_cast<double>(indices.size()), Progress::choose_mode(options.quiet),
                    Progress::counts("points"));
  std::size_t done = 0;
  std::vector<std::pair<std::size_t, std::string>> failed;  // (point index, reason)
  std::string write_error;
  auto on_exit = [&](const ChildExit& child) {
    const sweep::Point& point = points[child.index];
    const sweep::Outcome outcome = detail::outcome_of(child, point.host);
    if (!outcome.ok) failed.emplace_back(child.index, outcome.reason);
    try {
      sweep::write_file(sweep::point_file(options.out_dir, point), sweep::point_json(point, outcome));
    } catch (const sweep::SweepError& e) {
      if (write_error.empty()) write_error = e.what();
    }
    progress.update(static_cast<double>(++done), failed.size());
  };
  const std::size_t jobs = options.jobs > 0 ? options.jobs : online_cores();
  try {
    run_in_children(indices, simulate_point, jobs, on_exit, [&] { return write_error.empty(); },
                    [&] { progress.update(static_cast<double>(done), failed.size()); });
  } catch (const HostRunError& e) {
    progress.finish();
    throw CliError{e.what(), e.exit_code()};
  }
  progress.finish();
  if (!write_error.empty()) throw CliError{write_error, kExitBadInput};

  std::sort(failed.begin(), failed.end());
  std::string summary = "sweep: ran " + std::to_string(indices.size()) + " of " + std::to_string(points.size()) +
                        " points";
  if (!options.shard.empty())
    summary += " (shard " + std::to_string(shard.index) + "/" + std::to_string(shard.count) + ")";
  summary += ": " + std::to_string(indices.size() - failed.size()) + " ok, " + std::to_string(failed.size()) +
             " failed";
  if (options.resume) summary += ", " + std::to_string(already_ok) + " already ok";
  summary += "; results in " + options.out_dir + "\n";
  for (const auto& [k, reason] : failed)
    summary += "failed: " + points[k].id + " (" + detail::parameters_text(points[k]) + "): " + shown(reason, 300) + "\n";
  std::fwrite(summary.data(), 1, summary.size(), stdout);
  std::fflush(stdout);
}

inline void merge_command(const MergeOptions& options) {
  sweep::MergeSummary summary;
  try {
    summary = sweep::merge_sweeps(options.inputs, options.out_dir);
  } catch (const sweep::SweepError& e) {
    throw CliError{e.what()};
  }
  std::printf("merge: %zu points (%zu failed) from %zu directories into %s\n", summary.points, summary.failed,
              options.inputs.size(), options.out_dir.c_str());
}

}  // namespace headroom::cli
