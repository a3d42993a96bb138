// The one registration line of process (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("process",
                          "generic memory user: an anonymous and/or file footprint over time, an access pattern, a step rate",
                          headroom::workloads::process);
