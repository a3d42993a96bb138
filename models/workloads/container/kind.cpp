// The one registration line of container (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("container",
                          "a memory group with cgroup limits and a runtime overhead that other workloads join",
                          headroom::workloads::container);
