// Memory cgroups in a scenario: the top-level `groups:` list (cgroup v2 knobs memory.max, .high,
// .swap.max, .min, .low, each a size or, for the limits, `max`) and the workloads' `group:`
// references. Only sim/config includes this header (it pulls in yaml-cpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/yaml_reader.hpp"

namespace headroom::config {

// The scenario's `groups:` (empty when absent), checked: names unique, sizes valid, every limit and
// protection at most the RAM of each host of the scenario (the same groups run on every host),
// memory_high at most memory_max.
std::vector<GroupSpec> parse_groups(const MapReader& root, const std::vector<HostSpec>& hosts);

// The cgroup v2 limit keys (memory_max, memory_high, memory_swap_max, memory_min, memory_low) of
// `map`, checked as in `groups:` (a container or VM entry has them; kind container / vm). The
// name, position and flags are the caller's to set.
const std::vector<std::string>& group_limit_keys();
GroupSpec parse_group_limits(const MapReader& map, const std::vector<HostSpec>& hosts);

// The groups that containers and VMs provide (WorkloadSpec::provides_group), appended to `groups`
// in workload order; a name already used by `groups:` or another provider is an error at the
// workload's name.
void add_provided_groups(const std::string& file, std::vector<GroupSpec>& groups,
                         const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads);

// Every workload's `group:` names one of `groups` (else an error at it, with the nearest name).
void check_workload_groups(const std::string& file, const std::vector<GroupSpec>& groups,
                           const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads);

}  // namespace headroom::config
