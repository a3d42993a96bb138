// sim/sweep/plan: from the command line to validated work. Every point's scenario is loaded (one
// per parameter combination, shared by its hosts) before anything runs, so a bad value anywhere in
// the grid is bad input, reported at its --set, and no simulation starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/sweep/files.hpp"

namespace headroom::sweep {

struct PlanInput {
  std::string scenario_path;
  std::vector<std::string> sets;   // "PATH=V1,V2", in --set order
  std::vector<std::string> hosts;  // --hosts; empty: the scenario's hosts
  std::string policy;              // --policy (recorded in sweep.json; checked by the caller)
  std::string timeseries_interval; // --timeseries-interval as given (recorded; applied by the caller)
  std::string catalog_dir;         // empty: config::default_catalog_dir()
};

struct Plan {
  SweepSpec spec;
  std::vector<config::Scenario> scenarios;  // per combination (Point::combination)
  std::vector<std::size_t> host_index;      // per point: its host in scenarios[combination].hosts
};

// Throws SweepError (a --set, --hosts problem) or config::ConfigError (the file, or a value at its
// --set: "error: --set PATH=VALUE: ...").
Plan make_plan(const PlanInput& input);

}  // namespace headroom::sweep
