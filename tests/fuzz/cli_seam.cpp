// The seam the CLI harness (fuzz_cli.cpp) uses, without changing sim/main.cpp: main.cpp is
// compiled here again with main() renamed headroom_main(), and the two calls that would simulate
// (run_command, compare_command) renamed to fuzz_run_command / fuzz_compare_command, which the
// harness defines to do everything those commands do before simulating (scenario load, policy and
// host checks). SimGrid allows one engine per process and compare forks, so a fuzzer cannot run them.
// When main.cpp gains an app-building function (issue 6), fuzz that instead and drop this file.
#include "sim/cli/calibrate_command.hpp"
#include "sim/cli/commands.hpp"  // first, so that the renames below reach main.cpp's calls only

namespace headroom::cli {
void fuzz_run_command(const RunOptions& options);
void fuzz_compare_command(const CompareOptions& options);
// `calibrate` measures the real machine (files, swap, cgroups): the harness fuzzes its option
// parsing only and never runs it.
inline void fuzz_calibrate_command(const calibrate::Options&) {}
}  // namespace headroom::cli

#define run_command fuzz_run_command
#define compare_command fuzz_compare_command
#define calibrate_command fuzz_calibrate_command
#define main headroom_main
#define HEADROOM_VERSION "0.0.0 (fuzz)"  // CMakeLists.txt defines it for the headroom target only
#include "sim/main.cpp"
