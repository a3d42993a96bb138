// kind: container: its summary (analysis); the shared box summary does the work.
#include "analysis/summary.hpp"
#include "models/workloads/common/box.hpp"

namespace headroom::workloads::container {

analysis::KindSummary summarize(const analysis::WorkloadResult& result, double horizon_s) {
  return summarize_box(result, horizon_s);
}

}  // namespace headroom::workloads::container
