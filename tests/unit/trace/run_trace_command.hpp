// Runs the `cache` / `mrc` subcommands end to end through CLI11, as sim/main.cpp does, capturing
// their exit status, stdout and stderr. Shared by the trace CLI tests.
#pragma once

#include <CLI/CLI.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "sim/trace/cli.hpp"

namespace headroom::trace::test {

struct Run {
  int exit_code = -1;
  std::string out, err;
};

inline Run run(const std::vector<std::string>& args) {
  CLI::App app{"headroom"};
  app.require_subcommand(1);
  Run r;
  std::ostringstream out, err;
  add_trace_commands(app, r.exit_code, out, err);
  std::vector<const char*> argv{"headroom"};
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    r.exit_code = app.exit(e, out, err);
  }
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace headroom::trace::test
