// headroom_trace_cli: the `cache` and `mrc` subcommands exactly as `headroom` runs them
// (sim/trace/cli.cpp), in an executable linked only with the trace, mm and config areas: no
// SimGrid. Benchmarks only (tests/bench/compare_naive.sh): its whole-process time is the cost of
// `headroom cache` after main() starts, plus a small process's start-up.
#include <CLI/CLI.hpp>

#include "sim/trace/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"headroom (trace commands only)"};
  app.require_subcommand(1);
  int exit_code = 0;
  headroom::trace::add_trace_commands(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
