// headroom: command-line entry point. Subcommands live in sim/cli/; each prints its own --help.
//   headroom run SCENARIO [--host NAME] [--policy P] [--format md|json|csv] [--out FILE]
//   headroom compare SCENARIO [--hosts A,B] [--jobs N] [--policy P] [--format md|json|csv] [--out FILE]
//   headroom hosts | headroom models   (list the catalogs)
//   headroom cache TRACE --policy P[,P...] --frames N[,N...]   (reference-trace replay, sim/trace)
//   headroom mrc TRACE   (exact LRU miss-ratio curve; marks 96 GiB and 128 GiB)
//   headroom trace stats FILE...   (request traces: rows, rates, token percentiles; sim/trace/requests)
//   headroom calibrate [--path DIR] [--swap] [--name ID] [--repeat N] --out FILE   (sim/calibrate)
//   headroom report RESULTS... [--format md|csv|json|html] [--out FILE]   (tables and plots of results)
//   headroom capture --pid PID | --cgroup PATH | --system [--interval 1s] [--duration D] --out FILE   (sim/capture)
// Exit status: 0 success, 1 internal failure (a simulation crashed), 2 bad input (scenario, trace,
// command line, output path), 128 + N when stopped by signal N (SIGINT 130, SIGTERM 143), always
// with a one-line "error: ..." or "FILE:LINE:COL: error: ..." message on stderr.
// Only `run` and `compare` load the simulation engine (SimGrid); see sim/cli/engine_loader.hpp.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>

#include "sim/cli/calibrate_command.hpp"
#include "sim/cli/capture_command.hpp"
#include "sim/cli/catalog_commands.hpp"
#include "sim/cli/commands.hpp"
#include "sim/cli/report_command.hpp"
#include "sim/text.hpp"
#include "sim/trace/cli.hpp"
#include "sim/trace/requests/stats_command.hpp"

namespace {

using headroom::shown;
using headroom::cli::OutputOptions;

// An option whose empty value would silently mean its default (`--host ''` = the first host).
CLI::Validator non_empty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) {
        return value.empty() ? "expected " + what + ", found an empty value" : std::string();
      },
      "");
}

CLI::Validator one_of(std::vector<std::string> names) {
  return CLI::Validator(
      [names](std::string& value) {
        std::string list;
        for (std::size_t i = 0; i < names.size(); ++i)
          list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
        for (const auto& name : names)
          if (value == name) return std::string();
        return "expected " + list + ", found '" + shown(value) + "'";
      },
      "");
}

CLI::Validator whole_number(unsigned long long min, unsigned long long max) {
  return CLI::Validator(
      [min, max](std::string& value) {
        unsigned long long n = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
        if (value.empty() || error != std::errc() || end != value.data() + value.size() || n < min || n > max)
          return "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                 ", found '" + shown(value) + "'";
        return std::string();
      },
      "");
}

// "a,b" -> {a, b}; an empty name anywhere ("a,,b", "a,") is refused by host_list() first.
std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::size_t begin = 0;
  for (std::size_t comma; (comma = text.find(',', begin)) != std::string::npos; begin = comma + 1)
    names.push_back(text.substr(begin, comma - begin));
  names.push_back(text.substr(begin));
  return names;
}

CLI::Validator host_list() {
  return CLI::Validator(
      [](std::string& value) {
        for (const std::string& name : split_names(value))
          if (name.empty())
            return "expected comma-separated host names, found an empty name in '" + shown(value) + "'";
        return std::string();
      },
      "");
}

void add_scenario_argument(CLI::App& command, std::string& path) {
  command.add_option("scenario", path, "scenario YAML file")->required()->check(non_empty("a scenario file"));
}

void add_policy_option(CLI::App& command, std::string& policy) {
  command.add_option("--policy", policy,
                     "eviction policy for every host, overriding the scenario's memory.policy "
                     "(one of: " + headroom::cli::online_policy_names() + ")")
      ->check(non_empty("a policy name"));
}

void add_output_options(CLI::App& command, OutputOptions& output) {
  command.add_option("--format", output.format, "output format: md, json or csv")
      ->check(one_of({"md", "json", "csv"}))
      ->capture_default_str();
  command.add_option("--out", output.out_path,
                     "write the report to FILE ('-': stdout, the default). A file is replaced atomically "
                     "(temporary file + rename) keeping its mode; a symbolic link is followed and its "
                     "target replaced; a device or FIFO is written in place. Checked before simulating.")
      ->check(non_empty("a file path"));
}

// The commands, for messages; CLI11 knows them once they are declared.
std::string command_names(const CLI::App& app) {
  std::string names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; }))
    names += (names.empty() ? "" : ", ") + command->get_name();
  return names;
}

