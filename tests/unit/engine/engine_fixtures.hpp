// Scenario structs built in code for the engine tests (no YAML), with round numbers so that the
// expected figures can be written as arithmetic next to each check.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <unistd.h>

#include "analysis/results.hpp"
#include "models/workloads/common/azure_trace.hpp"
#include "models/workloads/llm-server/data.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::test {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr std::uint64_t kPage = 4096;

inline std::uint64_t round_to_pages(std::uint64_t bytes) { return (bytes + kPage - 1) / kPage * kPage; }

// A Linux box with a fast bus and an effectively infinite CPU, so decode steps are bandwidth-bound.
inline config::HostSpec test_host(std::uint64_t ram_bytes) {
  config::HostSpec h;
  h.name = "test";
  h.ram_bytes = ram_bytes;
  h.page_bytes = kPage;
  h.os_reserve_bytes = 256 * MiB;
  h.swap_bytes = 0;
  h.mem_bw_spec_Bps = 100e9;
  h.mem_bw_effective_Bps = 100e9;
  h.cpu_flops = 1e18;
  h.ssd_read_Bps = 2e9;
  h.ssd_write_Bps = 1e9;
  h.ssd_latency_s = 100e-6;
  // No zero-fill CPU (the engine's default is 1 us a page): the step-time closed forms of the
  // engine tests count I/O, bus and compute only; host_memory_test.cpp checks the zero-fill cost.
  h.zero_fill_cost_s = 0;
  return h;
}

// test_host with a unified-memory GPU (an Apple-style Mac): 12 GiB may be wired for it, and its
// compute is effectively infinite like the CPU's.
// `host` with one discrete GPU "test-gpu": vram_bytes of VRAM at vram_Bps (spec = effective), its
// FLOP/s and its PCIe link.
inline config::HostSpec with_test_gpu(config::HostSpec host, std::uint64_t vram_bytes, double vram_Bps,
                                      double flops, double pcie_Bps) {
  config::GpuSpec g;
  g.id = "test-gpu";
  g.vram_bytes = vram_bytes;
  g.vram_bw_spec_Bps = g.vram_bw_effective_Bps = vram_Bps;
  g.flops = flops;
  g.pcie_Bps = pcie_Bps;
  host.gpus = {g};
  return host;
}

inline config::HostSpec unified_host() {
  config::HostSpec h = test_host(16 * GiB);
  h.unified_memory = true;
  h.gpu_wired_limit_bytes = 12 * GiB;
  h.gpu_flops = 1e18;
  return h;
}

// One KV page per token: 2 (K and V) x 1 layer x 1 KV head x 1024 dims x 2 bytes = 4096 bytes.
inline std::shared_ptr<workloads::LlmServerSpec> test_server(const std::string& name, std::uint64_t weights_bytes,
                                                          workloads::WeightsMode mode) {
  auto s = std::make_shared<workloads::LlmServerSpec>();
  s->name = name;
  s->kind = "llm-server";
  s->model.id = "test-model";
  s->model.params = s->model.active_params = 1e9;
  s->model.layers = 1;
  s->model.kv_heads = 1;
  s->model.head_dim = 1024;
  s->model.heads = 8;
  s->model.hidden = 8192;
  s->model.max_context = 4096;
  s->quant = {"F16", 16};
  s->weights_bytes = weights_bytes;
  s->weights_mode = mode;
  s->kv_bytes_per_element = 2;
  s->context_tokens = 64;
  s->max_batch = 1;
  s->kv_budget_bytes = 64 * s->kv_bytes_per_token();
  s->arrivals.kind = workloads::ArrivalSpec::Kind::poisson;
  s->arrivals.rate_per_s = 1000;
  s->arrivals.prompt_tokens = 4;
  s->arrivals.output_tokens = 50;
  s->arrivals.max_requests = 1;
  return s;
}

// The llm-server's own records in a workload result.
inline const workloads::LlmServerData& llm(const analysis::WorkloadResult& w) {
  return dynamic_cast<const workloads::LlmServerData&>(*w.data);
}
inline std::string status(const analysis::WorkloadResult& w) { return analysis::to_string(w.status); }

// Trace arrivals as the config layer gives them: the file read at load time (scaled, all rows).
inline void set_trace(workloads::LlmServerSpec& spec, const std::string& path) {
  spec.arrivals.trace_path = path;
  auto requests = std::make_shared<std::vector<workloads::Request>>();
  for (const models::TraceRequest& r : models::read_azure_trace(path, spec.arrivals.max_requests))
    requests->push_back({r.offset_s * spec.arrivals.time_scale, r.context_tokens, r.generated_tokens, {}});
  spec.arrivals.trace_requests = requests;
}

// test_server with open-ended Poisson arrivals at `rate_per_s` (no request cap).
inline std::shared_ptr<workloads::LlmServerSpec> poisson_server(const std::string& name, std::uint64_t weights_bytes,
                                                                workloads::WeightsMode mode, double rate_per_s) {
  auto s = test_server(name, weights_bytes, mode);
  s->arrivals.rate_per_s = rate_per_s;
  s->arrivals.max_requests = 0;
  return s;
}

inline config::Scenario test_scenario(const config::HostSpec& host, double duration_s) {
  config::Scenario sc;
  sc.name = "engine-test";
  sc.duration_s = duration_s;
  sc.seed = 42;
  sc.hosts = {host};
  return sc;
}

inline void enable_invariant_checks() { setenv("HEADROOM_CHECK_INVARIANTS", "1", 1); }

// Writes `text` to a fresh file under the system temp directory and returns its path.
inline std::string write_temp_file(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("headroom-engine-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

inline bool close_rel(double a, double b, double rel) { return std::fabs(a - b) <= rel * std::fabs(b); }

}  // namespace headroom::test
