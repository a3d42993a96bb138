// `headroom report RESULTS... [--format md|csv|json|html] [--out FILE]`: tables (and, in html,
// plots) from results already computed: `run`/`compare --format json` files, sweep directories
// and `mrc --format json` files (analysis/report_inputs.hpp, analysis/report_render.hpp). Nothing is
// simulated. Every input is read and checked before anything is written; a bad one is one line
// naming the file (and the JSON line and column of a syntax error), exit 2.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "analysis/report_render.hpp"
#include "sim/cli/commands.hpp"

namespace headroom::cli {

struct ReportOptions {
  std::vector<std::string> inputs;
  OutputOptions output;
};

inline CLI::App* add_report_command(CLI::App& app, ReportOptions& options) {
  CLI::App* command = app.add_subcommand(
      "report", "tables (md, csv, json) or one self-contained HTML page with plots from run/compare JSON files, "
                "sweep directories and mrc JSON files");
  command->add_option("results", options.inputs,
                      "JSON of `run`/`compare --format json`, a `sweep --out` directory, or JSON of `mrc --format json`")
      ->required();
  command->add_option("--format", options.output.format, "output format: md, csv, json or html")
      ->capture_default_str();  // checked in report_command, worded as the other commands' --format
  command->add_option("--out", options.output.out_path,
                      "write the report to FILE ('-': stdout, the default), replaced atomically");
  return command;
}

inline void report_command(const ReportOptions& options) {
  const auto format = analysis::parse_report_format(options.output.format);
  if (!format) throw CliError{"error: --format: expected md, csv, json or html, found '" + shown(options.output.format) + "'"};
  check_output(options.output);
  std::vector<analysis::ReportInput> inputs;
  try {
    for (const std::string& path : options.inputs) inputs.push_back(analysis::load_report_input(path));
  } catch (const analysis::ReportInputError& e) {
    throw CliError{e.what()};
  }
  emit_text(analysis::render_report(inputs, *format), options.output);
}

}  // namespace headroom::cli
