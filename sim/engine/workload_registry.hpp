// Workload kinds register by name: a new kind is one new file in models/workloads/ with one
// HEADROOM_REGISTER_WORKLOAD line; the engine looks kinds up here and never names them.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"

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

class WorkloadRegistry {
 public:
  static WorkloadRegistry& instance();
  void add(WorkloadKind kind);
  const WorkloadKind* find(const std::string& name) const;  // nullptr when unknown
  std::vector<std::string> names() const;                   // sorted

 private:
  std::vector<WorkloadKind> kinds_;
};

struct WorkloadRegistration {
  explicit WorkloadRegistration(WorkloadKind kind) { WorkloadRegistry::instance().add(std::move(kind)); }
};

}  // namespace headroom::engine

#define HEADROOM_WORKLOAD_CONCAT2(a, b) a##b
#define HEADROOM_WORKLOAD_CONCAT(a, b) HEADROOM_WORKLOAD_CONCAT2(a, b)
// Usage, in the workload's .cpp: HEADROOM_REGISTER_WORKLOAD({"llm-server", "one line", start_fn});
#define HEADROOM_REGISTER_WORKLOAD(...)                                                              \
  static const ::headroom::engine::WorkloadRegistration HEADROOM_WORKLOAD_CONCAT(workload_registration_, \
                                                                                 __LINE__)(__VA_ARGS__)
