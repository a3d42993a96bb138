// The one registration line of vm (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("vm",
                          "a virtual machine: guest RAM reserved on the host, a guest kernel, an optional balloon, its own page cache",
                          headroom::workloads::vm);
