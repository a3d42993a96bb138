// Hand-made results for the analysis tests; every figure is chosen so the expected summary follows
// from arithmetic written next to the test.
#pragma once

#include <memory>

#include "analysis/results.hpp"
#include "models/workloads/llm-server/data.hpp"

namespace headroom::analysis::testing {

inline constexpr std::uint64_t kGiB = 1ull << 30;

// The llm-server records of a workload (created when absent).
inline headroom::workloads::LlmServerData& llm(WorkloadResult& w) {
  if (!w.data) w.data = std::make_shared<headroom::workloads::LlmServerData>();
  return dynamic_cast<headroom::workloads::LlmServerData&>(*w.data);
}

inline RequestRecord request(double arrival, double admitted, double first, double finish,
                             std::uint32_t generated) {
  RequestRecord r;
  r.arrival_s = arrival;
  r.admitted_s = admitted;
  r.first_token_s = first;
  r.finish_s = finish;
  r.prompt_tokens = 100;
  r.output_tokens = generated;
  r.generated_tokens = generated;
  return r;
}

// A 96 GiB host with one llm-server of 10 GiB weights that served two requests in 10 s.
inline HostResult small_host(const std::string& name = "h96", std::uint64_t ram_gib = 96) {
  HostResult h;
  h.name = name;
  h.description = "test host";
  h.ram_bytes = ram_gib * kGiB;
  h.page_bytes = 4096;
  h.mem_bw_effective_Bps = 100e9;
  h.horizon_s = 10;
  h.policy = "linux";
  h.memory.total_bytes = h.ram_bytes;
  h.memory.peak_file_bytes = 10 * kGiB;
  h.memory.file_read_bytes = 10 * kGiB;  // the weights read once: no refault
  WorkloadResult w;
  w.name = "chat";
  w.kind = "llm-server";
  w.status = WorkloadStatus::running;
  w.start_s = 0;
  llm(w).device = "cpu";
  llm(w).weights_bytes = 10 * kGiB;
  llm(w).requests = {request(0, 0.5, 1, 5, 5), request(1, 2, 3, 9, 7)};
  w.busy = {{0, 9}};
  w.memory_stall = {{0, 1}};
  h.workloads.push_back(w);
  return h;
}

}  // namespace headroom::analysis::testing
