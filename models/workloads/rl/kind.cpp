// The one registration line of rl (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("rl",
                          "reinforcement learning: environment instances, a replay buffer sampled uniformly, a policy network",
                          headroom::workloads::rl);
