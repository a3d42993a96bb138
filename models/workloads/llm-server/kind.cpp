// The one registration line of llm-server (compiled once per area; see sim/workload_kind.hpp).
#include "sim/workload_kind.hpp"

namespace headroom::workloads::llm_server {
std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node);
analysis::KindSummary summarize(const analysis::WorkloadResult& result, double horizon_s);
void start(engine::WorkloadContext& ctx);
}  // namespace headroom::workloads::llm_server

namespace llm_server = headroom::workloads::llm_server;
HEADROOM_WORKLOAD_KIND("llm-server", "LLM inference server: weights + KV cache, Poisson or trace arrivals",
                       llm_server::parse, llm_server::summarize, llm_server::start);
