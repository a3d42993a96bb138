// The one registration line of trainer (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("trainer",
                          "training or fine-tuning a model: full, LoRA or QLoRA; weights, gradients, optimizer, activations",
                          headroom::workloads::trainer);
