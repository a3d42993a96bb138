// Devices and layer offload (issue 8 part E) against closed forms: a discrete GPU holding all, none
// or half of the layers (llama.cpp -ngl), VRAM overflow refused at start, `lock` pinning the
// host-side weights, mmap + a unified GPU counted against the wired limit, and a host without a GPU
// that maps `weights: wired` as pinned CPU memory without a fallback message. Each test case runs in
// its own process with the memory manager's invariants checked.
#include <doctest/doctest.h>

#include "engine_fixtures.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::Device;
using workloads::WeightsMode;

namespace {

constexpr double kHostBw = 100e9, kVramBw = 400e9, kPcieBw = 10e9;
constexpr std::uint32_t kLayers = 4, kPrompt = 4, kOutput = 50;

// test_host (100 GB/s bus, 1e18 FLOP/s CPU: decode is bandwidth-bound) with one discrete GPU.
config::HostSpec gpu_host(std::uint64_t vram_bytes) {
  return with_test_gpu(test_host(16 * GiB), vram_bytes, kVramBw, 1e18, kPcieBw);
}

// 4 layers, KV = 2 x 4 layers x 1 head x 2048 dims x 2 B = 32 KiB per token (8 pages; 2 per layer),
// so every layer share of a token's KV is whole pages.
std::shared_ptr<workloads::LlmServerSpec> layered_server(const std::string& name, std::uint64_t weights_bytes,
                                                         std::optional<std::uint32_t> gpu_layers) {
  auto s = test_server(name, weights_bytes, WeightsMode::mmap);
  s->model.layers = kLayers;
  s->model.head_dim = 2048;
  s->kv_budget_bytes = std::uint64_t{s->context_tokens} * s->kv_bytes_per_token();
  s->gpu_layers = gpu_layers;
  return s;
}

analysis::HostResult run(config::Scenario& sc) { return engine::simulate_host(sc, sc.hosts[0]); }

const analysis::RequestRecord& only_request(const analysis::WorkloadResult& w) {
  REQUIRE(llm(w).requests.size() == 1);
  return llm(w).requests[0];
}

// Decode phase (steps g = 1 .. output-1, the sequence holding P + g tokens) with `gpu_layers` of
// kLayers on the GPU: per step, in sequence,
//   CPU part: host weights share H = W (L - n) / L + the resident host KV, (P + g - 1) tokens x
//             its share (the newest token's pages are a zero fill, not a DRAM read), over kHostBw;
//   PCIe:     2 crossings x 1 token x hidden 8192 x 4 B of f32 activations when 0 < n < L;
//   GPU part: W - H + (P + g) tokens x the GPU's KV share, over kVramBw.
// FLOPs (2e9 per token at 1e18 FLOP/s) never bind.
double split_decode_s(std::uint64_t weights_bytes, std::uint32_t gpu_layers) {
  const std::uint64_t kv_token = 32 * KiB;
  const std::uint64_t host_weights = weights_bytes * (kLayers - gpu_layers) / kLayers;
  const std::uint64_t host_kv_token = kv_token * (kLayers - gpu_layers) / kLayers;
  const bool split = gpu_layers > 0 && gpu_layers < kLayers;
  double t = 0;
  for (std::uint32_t g = 1; g < kOutput; ++g) {
    t += static_cast<double>(host_weights + (kPrompt + g - 1) * host_kv_token) / kHostBw;
    t += split ? 2.0 * 8192 * 4 / kPcieBw : 0.0;
    t += static_cast<double>(weights_bytes - host_weights + (kPrompt + g) * (kv_token - host_kv_token)) / kVramBw;
  }
  return t;
}

void check_split_decode(std::optional<std::uint32_t> gpu_layers, std::uint32_t expected_layers,
                        const std::string& device) {
  enable_invariant_checks();
  const std::uint64_t weights = 4 * GiB;
  config::Scenario sc = test_scenario(gpu_host(8 * GiB), 100);
  sc.workloads = {layered_server("llm", weights, gpu_layers)};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "running");
  CHECK(llm(w).device == device);
  const auto& req = only_request(w);
  REQUIRE(req.finish_s > 0);
  CHECK(req.generated_tokens == kOutput);
  CHECK(close_rel(req.finish_s - req.first_token_s, split_decode_s(weights, expected_layers), 1e-9));
  // The whole file went through the page cache once (CPU layers at the first step, GPU layers when
  // copied to VRAM at start); nothing is pinned but the OS reserve.
  CHECK(r.memory.file_read_bytes == weights);
  CHECK(r.memory.peak_unevictable_bytes == 256 * MiB);
}

}  // namespace

TEST_CASE("gpu_layers all: a decode step reads every layer from VRAM") {
  check_split_decode(std::nullopt, kLayers, "test-gpu");
}

TEST_CASE("gpu_layers 0: a decode step reads every layer from host RAM, as on the CPU") {
  check_split_decode(0, 0, "test-gpu (0 of 4 layers)");
}