// CLI11 says "A subcommand is required" for `headroom x` and `headroom trace x` alike; say which word
// was not a command, at either level. `what` is "" for the top level, else the command's name
// ("trace"); `word` is the argument index of the word that must name one of `app`'s commands.
// Returns false (after printing the error) when that word is neither an option nor a command.
bool known_command(const CLI::App& app, int argc, char** argv, const std::string& what = "", int word = 1) {
  const std::string kind = what.empty() ? "command" : what + " command";
  const std::string help = what.empty() ? "headroom --help" : "headroom " + what + " --help";
  if (argc <= word) {
    std::fprintf(stderr, "error: a %s is required (commands: %s); see %s\n", kind.c_str(),
                 command_names(app).c_str(), help.c_str());
    return false;
  }
  const std::string first = argv[word];
  if (first == "-h" || first == "--help" || (what.empty() && first == "--version")) return true;
  if (!first.empty() && first[0] == '-') {
    std::fprintf(stderr, "error: unknown option '%s' before the %s (commands: %s)\n", shown(first).c_str(),
                 kind.c_str(), command_names(app).c_str());
    return false;
  }
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name() != first) continue;
    // A command that has commands of its own (`trace stats`) needs one too.
    if (command->get_subcommands([](const CLI::App*) { return true; }).empty()) return true;
    return known_command(*command, argc, argv, what.empty() ? first : what + " " + first, word + 1);
  }
  std::fprintf(stderr, "error: unknown %s '%s' (commands: %s)\n", kind.c_str(), shown(first).c_str(),
               command_names(app).c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"headroom: simulate memory pressure of AI workloads and compare hosts "
               "(e.g. 96 GiB vs 128 GiB of RAM)"};
  app.require_subcommand(1);
  // CMake's project(VERSION), with `git describe` of the source tree at configure time when it is a
  // git checkout (CMakeLists.txt); printed by `headroom --version`.
  app.set_version_flag("--version", std::string("headroom ") + HEADROOM_VERSION);

  headroom::cli::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "simulate one host of a scenario in this process");
  add_scenario_argument(*run_cmd, run.scenario_path);
  run_cmd->add_option("--host", run.host, "host name from the scenario (default: its first host)")
      ->check(non_empty("a host name"));
  add_policy_option(*run_cmd, run.policy);
  add_output_options(*run_cmd, run.output);
  run_cmd->add_option("--timeseries-interval", run.timeseries_interval,
                      "add the host's memory every DUR of simulated time (anon, file, swap, pgmajfault, "
                      "pswpin/out, PSI, each workload's RSS) to the JSON report")
      ->check(headroom::cli::positive_duration());
  run_cmd->add_option("--against", run.against,
                      "print the simulated host's memory counters next to a recorded memory series (a `headroom "
                      "capture` CSV or any series `recorded` reads), per time bucket with the error, instead of "
                      "the report (--format md, json or csv)")
      ->check(non_empty("a capture file"));

  headroom::cli::CompareOptions compare;
  CLI::App* compare_cmd = app.add_subcommand(
      "compare", "simulate several hosts of a scenario (one child process each) side by side");
  add_scenario_argument(*compare_cmd, compare.scenario_path);
  std::string compare_hosts;
  CLI::Option* hosts_option =
      compare_cmd->add_option("--hosts", compare_hosts, "comma-separated host names (default: all, in scenario order)")
          ->check(host_list());
  compare_cmd->add_option("--jobs", compare.jobs, "simulations running at once (1 to 64)")
      ->check(whole_number(1, 64))
      ->capture_default_str();
  add_policy_option(*compare_cmd, compare.policy);
  add_output_options(*compare_cmd, compare.output);

  CLI::App* hosts_cmd = app.add_subcommand("hosts", "list the host catalog (models/catalog/hosts.yaml)");
  CLI::App* models_cmd = app.add_subcommand("models", "list the LLM catalog with file sizes per quantization");

  headroom::calibrate::Options calibrate;
  CLI::App* calibrate_cmd = headroom::cli::add_calibrate_command(app, calibrate);

  headroom::cli::CaptureCliOptions capture;
  CLI::App* capture_cmd = headroom::cli::add_capture_command(app, capture);

  headroom::cli::ReportOptions report;
  CLI::App* report_cmd = headroom::cli::add_report_command(app, report);

  // cache and mrc run inside parse (their callbacks) and report through trace_exit.
  int trace_exit = headroom::cli::kExitOk;
  headroom::trace::add_trace_commands(app, trace_exit);
  headroom::reqtrace::add_trace_stats_command(app, trace_exit);  // `trace stats` (request traces)

  if (!known_command(app, argc, argv)) return headroom::cli::kExitBadInput;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    // One line, as every other error (CLI11 would add "Run with --help for more information.").
    std::fprintf(stderr, "error: %s\n", shown(e.what(), 4096).c_str());
    return headroom::cli::kExitBadInput;
  }

  if (app.got_subcommand("cache") || app.got_subcommand("mrc") || app.got_subcommand("trace")) return trace_exit;
  if (hosts_option->count() > 0) compare.hosts = split_names(compare_hosts);

  try {
    if (*run_cmd) headroom::cli::run_command(run);
    if (*compare_cmd) headroom::cli::compare_command(compare);
    if (*hosts_cmd) headroom::cli::hosts_command();
    if (*models_cmd) headroom::cli::models_command();
    if (*calibrate_cmd) headroom::cli::calibrate_command(calibrate);
    if (*capture_cmd) headroom::cli::capture_command(capture);
    if (*report_cmd) headroom::cli::report_command(report);
  } catch (const headroom::cli::CliError& e) {
    std::fprintf(stderr, "%s\n", e.message.c_str());
    return e.exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return headroom::cli::kExitInternal;
  }
  return headroom::cli::kExitOk;
}
