// sim/cli/commands: `headroom run` and `headroom compare`: load a scenario, pick hosts, simulate,
// render, write. Header-only, included by sim/main.cpp alone (see host_runner.hpp).
#pragma once

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "analysis/against.hpp"
#include "analysis/number_format.hpp"
#include "analysis/output_file.hpp"
#include "analysis/report.hpp"
#include "analysis/timeline.hpp"
#include "sim/cli/engine_loader.hpp"
#include "sim/cli/host_runner.hpp"
#include "sim/cli/policy_choice.hpp"
#include "sim/cli/sim_progress.hpp"
#include "sim/config/error.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"
#include "sim/trace/memory/memory_series.hpp"

namespace headroom::cli {

struct OutputOptions {
  std::string format = "md";
  std::string out_path;  // empty or "-": stdout
  bool to_stdout() const { return out_path.empty() || out_path == "-"; }
};

struct RunOptions {
  std::string scenario_path;
  std::string host;  // empty: the scenario's first host
  std::string policy;  // empty: the scenario's memory.policy
  OutputOptions output;
  std::string timeseries_interval;  // --timeseries-interval DUR (checked by its validator); empty: none
  std::string against;              // --against CAPTURE: print recorded vs simulated instead of the report
  std::string timeline;             // --timeline FILE.json: the run as a Chrome trace (Perfetto); empty: none
};

// --timeline: at most this many trace events (about 100 bytes each in the file); past it, steps and
// requests are dropped and the file and one stderr line say so.
inline constexpr std::size_t kMaxTimelineEvents = 2'000'000;
// --timeline without --timeseries-interval: the counters are sampled this many times over the horizon.
inline constexpr double kTimelineCounterSamples = 2000;

// At most this many time-series samples per host: a 1 ns interval over an hour would be 3.6e12.
inline constexpr double kMaxTimeSeriesSamples = 1e6;

struct CompareOptions {
  std::string scenario_path;
  std::vector<std::string> hosts;  // empty: every host of the scenario
  std::size_t jobs = 2;            // children at once (the machine budget is 2 cores)
  std::string policy;              // empty: the scenario's memory.policy
  OutputOptions output;
  std::string timeseries_interval;  // --timeseries-interval DUR, as for run (each child's series in its JSON)
};

// A user-facing failure: print `message` to stderr and exit with `exit_code`.
struct CliError {
  std::string message;
  int exit_code = kExitBadInput;
};

inline std::string host_names(const config::Scenario& scenario) {
  std::string out;
  for (const auto& h : scenario.hosts) out += (out.empty() ? "" : ", ") + h.name;
  return out;
}

inline std::size_t find_host(const config::Scenario& scenario, const std::string& name) {
  for (std::size_t i = 0; i < scenario.hosts.size(); ++i) {
    if (scenario.hosts[i].name == name) return i;
  }
  throw CliError{"error: no host named '" + shown(name) + "' in " + scenario.path + " (hosts: " +
                 host_names(scenario) + ")"};
}

// Loads the scenario and settles its eviction policy (policy_choice.hpp): `--policy` when given,
// else memory.policy; an unknown or offline name is bad input before anything is simulated.
inline config::Scenario load(const std::string& path, const std::string& policy_override) {
  if (!policy_override.empty()) {
    if (const std::string problem = policy_problem(policy_override); !problem.empty())
      throw CliError{"error: " + problem};
  }
  config::Scenario scenario;
  try {
    scenario = config::load_scenario(path);
  } catch (const config::ConfigError& e) {
    throw CliError{e.what()};
  }
  // Checked even when overridden: a scenario naming an unusable policy is still a bad file.
  if (const std::string problem = policy_problem(scenario.memory.policy); !problem.empty())
    throw CliError{config::ConfigError(scenario.path, scenario.memory.policy_line, scenario.memory.policy_column,
                                       "memory.policy: " + problem)
                       .what()};
  if (!policy_override.empty()) scenario.memory.policy = policy_override;
  return scenario;
}

inline analysis::ScenarioResult empty_result(const config::Scenario& scenario) {
  analysis::ScenarioResult result;
  result.scenario = scenario.name;
  result.description = scenario.description;
  result.scenario_path = scenario.path;
  result.seed = scenario.seed;
  result.duration_s = scenario.duration_s;
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i)
    result.start_order.push_back(
        scenario.workloads[scenario.start_order.empty() ? i : scenario.start_order.at(i)]->name);
  return result;
}

// Refuses an --out that cannot take the report before anything is simulated (a long run must not
// end in "cannot write"); emit() checks again when it writes.
inline void check_output(const OutputOptions& output) {
  if (output.to_stdout()) return;
  try {
    analysis::check_output_path(output.out_path);
  } catch (const analysis::OutputError& e) {
    throw CliError{std::string("error: ") + e.what()};
  }
}

