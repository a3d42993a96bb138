// The process fan-out of `headroom compare` (sim/cli/host_runner.hpp, header-only; it needs only
// analysis/ and the ConfigError header, so it is tested here with fake simulations).
#include <doctest/doctest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "fixtures.hpp"
#include "sim/cli/host_runner.hpp"

using namespace headroom;
using headroom::analysis::testing::small_host;

namespace {
analysis::HostResult named(std::size_t index) {
  analysis::HostResult h = small_host("host" + std::to_string(index), 96 + 32 * index);
  h.horizon_s = 0.5 + static_cast<double>(index) / 3.0;  // a non-trivial double to round-trip
  return h;
}
}  // namespace

TEST_CASE("host runner returns every child's result in host order") {
  const std::vector<std::string> names{"a", "b", "c", "d", "e"};
  const auto results = cli::run_hosts_in_children(names, named, 2);
  REQUIRE(results.size() == names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(results[i].name == "host" + std::to_string(i));
    CHECK(results[i].horizon_s == 0.5 + static_cast<double>(i) / 3.0);
    // A child ships the summary, not the request records (analysis::summarised).
    CHECK(results[i].workloads.at(0).data == nullptr);
    REQUIRE(results[i].summary != nullptr);
    CHECK(results[i].summary->workloads.at(0).kind.metrics.at("requests_arrived") == 2);
  }
}

TEST_CASE("a crashing child is reported by host name with exit status 1") {
  try {
    cli::run_hosts_in_children({"good", "bad"}, [](std::size_t i) {
      if (i == 1) std::abort();
      return named(i);
    }, 2);
    FAIL("expected HostRunError");
  } catch (const cli::HostRunError& e) {
    CHECK(std::string(e.what()) == "error: simulation of host 'bad' crashed with signal 6 (Aborted)");
    CHECK(e.exit_code() == cli::kExitInternal);
  }
}

TEST_CASE("a ConfigError in a child keeps its message and exit status 2") {
  try {
    cli::run_hosts_in_children({"only"}, [](std::size_t) -> analysis::HostResult {
      throw config::ConfigError("trace.csv", 7, 1, "expected 3 fields, found 2");
    }, 2);
    FAIL("expected HostRunError");
  } catch (const cli::HostRunError& e) {
    CHECK(std::string(e.what()) == "trace.csv:7:1: error: expected 3 fields, found 2");
    CHECK(e.exit_code() == cli::kExitBadInput);
  }
}

TEST_CASE("an internal error names the host, no new child starts after a failure") {
  namespace fs = std::filesystem;
  const fs::path marker = fs::temp_directory_path() / ("hr-runner-" + std::to_string(::getpid()));
  fs::remove(marker);
  try {
    cli::run_hosts_in_children({"x", "y", "z"}, [&](std::size_t i) -> analysis::HostResult {
      if (i == 1) throw std::runtime_error("no platform");
      if (i == 2) std::ofstream(marker) << "started";
      return named(i);
    }, 1);
    FAIL("expected HostRunError");
  } catch (const cli::HostRunError& e) {
    CHECK(std::string(e.what()) == "error: simulation of host 'y' failed: no platform");
    CHECK(e.exit_code() == cli::kExitInternal);
  }
  CHECK_FALSE(fs::exists(marker));
}

TEST_CASE("an engine InternalError reads in compare exactly as run prints it") {
  // simulate_host's InternalError says "internal: simulation of host 'NAME' failed: ..."; `run`
  // prints it after "error: ", and compare must give the same one line for that host.
  try {
    cli::run_hosts_in_children({"m2"}, [](std::size_t) -> analysis::HostResult {
      throw std::runtime_error("internal: simulation of host 'm2' failed: actor 'chat': broken invariant");
    }, 1);
    FAIL("expected HostRunError");
  } catch (const cli::HostRunError& e) {
    CHECK(std::string(e.what()) == "error: internal: simulation of host 'm2' failed: actor 'chat': broken invariant");
    CHECK(e.exit_code() == cli::kExitInternal);
  }
}
