// `headroom calibrate`: measures this Linux host and writes a host file (sim/calibrate/README.md).
// Errors: one line, exit 2 (refusals, impossible measurements, unwritable --out); SIGINT/SIGTERM
// stop it after everything it created is removed, exit 128 + N.
#pragma once

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstring>

#include "analysis/output_file.hpp"
#include "sim/calibrate/calibrate.hpp"
#include "sim/cli/commands.hpp"

namespace headroom::cli {

// A host id: what a scenario's `hosts:` names it by.
inline CLI::Validator host_id() {
  return CLI::Validator(
      [](std::string& value) {
        const bool ok = !value.empty() && value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                  "0123456789._-") == std::string::npos;
        return ok ? std::string() : "expected a host id of letters, digits, '.', '_' or '-', found '" + shown(value) + "'";
      },
      "");
}

inline CLI::App* add_calibrate_command(CLI::App& app, calibrate::Options& options) {
  CLI::App* command = app.add_subcommand(
      "calibrate", "measure this Linux host (disk, memory, page faults; --swap: swap cost) and write a host file "
                   "that scenarios name through host_files:");
  command->add_option("--path", options.dir, "directory on the disk to measure; test files go there")
      ->capture_default_str();
  command->add_flag("--swap", options.swap,
                    "also measure the per-page swap cost (root: temporary swap file and memory cgroup)");
  command->add_option("--name", options.name, "host id in the output")->check(host_id())->capture_default_str();
  command->add_option("--repeat", options.repeat, "repetitions of each figure (1 to 20)")
      ->check(CLI::Validator(
          [](std::string& value) {
            return value.find_first_not_of("0123456789") == std::string::npos && !value.empty() && value.size() <= 2 &&
                           std::stoi(value) >= 1 && std::stoi(value) <= 20
                       ? std::string()
                       : "expected a whole number from 1 to 20, found '" + shown(value) + "'";
          },
          ""))
      ->capture_default_str();
  command->add_option("--out", options.out, "the host file to write (replaced atomically)")->required();
  return command;
}

inline void calibrate_command(const calibrate::Options& options) {
  try {
    calibrate::run(options);
  } catch (const calibrate::CalibrateError& e) {
    throw CliError{std::string("error: calibrate: ") + e.what(), kExitBadInput};
  } catch (const analysis::OutputError& e) {
    throw CliError{std::string("error: ") + e.what(), kExitBadInput};
  } catch (const calibrate::Interrupted& stop) {
    throw CliError{std::string("error: calibrate interrupted by SIG") + sigabbrev_np(stop.signal) +
                       "; every file, swap file and cgroup it created was removed",
                   kExitSignalBase + stop.signal};
  }
}

}  // namespace headroom::cli