inline void emit_text(const std::string& text, const OutputOptions& output) {
  if (output.to_stdout()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  try {
    analysis::write_output_file(output.out_path, text);
  } catch (const analysis::OutputError& e) {
    throw CliError{std::string("error: ") + e.what()};
  }
}

inline void emit(const analysis::ScenarioResult& result, const OutputOptions& output) {
  const auto format = analysis::parse_format(output.format);
  if (!format) throw CliError{"error: unknown format '" + shown(output.format) + "' (expected md, json or csv)"};
  emit_text(analysis::render(result, *format), output);
}

// The engine module's simulate_host (engine_loader.hpp); a missing module is an installation fault.
inline engine::SimulateHostFn engine_or_fail() {
  try {
    return simulation_engine();
  } catch (const EngineLoadError& e) {
    throw CliError{std::string("error: ") + e.what(), kExitInternal};
  }
}

// `run` simulates in this process, inside SimGrid: on SIGINT or SIGTERM it says so in one line and
// exits 128 + signal, as `compare` does. SimGrid installs its own SIGINT handler (exit(1), no
// message) when its engine starts, so the signals are blocked instead and a thread waits for them
// with sigwait; threads SimGrid starts inherit the mask. Signals the shell ignores (nohup,
// background jobs) stay ignored. Kept until the process exits.
inline void stop_run_on_signals() {
  sigset_t stop_set;
  sigemptyset(&stop_set);
  for (int signal : {SIGINT, SIGTERM}) {
    struct sigaction current {};
    ::sigaction(signal, nullptr, &current);
    if (current.sa_handler != SIG_IGN) sigaddset(&stop_set, signal);
  }
  if (::pthread_sigmask(SIG_BLOCK, &stop_set, nullptr) != 0) return;
  std::thread([stop_set] {
    int signal = 0;
    if (::sigwait(&stop_set, &signal) != 0) return;
    // On a terminal, on a line of its own after the progress line (sim_progress.hpp).
    const std::string message = std::string(::isatty(STDERR_FILENO) ? "\n" : "") + "error: interrupted by " +
                                (signal == SIGINT ? "SIGINT" : "SIGTERM") + "; the simulation was stopped\n";
    (void)!::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(kExitSignalBase + signal);
  }).detach();
}

// --timeseries-interval: JSON only (the series has no place in the md and csv tables), and a number
// of samples a report can hold.
// `against`: run --against reads the series itself, whatever the format.
inline void set_timeseries(config::Scenario& scenario, const std::string& interval, const OutputOptions& output,
                           bool against = false) {
  if (interval.empty()) return;
  if (output.format != "json" && !against)
    throw CliError{"error: --timeseries-interval needs --format json (the time series is printed in the JSON "
                   "report only), found --format " + output.format};
  const double interval_s = config::parse_duration_s(interval);
  if (scenario.duration_s / interval_s > kMaxTimeSeriesSamples)
    throw CliError{"error: --timeseries-interval " + shown(interval) + " over the " +
                   analysis::format_g(scenario.duration_s) + " s horizon of " + scenario.path + " gives " +
                   analysis::format_g(scenario.duration_s / interval_s, 3) + " samples (at most " +
                   analysis::format_g(kMaxTimeSeriesSamples) + "): choose a longer interval"};
  scenario.timeseries_interval_s = interval_s;
}

// --against: the capture, read once before simulating (a bad row is bad input, exit 2).
inline std::vector<analysis::RecordedSample> read_recording(const std::string& path) {
  memtrace::Series series;
  try {
    series = memtrace::read_memory_series(path, memtrace::Options{});
  } catch (const memtrace::SeriesError& e) {
    throw CliError{e.what()};
  }
  std::vector<analysis::RecordedSample> out;
  const auto as_double = [](std::optional<std::uint64_t> v) {
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
  };
  for (const memtrace::Sample& s : series.samples)
    out.push_back({s.time_s, as_double(s.rss_bytes), as_double(s.anon_bytes), as_double(s.file_bytes),
                   as_double(s.swap_bytes), as_double(s.pgmajfault), as_double(s.pswpin), as_double(s.pswpout),
                   s.psi_some_total_s, s.psi_full_total_s});
  return out;
}

// --timeline: the file is checked before simulating; the counters need the time series, sampled
// every horizon / 2000 unless --timeseries-interval says otherwise. Returns whether the series was
// added for the timeline alone (the report then leaves it out, so it is the same as without).
inline bool set_timeline(config::Scenario& scenario, const RunOptions& options) {
  if (options.timeline.empty()) return false;
  check_output({"json", options.timeline});
  scenario.timeline_max_events = kMaxTimelineEvents;
  if (scenario.timeseries_interval_s > 0) return false;
  scenario.timeseries_interval_s = scenario.duration_s / kTimelineCounterSamples;
  return true;
}

// Writes the run's Chrome trace to --timeline (atomically); a cut one gets one warning line.
inline void write_timeline(const analysis::ScenarioResult& result, const std::string& path) {
  const analysis::HostResult& host = result.hosts.at(0);
  if (!host.timeline) throw CliError{"error: internal: the engine recorded no timeline", kExitInternal};
  const analysis::ChromeTrace trace = analysis::render_chrome_trace(result, host, *host.timeline);
  emit_text(trace.json, {"json", path});
  if (trace.dropped > 0)
    std::fprintf(stderr, "warning: --timeline %s: %zu events past the cap of %zu were not written (see its otherData.truncated)\n",
                 shown(path).c_str(), trace.dropped, kMaxTimelineEvents);
}

inline void run_command(const RunOptions& options) {
  config::Scenario scenario = load(options.scenario_path, options.policy);
  if (scenario.hosts.empty()) throw CliError{"error: " + scenario.path + " defines no hosts"};
  set_timeseries(scenario, options.timeseries_interval, options.output, !options.against.empty());
  std::vector<analysis::RecordedSample> recording;
  if (!options.against.empty()) {
    recording = read_recording(options.against);
    if (scenario.timeseries_interval_s <= 0)
      scenario.timeseries_interval_s = analysis::comparison_bucket_s(recording, scenario.duration_s);
  }
  const std::size_t index = options.host.empty() ? 0 : find_host(scenario, options.host);
  check_output(options.output);
  const bool series_for_timeline_only = set_timeline(scenario, options);
  const engine::SimulateHostFn simulate_host = engine_or_fail();
  stop_run_on_signals();
  analysis::ScenarioResult result = empty_result(scenario);
  SimTimeProgress progress("run", scenario.duration_s, {scenario.hosts[index].name});
  scenario.clock_out_s = progress.clock(0);
  try {
    result.hosts.push_back(simulate_host(scenario, scenario.hosts[index]));
  } catch (const config::ConfigError& e) {  // e.g. a bad trace row found while replaying
    throw CliError{e.what()};
  } catch (const engine::InternalError& e) {  // "internal: simulation of host '...' failed: ..."
    throw CliError{std::string("error: ") + e.what(), kExitInternal};
  } catch (const std::exception& e) {
    throw CliError{"error: simulation of host '" + scenario.hosts[index].name + "' failed: " + e.what(),
                   kExitInternal};
  }
  progress.finish();
  if (!options.timeline.empty()) write_timeline(result, options.timeline);
  if (!options.against.empty()) {
    analysis::Comparison comparison =
        analysis::compare_with_recording(result.hosts[0], recording, scenario.timeseries_interval_s);
    comparison.scenario = scenario.name;
    comparison.capture = options.against;
    emit_text(analysis::render_comparison(comparison, *analysis::parse_format(options.output.format)), options.output);
    return;
  }
  if (series_for_timeline_only) {
    result.hosts[0].timeseries.clear();
    result.hosts[0].timeseries_interval_s = 0;
  }
  emit(result, options.output);
}

inline void compare_command(const CompareOptions& options) {
  config::Scenario scenario = load(options.scenario_path, options.policy);
  set_timeseries(scenario, options.timeseries_interval, options.output);
  std::vector<std::size_t> chosen;
  if (options.hosts.empty()) {
    for (std::size_t i = 0; i < scenario.hosts.size(); ++i) chosen.push_back(i);
  } else {
    for (const std::string& name : options.hosts) {
      const std::size_t index = find_host(scenario, name);
      if (std::find(chosen.begin(), chosen.end(), index) != chosen.end()) {
        throw CliError{"error: host '" + shown(name) + "' is given twice in --hosts"};
      }
      chosen.push_back(index);
    }
  }
  if (chosen.empty()) throw CliError{"error: " + scenario.path + " defines no hosts"};
  std::vector<std::string> names;
  for (std::size_t i : chosen) names.push_back(scenario.hosts[i].name);
  check_output(options.output);
  // Loaded once here, before the children fork, so each inherits it instead of loading it again.
  const engine::SimulateHostFn simulate_host = engine_or_fail();
  analysis::ScenarioResult result = empty_result(scenario);
  SimTimeProgress progress("compare", scenario.duration_s, names);  // the clocks' mapping is made before the forks
  try {
    result.hosts = run_hosts_in_children(
        names,
        [&](std::size_t k) {
          config::Scenario published = scenario;  // in the child: its clock goes to the parent's line
          published.clock_out_s = progress.clock(k);
          return simulate_host(published, scenario.hosts[chosen[k]]);
        },
        std::max<std::size_t>(options.jobs, 1));
  } catch (const HostRunError& e) {
    throw CliError{e.what(), e.exit_code()};
  }
  progress.finish();
  emit(result, options.output);
}

}  // namespace headroom::cli
