// llm-server's raw records in its WorkloadResult::data (engine writes, summary.cpp reads).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::workloads {

// `prefix_cache: true` (prefix_cache.hpp): what the cache found and saved.
struct PrefixCacheData {
  bool enabled = false;
  std::uint32_t block_tokens = 0;
  std::uint32_t blocks = 0;              // the pool: kv_budget / (block_tokens x KV bytes per token)
  std::uint64_t prompt_tokens = 0;       // prompt tokens of the admitted requests (looked up)
  std::uint64_t hit_tokens = 0;          // of them, in cached blocks: prefill skipped them
  std::uint64_t hit_requests = 0;        // admitted requests with at least one hit block
  std::uint64_t evictions = 0;           // cached blocks dropped for memory
  // KV bytes shared now (references beyond the first x block bytes), its peak, and its integral
  // over time up to last_change_s (the summary closes it at the run window's end for the mean).
  std::uint64_t saved_bytes_now = 0, peak_saved_bytes = 0;
  double saved_byte_seconds = 0, last_change_s = 0;
};

struct LlmServerData : analysis::KindData {
  std::vector<analysis::RequestRecord> requests;
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_budget_bytes = 0;
  std::uint32_t max_batch = 1;  // batch slots (the service rule's concurrency)
  std::string device;  // "gpu" | "cpu": where it computed; "" when it never started
  std::uint64_t decode_steps = 0;
  std::uint64_t prefill_steps = 0;
  PrefixCacheData prefix;
  // Trace arrivals: rows recorded as failures (not served) and bad rows skipped (on_bad_row: skip),
  // printed when either is nonzero or skipping was asked for.
  bool trace_skips_bad_rows = false;
  std::uint64_t trace_failed_rows = 0, trace_skipped_rows = 0;
  std::vector<analysis::RequestRecord> request_records() const override { return requests; }
};

}  // namespace headroom::workloads