TEST_CASE("gpu_layers half: CPU layers at host bandwidth, activations over PCIe, GPU layers at VRAM bandwidth") {
  check_split_decode(2, 2, "test-gpu (2 of 4 layers)");
}

TEST_CASE("gpu_layers that overflow VRAM fail at start with the figures") {
  enable_invariant_checks();
  // 2 GiB of VRAM: 2 of 4 layers need 2 GiB of weights + 1 MiB of KV (half of 64 x 32 KiB).
  config::Scenario sc = test_scenario(gpu_host(2 * GiB), 100);
  auto server = layered_server("llm", 4 * GiB, 2);
  server->arrivals.max_requests = 2;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "failed-to-start");
  CHECK(w.cause == analysis::Cause::vram_exceeded);
  CHECK(w.status_detail ==
        "VRAM exceeded: 2 of 4 layers need weights 2147483648 bytes + KV 1048576 bytes > free VRAM 2147483648 "
        "bytes of test-gpu (2147483648 bytes, 0 reserved by other workloads)");
  for (const auto& req : llm(w).requests) CHECK(req.failure == "VRAM exceeded");
  CHECK(r.memory.file_read_bytes == 0);  // refused before reading anything
}

TEST_CASE("a second server is refused the VRAM the first one reserved") {
  enable_invariant_checks();
  // 3 GiB of VRAM: the first server's 2 layers take 2 GiB + 1 MiB; the second's 2 GiB + 1 MiB do not fit.
  config::Scenario sc = test_scenario(gpu_host(3 * GiB), 100);
  auto second_server = layered_server("second", 4 * GiB, 2);
  second_server->weights_file = "other.gguf";
  sc.workloads = {layered_server("first", 4 * GiB, 2), second_server};
  analysis::HostResult r = run(sc);
  CHECK(status(r.workloads.at(0)) == "running");
  CHECK(only_request(r.workloads.at(0)).generated_tokens == kOutput);
  const auto& second = r.workloads.at(1);
  CHECK(status(second) == "failed-to-start");
  CHECK(second.status_detail ==
        "VRAM exceeded: 2 of 4 layers need weights 2147483648 bytes + KV 1048576 bytes > free VRAM 1072693248 "
        "bytes of test-gpu (3221225472 bytes, 2148532224 reserved by other workloads)");
}

// SimGrid allows one engine per process: one simulation per test case, no SUBCASEs.
TEST_CASE("lock pins the weights on the CPU (mlock): unevictable, loaded by a plain read, KV not pinned") {
  enable_invariant_checks();
  const std::uint64_t weights = 4 * GiB;
  {
    config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
    auto server = layered_server("llm", weights, std::nullopt);
    server->lock = true;
    sc.workloads = {server};
    analysis::HostResult r = run(sc);
    CHECK(llm(r.workloads.at(0)).device == "cpu");
    CHECK(only_request(r.workloads.at(0)).generated_tokens == kOutput);
    CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + weights);
    CHECK(r.memory.file_read_bytes == 0);
  }
}

TEST_CASE("lock beside a discrete GPU holding half the layers pins only the CPU half") {
  enable_invariant_checks();
  const std::uint64_t weights = 4 * GiB;
  {
    config::Scenario sc = test_scenario(gpu_host(8 * GiB), 100);
    auto server = layered_server("llm", weights, 2);
    server->lock = true;
    sc.workloads = {server};
    analysis::HostResult r = run(sc);
    CHECK(only_request(r.workloads.at(0)).generated_tokens == kOutput);
    CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + weights / 2);
    CHECK(r.memory.file_read_bytes == 0);
  }
}

TEST_CASE("mmap + a unified GPU (llama.cpp's Mac default): GPU compute, weights stay page cache, KV wired") {
  enable_invariant_checks();
  {
    config::Scenario sc = test_scenario(unified_host(), 100);
    sc.workloads = {test_server("llm", 8 * GiB, WeightsMode::mmap)};
    analysis::HostResult r = run(sc);
    const auto& w = r.workloads.at(0);
    CHECK(llm(w).device == "gpu");
    CHECK(only_request(w).generated_tokens == kOutput);
    CHECK(r.memory.file_read_bytes == 8 * GiB);
    CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + 64 * kPage);
  }
}

TEST_CASE("mmap + a unified GPU over the wired limit is refused like wired weights (12 GiB + 256 KiB of KV > 12 GiB)") {
  enable_invariant_checks();
  {
    config::Scenario sc = test_scenario(unified_host(), 100);
    sc.workloads = {test_server("llm", 12 * GiB, WeightsMode::mmap)};
    analysis::HostResult r = run(sc);
    const auto& w = r.workloads.at(0);
    CHECK(status(w) == "failed-to-start");
    CHECK(only_request(w).failure == "wired limit exceeded");
  }
}

