// Fuzzes the command-line layer (sim/main.cpp's CLI11 setup and the trace commands it calls)
// through the seam in cli_seam.cpp.
//   - any command line ends with exit status 0 or 2 (bad input), never 1 (an internal error),
//     a crash, an escaping exception or a hang;
// Input: the arguments, one a line (as in tests/malformed/cli/*.args). Arguments naming the fixture
// files "SCENARIO", "TRACE", "TRACE_CSV" and "TRACE_GZ" are replaced by the paths of a small
// scenario and traces. For safety an input with "--out" (which writes files) or any argument
// containing '/' (other files) is skipped. stdout goes to /dev/null.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "sim/cli/commands.hpp"
#include "tests/fuzz/fuzz_common.hpp"

int headroom_main(int argc, char** argv);

namespace headroom::cli {

// run_command without simulate_host and emit.
void fuzz_run_command(const RunOptions& options) {
  const config::Scenario scenario = load(options.scenario_path, options.policy);
  if (scenario.hosts.empty()) throw CliError{"error: " + scenario.path + " defines no hosts"};
  if (!options.host.empty()) find_host(scenario, options.host);
  if (!analysis::parse_format(options.output.format)) throw CliError{"error: unknown format"};
}

// compare_command without run_hosts_in_children and emit.
void fuzz_compare_command(const CompareOptions& options) {
  const config::Scenario scenario = load(options.scenario_path, options.policy);
  std::vector<std::size_t> chosen;
  for (const std::string& name : options.hosts) {
    const std::size_t index = find_host(scenario, name);
    if (std::find(chosen.begin(), chosen.end(), index) != chosen.end())
      throw CliError{"error: host '" + name + "' is given twice in --hosts"};
    chosen.push_back(index);
  }
  if (scenario.hosts.empty()) throw CliError{"error: " + scenario.path + " defines no hosts"};
  if (!analysis::parse_format(options.output.format)) throw CliError{"error: unknown format"};
}

}  // namespace headroom::cli

namespace {

std::string fixture(const std::string& arg) {
  if (arg == "SCENARIO") return HEADROOM_SOURCE_DIR "/scenarios/default.yaml";
  if (arg == "TRACE") return HEADROOM_SOURCE_DIR "/tests/data/traces/belady_anomaly.txt";
  if (arg == "TRACE_CSV") return HEADROOM_SOURCE_DIR "/tests/data/traces/sized.csv";
  if (arg == "TRACE_GZ") return HEADROOM_SOURCE_DIR "/tests/data/traces/textbook.txt.gz";
  return arg;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const int null = open("/dev/null", O_WRONLY);
  if (null >= 0) dup2(null, STDOUT_FILENO);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> args{"headroom"};
  std::string arg;
  for (std::size_t i = 0; i <= size; ++i) {
    if (i == size || data[i] == '\n') {
      if (i < size || !arg.empty()) args.push_back(fixture(arg));
      arg.clear();
    } else {
      arg += static_cast<char>(data[i]);
    }
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool fixture_path = a.rfind(HEADROOM_SOURCE_DIR, 0) == 0;
    if (a.find("--out") != std::string::npos || (!fixture_path && a.find('/') != std::string::npos)) return -1;
  }
  if (args.size() > 32) return -1;
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int status = 0;
  try {
    status = headroom_main(static_cast<int>(args.size()), argv.data());
  } catch (const std::exception& e) {
    headroom::fuzz::fail("no exception escapes main", e.what());
  } catch (...) {
    headroom::fuzz::fail("no exception escapes main", "a non-std exception");
  }
  if (status != 0 && status != 2) {
    std::string line;
    for (const auto& a : args) line += "'" + a + "' ";
    headroom::fuzz::fail("exit status 0 or 2", "status " + std::to_string(status) + " for " + line);
  }
  return 0;
}
