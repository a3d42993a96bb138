// Workload kinds register by name: a new kind is one new file in models/workloads/ with one
// HEADROOM_REGISTER_WORKLOAD line; the engine looks kinds up here and never names them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/registry.hpp"

namespace headroom::engine {

struct Platform;
class HostMemory;

// Everything a workload may use; it outlives the simulation run.
struct WorkloadContext {
  const config::Scenario& scenario;
  const config::HostSpec& host;
  const config::WorkloadSpec& spec;  // the kind's own subclass (e.g. config::LlmServerSpec)
  std::size_t index;                 // position in scenario.workloads (seeds per workload)
  Platform& platform;
  HostMemory& memory;
  analysis::WorkloadResult& result;  // filled by the workload's actors as they run
};

struct WorkloadKind {
  std::string name;         // as in the scenario's `kind:`
  std::string description;  // one line
  // Called before the simulation starts: creates the workload's SimGrid actors.
  std::function<void(WorkloadContext&)> start;
};

using WorkloadRegistry = NamedRegistry<WorkloadKind>;

}  // namespace headroom::engine

// Usage, in the workload's .cpp: HEADROOM_REGISTER_WORKLOAD({"llm-server", "one line", start_fn});
#define HEADROOM_REGISTER_WORKLOAD(...) HEADROOM_REGISTER(::headroom::engine::WorkloadRegistry, __VA_ARGS__)
