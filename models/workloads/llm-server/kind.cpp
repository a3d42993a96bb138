// The registration lines of llm-server (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("llm-server", "LLM inference server: weights + KV cache, Poisson or trace arrivals",
                          headroom::workloads::llm_server);
// A replica's `arrivals: {router: NAME}` names a router (models/workloads/common/router_parse.cpp).
namespace headroom::workloads {
void check_replica(const config::Scenario& scenario, const config::WorkloadSpec& workload);
}
HEADROOM_WORKLOAD_CHECK("llm-server", headroom::workloads::check_replica);
