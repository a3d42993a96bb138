// `headroom capture`: samples a process, a memory cgroup or the host into the memory-series CSV
// (sim/capture/README.md). Refusals: one line, exit 2. A capture ends at --duration, when its
// process exits or its cgroup is removed, or on SIGINT/SIGTERM/SIGHUP: each way writes every
// sample taken, says so in one line on stderr and exits 0.
#pragma once

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "sim/capture/capture.hpp"
#include "sim/cli/commands.hpp"
#include "sim/config/units.hpp"

namespace headroom::cli {

struct CaptureCliOptions {
  capture::Options options;
  long long pid = 0;
  std::string cgroup, interval = "1s", duration;
  bool system = false;
};

// A positive duration with a unit ("1s", "250ms", "10min").
inline CLI::Validator positive_duration() {
  return CLI::Validator(
      [](std::string& value) {
        try {
          const double seconds = config::parse_duration_s(value);
          if (seconds > 0 && std::isfinite(seconds)) return std::string();
        } catch (const config::UnitError&) {
        }
        return "expected a positive duration such as 1s or 250ms, found '" + shown(value) + "'";
      },
      "");
}

inline CLI::App* add_capture_command(CLI::App& app, CaptureCliOptions& o) {
  CLI::App* command = app.add_subcommand(
      "capture", "record a process's, a memory cgroup's or this host's memory over time as a memory-series CSV "
                 "(time,rss,anon,file,swap,pgmajfault,pswpin,pswpout,psi_some_us,psi_full_us) that a `recorded` "
                 "workload and `run --against` read");
  auto* pid = command->add_option("--pid", o.pid, "the process to sample (/proc/PID/status, /proc/PID/stat)")
                  ->check(CLI::Validator(
                      [](std::string& value) {
                        const bool ok = !value.empty() && value.size() <= 10 &&
                                        value.find_first_not_of("0123456789") == std::string::npos &&
                                        std::stoll(value) >= 1 && std::stoll(value) <= 4194304;
                        return ok ? std::string()
                                  : "expected a process id from 1 to 4194304, found '" + shown(value) + "'";
                      },
                      ""));
  auto* cgroup = command->add_option("--cgroup", o.cgroup, "a memory cgroup directory (v1 or v2) to sample");
  auto* system = command->add_flag("--system", o.system, "sample the whole host (/proc/meminfo, /proc/vmstat)");
  pid->excludes(cgroup)->excludes(system);
  cgroup->excludes(system);
  command->add_option("--interval", o.interval, "time between samples")->check(positive_duration())->capture_default_str();
  command->add_option("--duration", o.duration, "stop after this long (default: until Ctrl-C or the source ends)")
      ->check(positive_duration());
  command->add_option("--out", o.options.out, "the CSV to write (FILE.tmp while capturing, renamed at the end)")
      ->required()
      ->check(CLI::Validator(
          [](std::string& value) { return value.empty() ? "expected a file path, found an empty value" : ""; }, ""));
  return command;
}

inline void capture_command(CaptureCliOptions& o) {
  const int sources = (o.pid != 0) + !o.cgroup.empty() + o.system;
  if (sources != 1) throw CliError{"error: capture: expected one of --pid PID, --cgroup PATH or --system"};
  capture::Options& options = o.options;
  options.kind = o.pid != 0 ? capture::SourceKind::pid : !o.cgroup.empty() ? capture::SourceKind::cgroup
                                                                          : capture::SourceKind::system;
  options.pid = static_cast<pid_t>(o.pid);
  options.cgroup = o.cgroup;
  options.interval_text = o.interval;
  options.interval_s = config::parse_duration_s(o.interval);
  if (!o.duration.empty()) options.duration_s = config::parse_duration_s(o.duration);
  capture::Outcome outcome;
  try {
    outcome = capture::run(options);
  } catch (const capture::CaptureError& e) {
    throw CliError{std::string("error: capture: ") + e.what(), kExitBadInput};
  }
  std::string why = outcome.stop_signal ? std::string("stopped by SIG") + sigabbrev_np(outcome.stop_signal)
                    : !outcome.source_ended.empty() ? outcome.source_ended
                                                    : "reached --duration " + o.duration;
  std::fprintf(stderr, "capture: %s; wrote %zu samples to %s\n", why.c_str(), outcome.samples,
               shown(options.out, 200).c_str());
}

}  // namespace headroom::cli
