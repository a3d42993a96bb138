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
  return h;
}

// One KV page per token: 2 (K and V) x 1 layer x 1 KV head x 1024 dims x 2 bytes = 4096 bytes.
inline std::shared_ptr<config::LlmServerSpec> test_server(const std::string& name, std::uint64_t weights_bytes,
                                                          config::WeightsMode mode) {
  auto s = std::make_shared<config::LlmServerSpec>();
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
  s->arrivals.kind = config::ArrivalSpec::Kind::poisson;
  s->arrivals.rate_per_s = 1000;
  s->arrivals.prompt_tokens = 4;
  s->arrivals.output_tokens = 50;
  s->arrivals.max_requests = 1;
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
