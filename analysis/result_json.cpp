#include "analysis/result_json.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace headroom::analysis {

// Every field is listed: a field added to results.hpp must be added here too, or `compare`
// (which moves results through this JSON) silently loses it.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RequestRecord, arrival_s, admitted_s, first_token_s, finish_s,
                                   prompt_tokens, output_tokens, generated_tokens, failed, failure)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Interval, begin_s, end_s)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WorkloadResult, name, kind, requests, memory_stall, busy, status,
                                   status_detail, weights_bytes, kv_budget_bytes, device,
                                   decode_steps, prefill_steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MemoryResult, total_bytes, peak_file_bytes, peak_anon_bytes,
                                   peak_unevictable_bytes, peak_swap_bytes, major_faults,
                                   file_read_bytes, fault_read_ios, fault_waits, swap_in_bytes, swap_out_bytes, writeback_bytes,
                                   direct_reclaim_pages, kswapd_reclaim_pages, oom_kills,
                                   watermark_min_bytes, watermark_low_bytes, watermark_high_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HostResult, name, description, ram_bytes, page_bytes,
                                   mem_bw_effective_Bps, horizon_s, policy, memory, workloads)

std::string host_result_to_json(const HostResult& host) { return nlohmann::json(host).dump(); }

HostResult host_result_from_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<HostResult>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(std::string("malformed host result: ") + e.what());
  }
}

}  // namespace headroom::analysis
