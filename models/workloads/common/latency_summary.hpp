// Request figures the request-serving kinds (llm-server, router) report alike: the request
// counts, a latency Distribution as JSON with its units, and its "p50 / p99" table cell. Analysis side
// (latency_summary.cpp, hr_analysis).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "analysis/summary.hpp"
#include "models/workloads/common/trace_rows.hpp"

namespace headroom::workloads {

// What a serving kind's request records add up to: counts by outcome, failure reasons, and the
// latency samples (TTFT, TPOT over the tokens after the first, end to end).
struct RequestTally {
  std::uint64_t arrived = 0, completed = 0, failed = 0, unfinished = 0;
  std::map<std::string, std::uint64_t> failure_reasons;  // reason -> failed requests
  std::vector<double> ttft, tpot, e2e;

  // Counts one request (llm-server's records, and the router's, which extend them).
  void add(const analysis::RequestRecord& r) {
    ++arrived;
    if (r.failed) {
      ++failed;
      ++failure_reasons[r.failure.empty() ? "unspecified" : r.failure];
    } else if (r.finish_s >= 0) {
      ++completed;
      e2e.push_back(r.finish_s - r.arrival_s);
      if (r.generated_tokens >= 2 && r.first_token_s >= 0)
        tpot.push_back((r.finish_s - r.first_token_s) / (r.generated_tokens - 1));
    } else {
      ++unfinished;
    }
    if (r.first_token_s >= 0) ttft.push_back(r.first_token_s - r.arrival_s);
  }
};

// Opens k.metrics (an object) with requests_arrived, _completed, _failed, _unfinished and
// failure_reasons (reason -> requests), in that order, and gives them their units.
void request_count_metrics(analysis::KindSummary& k, std::uint64_t arrived, std::uint64_t completed,
                           std::uint64_t failed, std::uint64_t unfinished,
                           const std::map<std::string, std::uint64_t>& failure_reasons);
// {"count", "mean", "p50", "p90", "p99", "max"}, null where the distribution is empty.
nlohmann::ordered_json distribution_json(const analysis::Distribution& d);
// Units of distribution_json(d) stored under `key`: the count in requests, the rest in seconds.
void distribution_units(analysis::KindSummary& k, const std::string& key);
// "p50 / p99" with 4 significant digits each, "n/a" for an empty one.
std::string p50_p99_cell(const analysis::Distribution& d);

// Adds info trace_rows_failed / trace_rows_skipped (in rows) and a "trace rows failed / skipped"
// table row when either is nonzero or bad rows were to be skipped; nothing otherwise (so
// summaries of clean traces and Poisson arrivals keep their shape).
void trace_row_summary(analysis::KindSummary& k, const TraceRowCounts& rows);

}  // namespace headroom::workloads
