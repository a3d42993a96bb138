// The one registration line of process (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

namespace headroom::workloads::process {
std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node);
analysis::KindSummary summarize(const analysis::WorkloadResult& result, double horizon_s);
void start(engine::WorkloadContext& ctx);
}  // namespace headroom::workloads::process

namespace process_kind = headroom::workloads::process;
HEADROOM_WORKLOAD_KIND("process",
                       "generic memory user: an anonymous and/or file footprint over time, an access pattern, a step rate",
                       process_kind::parse, process_kind::summarize, process_kind::start);
