// kind: container: the scenario parser (front end); the shared box parser does the work.
#include "models/workloads/container/spec.hpp"
#include "models/workloads/common/box.hpp"

namespace headroom::workloads::container {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return parse_box(ctx, node, false);
}

}  // namespace headroom::workloads::container
