// sim/config/claims: the claims file of `headroom audit` (scenarios/claims/claims.yaml; schema in
// sim/config/README.md, "Claims file"). Each claim names a scenario, its 96 GB and 128 GB host, and
// the key figures to compare (a workload's metric from the result JSON, its unit, which direction
// is better), one per case. Everything is checked here, before anything is simulated: the
// scenarios load, the hosts are in them with 96 GiB and 128 GiB of RAM, the workloads exist.
// Whether a metric exists is known only once a result does: the audit reports a missing metric at
// its `metric:` line and column (ClaimFigure::line/column).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace headroom::config {

struct ClaimFigure {
  std::string workload;  // empty: the host's own figures (e.g. memory.stall_some_s)
  std::string metric;    // dotted path in the workload's "metrics" object (or in the host object)
  std::string unit;      // printed in the key figure's header
  bool higher_is_better = true;
  int line = 0, column = 0;  // of `metric:` in the claims file, for a metric no result has
};

struct ClaimCase {
  std::string name;           // e.g. "90 GiB loaded"
  std::string scenario_path;  // resolved against the claims file's folder, lexically normal
  ClaimFigure figure;
};

// Capacity at SLO (`headroom capacity`) of one request-serving workload, optional.
struct ClaimCapacity {
  std::string workload;
  std::string slo;  // as `capacity --slo` takes it: "ttft_p99=60s,tpot_p50=1s"
};

struct Claim {
  std::string id;    // unique, e.g. "70b"
  std::string text;  // the claim as people say it
  std::string scenario_path;
  std::string host_96, host_128;  // host names in the scenario with 96 GiB and 128 GiB of RAM
  std::vector<ClaimCase> cases;
  std::optional<ClaimCapacity> capacity;
};

struct ClaimsFile {
  std::string path;  // as given
  std::vector<Claim> claims;
  std::map<std::string, Scenario> scenarios;  // every scenario path a case names, loaded and validated
};

// Throws ConfigError at the offending node (FILE:LINE:COL), or a scenario's own ConfigError.
ClaimsFile load_claims(const std::string& path);

}  // namespace headroom::config
