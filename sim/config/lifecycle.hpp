// The `after:` dependency graph of a scenario's workloads (Boost.Graph): checks that every name in
// an `after:` list is another workload of the scenario and that the graph has no cycle, and gives
// the order in which workloads start. Run once by the loader, after every workload is parsed.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace headroom::config {

// Indices into `workloads` in start order: every workload after all those its `after:` names, and
// among the workloads whose predecessors are all placed, the one earliest in the file first (the
// smallest topological order, so the order is unique and follows the file where it can).
// Errors (ConfigError at the `after:` entry, `file` naming the scenario): an unknown name (with the
// nearest known one when it looks like a slip), the workload's own name, and a cycle, named whole
// in order from the member earliest in the file ("after: cycle a -> b -> c -> a (each workload
// waits for the next)"), located at that member's entry naming the next.
std::vector<std::size_t> start_order(const std::string& file,
                                     const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads);

}  // namespace headroom::config
