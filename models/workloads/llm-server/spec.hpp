// llm-server's validated config (front end types only: no yaml-cpp, no SimGrid).
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "models/workloads/common/arrivals.hpp"
#include "sim/checked.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::workloads {

enum class WeightsMode { mmap, load, wired };
// Where the server computes (llama.cpp: built with or without a GPU backend, and -ngl). Independent
// of WeightsMode: mmap + gpu is llama.cpp's default on a Mac (see run.cpp and models/README.md).
enum class Device { cpu, gpu };

struct LlmServerSpec : config::WorkloadSpec {
  bool serves_requests() const override { return true; }  // slo: request targets
  const ArrivalSpec* request_arrivals() const override { return &arrivals; }

  config::LlmSpec model;
  config::QuantSpec quant;
  std::uint64_t weights_bytes = 0;  // params * bpw / 8, rounded up to whole bytes
  WeightsMode weights_mode = WeightsMode::mmap;
  // The weights file's identity (`weights_file:`, default "<model id>.<quant id>.gguf"): with mmap,
  // servers naming the same file share one page-cache copy of it.
  std::string weights_file;
  bool wired_fallback_cpu = false;  // GPU memory over its limit: run on CPU instead of failing
  // `device:`; unset = gpu when the host has one (unified or discrete), else cpu.
  std::optional<Device> device;
  // `gpu_layers:` (llama.cpp -ngl): layers run on the GPU; unset = `all`. Validated <= model.layers.
  std::optional<std::uint32_t> gpu_layers;
  bool lock = false;  // `lock: true` (llama.cpp --mlock): the host-side weights are pinned
  std::uint32_t offloaded_layers() const {
    return gpu_layers ? *gpu_layers : static_cast<std::uint32_t>(model.layers);
  }
  double kv_bytes_per_element = 2;  // f16 KV cache
  std::uint32_t context_tokens = 0; // per sequence
  std::uint32_t max_batch = 1;      // concurrent sequences (continuous batching)
  std::uint64_t kv_budget_bytes = 0;  // KV cache region; default context * max_batch * per-token
  ArrivalSpec arrivals;
  // `prefix_cache: true` (prefix_cache.hpp): the KV budget is a pool of blocks of
  // prefix_block_tokens tokens (the tokens each of the trace's prefix ids covers; Mooncake: 512),
  // shared between requests whose leading ids match. Off: the slot model above, unchanged.
  bool prefix_cache = false;
  std::uint32_t prefix_block_tokens = 512;
  config::SourcePosition prefix_cache_position;  // where `prefix_cache: true` stands (router check)
  std::uint64_t prefix_block_bytes() const { return std::uint64_t{prefix_block_tokens} * kv_bytes_per_token(); }
  // llama.cpp's speed factors per backend (models/catalog/backends.yaml), which the engine picks by
  // the host's device. Empty in a spec built in code: every device is then neutral (efficiencies
  // 1 of the link the step crosses, no fixed cost), the roofline of issue 8.
  std::map<std::string, config::BackendSpec> backends;
  // Whole bytes (rounded down) of one token's K and V over all layers. The config layer bounds the
  // dimensions (each at most 2^20, so this is below 2^63); the checked conversion makes a spec
  // built around it fail loudly (std::bad_optional_access) instead of being undefined behaviour.
  std::uint64_t kv_bytes_per_token() const {
    return checked_to_u64(std::floor(2.0 * model.layers * model.kv_heads * model.head_dim * kv_bytes_per_element))
        .value();
  }
};

}  // namespace headroom::workloads
