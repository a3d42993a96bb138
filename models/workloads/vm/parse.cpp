// kind: vm: the scenario parser (front end); the shared box parser does the work.
#include "models/workloads/vm/spec.hpp"
#include "models/workloads/common/box.hpp"

namespace headroom::workloads::vm {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return parse_box(ctx, node, true);
}

}  // namespace headroom::workloads::vm
