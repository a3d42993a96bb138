// The one registration line of recorded (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("recorded",
                          "a real server's memory replayed from a recorded series (capture CSV, /proc status, cgroup memory.stat, vmstat)",
                          headroom::workloads::recorded);