TEST_CASE("mmap + device cpu on a unified host keeps CPU compute and an anonymous KV") {
  enable_invariant_checks();
  {
    config::Scenario sc = test_scenario(unified_host(), 100);
    auto server = test_server("llm", 8 * GiB, WeightsMode::mmap);
    server->device = Device::cpu;
    sc.workloads = {server};
    analysis::HostResult r = run(sc);
    CHECK(llm(r.workloads.at(0)).device == "cpu");
    CHECK(r.memory.peak_unevictable_bytes == 256 * MiB);
  }
}

TEST_CASE("a host without a GPU runs wired weights pinned on the CPU, with no fallback message") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("llm", 4 * GiB, WeightsMode::wired);
  server->wired_fallback_cpu = true;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(status(w) == "running");
  CHECK(llm(w).device == "cpu");
  CHECK_FALSE(w.fell_back);
  CHECK(w.status_detail.empty());
  CHECK(w.cause == analysis::Cause::none);
  CHECK(only_request(w).generated_tokens == kOutput);
  CHECK(r.memory.peak_unevictable_bytes == 256 * MiB + 4 * GiB + 64 * kPage);
}

TEST_CASE("device gpu on a host without one is refused") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("llm", 1 * GiB, WeightsMode::mmap);
  server->device = Device::gpu;
  {
    sc.workloads = {server};
    analysis::HostResult r = run(sc);
    const auto& w = r.workloads.at(0);
    CHECK(status(w) == "failed-to-start");
    CHECK(w.cause == analysis::Cause::no_gpu);
    CHECK(w.status_detail == "device gpu: host 'test' has no GPU (no gpu_flops, no gpus)");
  }
}

TEST_CASE("device gpu on a host without one runs on the CPU with wired_fallback: cpu") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(16 * GiB), 100);
  auto server = test_server("llm", 1 * GiB, WeightsMode::mmap);
  server->device = Device::gpu;
  {
    server->wired_fallback_cpu = true;
    sc.workloads = {server};
    analysis::HostResult r = run(sc);
    const auto& w = r.workloads.at(0);
    CHECK(status(w) == "running");
    CHECK(w.fell_back);
    CHECK(w.status_detail == "fell back to the CPU: host 'test' has no GPU (no gpu_flops, no gpus)");
    CHECK(only_request(w).generated_tokens == kOutput);
  }
}

TEST_CASE("mmap + a unified GPU beside another server's wired weights is refused when both exceed the limit") {
  enable_invariant_checks();
  // 12 GiB limit: 7 GiB wired (+ 256 KiB KV) first; then 7 GiB mapped + 256 KiB KV does not fit beside.
  config::Scenario sc = test_scenario(unified_host(), 100);
  auto second = test_server("second", 7 * GiB, WeightsMode::mmap);
  second->weights_file = "second.gguf";
  sc.workloads = {test_server("first", 7 * GiB, WeightsMode::wired), second};
  analysis::HostResult r = run(sc);
  CHECK(status(r.workloads.at(0)) == "running");
  const auto& w = r.workloads.at(1);
  CHECK(status(w) == "failed-to-start");
  CHECK(w.status_detail ==
        "wired limit exceeded: weights 7516192768 bytes + KV 262144 bytes do not fit beside what other "
        "workloads wired, limit 12884901888 bytes");
  CHECK(r.memory.file_read_bytes == 0);
}

TEST_CASE("gpu_layers half on a unified GPU splits the FLOPs and the bus bytes between CPU and GPU") {
  enable_invariant_checks();
  // A slow CPU (1 GFLOP/s): its half of 2e9 FLOP per token takes 1 s, above its half of the bytes.
  config::HostSpec host = unified_host();
  host.cpu_flops = 1e9;
  config::Scenario sc = test_scenario(host, 200);
  auto server = layered_server("llm", 8 * GiB, 2);
  server->weights_mode = WeightsMode::wired;
  sc.workloads = {server};
  analysis::HostResult r = run(sc);
  const auto& w = r.workloads.at(0);
  CHECK(llm(w).device == "gpu (2 of 4 layers)");
  const auto& req = only_request(w);
  REQUIRE(req.finish_s > 0);
  // Wired KV is resident from the start: step g reads W + (P + g) x 32 KiB, half on each side.
  // Each side also computes its layers' attention (speed model, issue 9): 4 x 2 layers x heads x
  // head_dim x (P + g) FLOPs, so the CPU side takes (1e9 + 4 x 2 x H x D x (P + g)) / 1e9 s.
  const config::LlmSpec& m = server->model;
  double t = 0;
  for (std::uint32_t g = 1; g < kOutput; ++g) {
    const double half_bytes = static_cast<double>(8 * GiB + (kPrompt + g) * 32 * KiB) / 2;
    const double attention_flops = 4.0 * 2 * m.heads * m.head_dim * (kPrompt + g);
    t += std::max((1e9 + attention_flops) / 1e9, half_bytes / kHostBw) +
         std::max((1e9 + attention_flops) / 1e18, half_bytes / kHostBw);
  }
  CHECK(close_rel(req.finish_s - req.first_token_s, t, 1e-9));
}
