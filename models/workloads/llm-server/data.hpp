// llm-server's raw records in its WorkloadResult::data (engine writes, summary.cpp reads).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::workloads {

struct LlmServerData : analysis::KindData {
  std::vector<analysis::RequestRecord> requests;
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_budget_bytes = 0;
  std::uint32_t max_batch = 1;  // batch slots (the service rule's concurrency)
  std::string device;  // "gpu" | "cpu": where it computed; "" when it never started
  std::uint64_t decode_steps = 0;
  std::uint64_t prefill_steps = 0;
};

}  // namespace headroom::workloads
