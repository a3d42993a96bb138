// Request-latency figures the request-serving kinds (llm-server, router) report alike: a
// Distribution as JSON with its units, and its "p50 / p99" table cell. Analysis side
// (latency_summary.cpp, hr_analysis).
#pragma once

#include <string>

#include "analysis/summary.hpp"

namespace headroom::workloads {

// {"count", "mean", "p50", "p90", "p99", "max"}, null where the distribution is empty.
nlohmann::ordered_json distribution_json(const analysis::Distribution& d);
// Units of distribution_json(d) stored under `key`: the count in requests, the rest in seconds.
void distribution_units(analysis::KindSummary& k, const std::string& key);
// "p50 / p99" with 4 significant digits each, "n/a" for an empty one.
std::string p50_p99_cell(const analysis::Distribution& d);

}  // namespace headroom::workloads
