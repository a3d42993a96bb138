// The request-trace rows a serving kind's arrivals read but did not serve (engine writes them into
// its kind data, latency_summary.hpp's trace_row_summary reports them).
#pragma once

#include <cstdint>

namespace headroom::workloads {

// Failure rows (counted, not served) and bad rows skipped under `on_bad_row: skip` (arrivals.hpp).
struct TraceRowCounts {
  bool skips_bad_rows = false;  // on_bad_row: skip was asked
  std::uint64_t failed = 0, skipped = 0;
};

}  // namespace headroom::workloads
