// Containers and VMs (kinds `container` and `vm`): a workload that provides a memory group
// (WorkloadSpec::provides_group, named after the workload) which other workloads join with
// `group: <its name>`, plus a fixed overhead charged to that group while it runs. Validated config
// only (no yaml-cpp, no SimGrid). The YAML schema is in sim/config/README.md ("kind: container,
// kind: vm"); the model and where it differs from the kernel / hypervisor in models/README.md.
#pragma once

#include <cstdint>
#include <optional>

#include "sim/config/scenario.hpp"

namespace headroom::workloads {

struct BoxSpec : config::WorkloadSpec {
  bool vm = false;
  // Anonymous memory held in the group from the start to the end of the box: a container's
  // runtime (shim, init, the framework's base processes); a VM's guest kernel and its daemons.
  std::uint64_t overhead_bytes = 0;
  // vm: the guest's RAM (= the group's memory.max), reserved on the host when the VM starts.
  std::uint64_t ram_bytes = 0;
  // vm: `balloon: {min}`: under host pressure the balloon hands the guest's free RAM back to the
  // host, down to a guest of `min` bytes (nullopt: no balloon).
  std::optional<std::uint64_t> balloon_min_bytes;
};

}  // namespace headroom::workloads
