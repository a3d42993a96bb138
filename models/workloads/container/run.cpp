// kind: container: the engine side; the shared box engine does the work (common/box_run.cpp).
#include "models/workloads/common/box.hpp"
#include "sim/engine/workload_registry.hpp"

namespace headroom::workloads::container {

void start(engine::WorkloadContext& ctx) { start_box(ctx); }

}  // namespace headroom::workloads::container
