// headroom: command-line entry point. Subcommands live in sim/cli/; each prints its own --help.
//   headroom run SCENARIO [--host NAME] [--policy P] [--format md|json|csv] [--out FILE]
//   headroom compare SCENARIO [--hosts A,B] [--jobs N] [--policy P] [--format md|json|csv] [--out FILE]
//   headroom hosts | headroom models   (list the catalogs)
//   headroom cache TRACE --policy P[,P...] --frames N[,N...]   (reference-trace replay, sim/trace)
//   headroom mrc TRACE   (exact LRU miss-ratio curve; marks 96 GiB and 128 GiB)
// Exit status: 0 success, 1 internal failure (a simulation crashed), 2 bad input (scenario, trace,
// command line, output path), always with a one-line "error: ..." or "FILE:LINE:COL: error: ..."
// message on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "sim/cli/catalog_commands.hpp"
#include "sim/cli/commands.hpp"
#include "sim/trace/cli.hpp"

namespace {

using headroom::cli::OutputOptions;

void add_policy_option(CLI::App& command, std::string& policy) {
  command.add_option("--policy", policy,
                     "eviction policy for every host, overriding the scenario's memory.policy "
                     "(one of: " + headroom::cli::online_policy_names() + ")");
}

void add_output_options(CLI::App& command, OutputOptions& output) {
  command.add_option("--format", output.format, "output format")
      ->check(CLI::IsMember({"md", "json", "csv"}))
      ->capture_default_str();
  command.add_option("--out", output.out_path,
                     "write the report to FILE (atomically: temporary file + rename); default stdout");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"headroom: simulate memory pressure of AI workloads and compare hosts "
               "(e.g. 96 GiB vs 128 GiB of RAM)"};
  app.require_subcommand(1);

  headroom::cli::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "simulate one host of a scenario in this process");
  run_cmd->add_option("scenario", run.scenario_path, "scenario YAML file")->required();
  run_cmd->add_option("--host", run.host, "host name from the scenario (default: its first host)");
  add_policy_option(*run_cmd, run.policy);
  add_output_options(*run_cmd, run.output);

  headroom::cli::CompareOptions compare;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "simulate several hosts of a scenario (one child process each) side by side");
  compare_cmd->add_option("scenario", compare.scenario_path, "scenario YAML file")->required();
  compare_cmd->add_option("--hosts", compare.hosts, "comma-separated host names (default: all, in scenario order)")
      ->delimiter(',');
  compare_cmd->add_option("--jobs", compare.jobs, "simulations running at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_policy_option(*compare_cmd, compare.policy);
  add_output_options(*compare_cmd, compare.output);

  CLI::App* hosts_cmd = app.add_subcommand("hosts", "list the host catalog (models/catalog/hosts.yaml)");
  CLI::App* models_cmd = app.add_subcommand("models", "list the LLM catalog with file sizes per quantization");

  // cache and mrc run inside parse (their callbacks) and report through trace_exit.
  int trace_exit = headroom::cli::kExitOk;
  headroom::trace::add_trace_commands(app, trace_exit);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the usage error
    return code == 0 ? 0 : headroom::cli::kExitBadInput;
  }

  if (app.got_subcommand("cache") || app.got_subcommand("mrc")) return trace_exit;

  try {
    if (*run_cmd) headroom::cli::run_command(run);
    if (*compare_cmd) headroom::cli::compare_command(compare);
    if (*hosts_cmd) headroom::cli::hosts_command();
    if (*models_cmd) headroom::cli::models_command();
  } catch (const headroom::cli::CliError& e) {
    std::fprintf(stderr, "%s\n", e.message.c_str());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return headroom::cli::kExitInternal;
  }
  return headroom::cli::kExitOk;
}
