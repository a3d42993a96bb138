// The registration lines of router (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

HEADROOM_WORKLOAD_KIND_IN("router",
                          "request router in front of llm-server replicas: one source, round-robin / "
                          "least-outstanding / shortest-queue, retry on a replica's OOM kill",
                          headroom::workloads::router);
namespace headroom::workloads::router {
void check(const config::Scenario& scenario, const config::WorkloadSpec& workload);
}
HEADROOM_WORKLOAD_CHECK("router", headroom::workloads::router::check);
