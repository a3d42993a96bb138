// The claims file of `headroom audit` (sim/config/claims.hpp): the shipped scenarios/claims/claims.yaml
// names every claim of issue 11 and every claims scenario, with hosts of 96 and 128 GiB; a bad
// entry is refused at its line and column. The command-line side is tests/malformed/cli/audit_*.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "sim/config/claims.hpp"
#include "sim/config/error.hpp"

using namespace headroom::config;

namespace {

const std::string kSource = HEADROOM_SOURCE_DIR;

}  // namespace

TEST_CASE("claims: the shipped file names the issue's nine claims and the two desktop-GPU scenarios") {
  const ClaimsFile file = load_claims(kSource + "/scenarios/claims/claims.yaml");
  std::vector<std::string> ids;
  for (const Claim& claim : file.claims) ids.push_back(claim.id);
  CHECK(ids == std::vector<std::string>{"70b", "corpus", "ensemble", "replicas", "finetune", "batches", "rl", "video",
                                        "vms", "gpu-70b", "gpu-finetune"});
  for (const Claim& claim : file.claims) {
    CHECK(!claim.cases.empty());
    const Scenario& scenario = file.scenarios.at(claim.scenario_path);
    for (const HostSpec& host : scenario.hosts) {
      if (host.name == claim.host_96) CHECK(host.ram_bytes == std::uint64_t{96} << 30);
      if (host.name == claim.host_128) CHECK(host.ram_bytes == std::uint64_t{128} << 30);
    }
  }
  // Only the replicas claim asks for capacity at SLO.
  CHECK(file.claims[3].capacity.has_value());
  CHECK(file.claims[3].capacity->workload == "front");
  CHECK_FALSE(file.claims[0].capacity.has_value());
}

TEST_CASE("claims: every claims scenario is audited, paths resolved against the claims file's folder") {
  const ClaimsFile file = load_claims(kSource + "/scenarios/claims/claims.yaml");
  std::set<std::string> audited;
  for (const auto& [path, scenario] : file.scenarios) audited.insert(std::filesystem::path(path).filename().string());
  for (const auto& entry : std::filesystem::directory_iterator(kSource + "/scenarios/claims")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".yaml" && name != "claims.yaml") CHECK_MESSAGE(audited.count(name) == 1, name);
  }
  // ../default.yaml from scenarios/claims/ is scenarios/default.yaml, lexically normal.
  CHECK(file.claims[0].cases[0].scenario_path == kSource + "/scenarios/default.yaml");
  CHECK(file.claims[0].cases[0].figure.workload == "chat");
  CHECK(file.claims[0].cases[0].figure.higher_is_better);
  CHECK(file.claims[0].cases[2].figure.metric == "step_time_s");
  CHECK_FALSE(file.claims[0].cases[2].figure.higher_is_better);
}

TEST_CASE("claims: a bad entry is a ConfigError at its line and column") {
  const std::string path = std::filesystem::temp_directory_path() / "headroom_claims_test.yaml";
  {
    std::ofstream out(path);
    out << "claims:\n"
           "  - id: x\n"
           "    claim: y\n"
           "    scenario: " << kSource << "/scenarios/claims/router-replicas.yaml\n"
           "    hosts: [ddr5-2x48, ddr5-4x32]\n"
           "    cases:\n"
           "      - {name: a, workload: front, metric: ttft_s.p50, unit: s, better: up}\n";
  }
  try {
    load_claims(path);
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.line() == 7);
    CHECK(e.column() == 73);  // the value `up`
    CHECK(std::string(e.what()).find("better: expected higher or lower, found 'up'") != std::string::npos);
  }
  std::filesystem::remove(path);
}
