// Containers and VMs: the functions the `container` and `vm` kind folders share (box_parse.cpp
// front end, box_summary.cpp analysis, box_run.cpp engine; see box_spec.hpp for the model).
#pragma once

#include <memory>

#include "sim/workload_kind.hpp"

namespace headroom::workloads {

// kind: container (vm = false) or kind: vm, every key checked with its location.
std::shared_ptr<const config::WorkloadSpec> parse_box(const config::ParseContext& ctx, const YAML::Node& node,
                                                      bool vm);
analysis::KindSummary summarize_box(const analysis::WorkloadResult& result, double horizon_s);
void start_box(engine::WorkloadContext& ctx);

}  // namespace headroom::workloads
