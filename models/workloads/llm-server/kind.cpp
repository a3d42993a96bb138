// The one registration line of llm-server (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("llm-server", "LLM inference server: weights + KV cache, Poisson or trace arrivals",
                          headroom::workloads::llm_server);
