// The `trainer` kind against closed forms (models/workloads/trainer/spec.hpp): 16 B/param for a full
// AdamW fine-tune to the byte, LoRA and QLoRA states, activations per the adapted Korthikanti
// formula, step time = compute or bandwidth time to 1e-9, and the largest micro-batch B that fits:
// B finishes, B + 1 is OOM-killed. Every test case runs in its own process (one SimGrid engine).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine_fixtures.hpp"
#include "toy_trainer.hpp"
#include "models/workloads/trainer/data.hpp"
#include "models/workloads/trainer/spec.hpp"
#include "sim/engine/simulate.hpp"
#include "sim/mm/watermarks.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::Checkpointing;
using workloads::TrainerSpec;
using workloads::TrainMethod;

namespace {

// LLaMA-2-7B's catalog shapes (models/catalog/llms.yaml).
config::LlmSpec llama_7b() {
  config::LlmSpec m;
  m.id = "llama-2-7b";
  m.params = m.active_params = 6.738e9;
  m.layers = 32;
  m.hidden = 4096;
  m.heads = m.kv_heads = 32;
  m.head_dim = 128;
  m.max_context = 4096;
  m.ffn = 11008;
  m.vocab = 32000;
  return m;
}

// The toy decoder of toy_trainer.hpp at a micro-batch.
std::shared_ptr<TrainerSpec> toy(std::uint64_t micro_batch) { return toy_trainer(micro_batch); }

struct Run {
  analysis::HostResult host;
  const workloads::TrainerData* data = nullptr;
};

Run run(config::Scenario& sc, std::shared_ptr<TrainerSpec> spec) {
  enable_invariant_checks();
  sc.workloads = {spec};
  Run r{engine::simulate_host(sc, sc.hosts[0]), nullptr};
  REQUIRE(r.host.workloads.size() == 1);
  r.data = dynamic_cast<const workloads::TrainerData*>(r.host.workloads[0].data.get());
  REQUIRE(r.data != nullptr);
  return r;
}

double warm_step_s(const workloads::TrainerData& d) {
  return (d.last_step_end_s - d.first_step_end_s) / static_cast<double>(d.steps_done - 1);
}

}  // namespace

TEST_CASE("full fine-tune with mixed-precision AdamW: 16 bytes per parameter, to the byte") {
  TrainerSpec s;
  s.model = llama_7b();
  // 2 (16-bit weights) + 2 (grads) + 4 (fp32 master) + 8 (two fp32 moments) = 16 B/param
  // (facts.yaml training.mixed_precision_adam_bytes_per_param); derived 107.8 GB for LLaMA-2-7B
  // (training.derived_model_states_gb.llama2_7b).
  CHECK(s.weight_bytes() == 2 * 6'738'000'000ULL);
  CHECK(s.grad_bytes() == 2 * 6'738'000'000ULL);
  CHECK(s.optimizer_bytes() == 12 * 6'738'000'000ULL);
  CHECK(s.weight_bytes() + s.grad_bytes() + s.optimizer_bytes() == 107'808'000'000ULL);
  // Other optimizers by their state: 8-bit Adam 2 + 4 + 2 + 2 = 10 B/param, SGD 8, momentum 12.
  s.optimizer = workloads::Optimizer::adamw_8bit;
  CHECK(s.weight_bytes() + s.grad_bytes() + s.optimizer_bytes() == 10 * 6'738'000'000ULL);
  s.optimizer = workloads::Optimizer::sgd;
  CHECK(s.weight_bytes() + s.grad_bytes() + s.optimizer_bytes() == 8 * 6'738'000'000ULL);
  s.optimizer = workloads::Optimizer::sgd_momentum;
  CHECK(s.weight_bytes() + s.grad_bytes() + s.optimizer_bytes() == 12 * 6'738'000'000ULL);
}

TEST_CASE("LoRA and QLoRA state: adapters r x (d_in + d_out) per projection, NF4 base") {
  TrainerSpec s;
  s.model = llama_7b();
  s.method = TrainMethod::lora;
  s.lora_rank = 16;
  // Per layer, all seven projections: q, k, v, o: 4096 + 4096 each; gate, up, down: 4096 + 11008
  // each = 4 x 8192 + 3 x 15104 = 78,080; x 16 x 32 layers = 39,976,960 (the ~40M of a rank-16
  // all-linear LoRA on LLaMA-7B).
  CHECK(s.adapter_params() == 39'976'960ULL);
  CHECK(s.weight_bytes() == 2 * 6'738'000'000ULL + 2 * 39'976'960ULL);  // frozen 16-bit base + adapters
  CHECK(s.grad_bytes() == 2 * 39'976'960ULL);
  CHECK(s.optimizer_bytes() == 12 * 39'976'960ULL);  // fp32 master + two fp32 moments per adapter param
  // LoRA paper's setting: rank 4 on q and v only: 4 x (8192 + 8192) x 32 = 2,097,152.
  s.lora_rank = 4;
  s.lora_targets = {true, false, true, false, false, false, false};
  CHECK(s.adapter_params() == 2'097'152ULL);
  // QLoRA: the layers' linear weights in NF4 + double quantization (4.127 bits), the rest 16-bit.
  // Linear per layer: 4 x 4096^2 + 3 x 4096 x 11008 = 202,375,168; x 32 = 6,476,005,376;
  // the rest 6,738,000,000 - 6,476,005,376 = 261,994,624 (embeddings and output head).
  s.method = TrainMethod::qlora;
  s.lora_rank = 16;
  s.lora_targets = {};
  CHECK(s.layer_linear_params() * 32 == 6'476'005'376ULL);
  // ceil(6,476,005,376 x 4127 / 8000) = ceil(26,726,474,186,752 / 8000) = 3,340,809,274
  CHECK(s.base_weight_bytes() == 3'340'809'274ULL + 2 * 261'994'624ULL);
  CHECK(s.weight_bytes() == s.base_weight_bytes() + 2 * 39'976'960ULL);
  CHECK(s.optimizer_bytes() == 12 * 39'976'960ULL);
}

TEST_CASE("activations per layer: Korthikanti's s*b*h*(34 + 5as/h) at GPT shapes, adapted for GQA/SwiGLU") {
  TrainerSpec s;
  // GPT-2 XL: h 1600, 25 heads of 64 (MHA), GeLU MLP f = 4h = 6400: the paper's own shapes.
  s.model.hidden = 1600;
  s.model.heads = s.model.kv_heads = 25;
  s.model.head_dim = 64;
  s.model.ffn = 6400;
  s.model.layers = 48;
  s.model.vocab = 50257;
  s.seq_len = 1024;
  CHECK_FALSE(s.gated_mlp());
  // none: s*h*34 + 5*a*s^2 = 1024 x 1600 x 34 + 5 x 25 x 1024^2 = 55,705,600 + 131,072,000
  CHECK(s.layer_activation_bytes(Checkpointing::none) == 186'777'600ULL);
  CHECK(s.layer_activation_bytes(Checkpointing::selective) == 55'705'600ULL);  // 34sbh
  CHECK(s.layer_activation_bytes(Checkpointing::full) == 3'276'800ULL);        // 2sbh
  // Per sample: the layers + 4*s*vocab fp32 logits (205,852,672); full keeps one working layer.
  s.checkpointing = Checkpointing::full;
  CHECK(s.activation_bytes_per_sample() == 48 * 3'276'800ULL + 186'777'600ULL + 205'852'672ULL);
  CHECK(s.activation_bytes(32) == 32 * s.activation_bytes_per_sample());
  // LLaMA-2-70B: GQA (8 of 64 KV heads), SwiGLU f = 28672. linear part per layer and token:
  // 14h + 4 x kv_dim + 2 x 3 x f = 14 x 8192 + 4 x 1024 + 6 x 28672 = 290,816.
  s.model.hidden = 8192;
  s.model.heads = 64;
  s.model.kv_heads = 8;
  s.model.head_dim = 128;
  s.model.ffn = 28672;
  CHECK(s.gated_mlp());
  s.seq_len = 512;
  CHECK(s.layer_activation_bytes(Checkpointing::selective) == 512ULL * 290'816ULL);
  CHECK(s.layer_activation_bytes(Checkpointing::none) == 512ULL * 290'816ULL + 5ULL * 64 * 512 * 512);
}

TEST_CASE("training FLOPs: 6N tokens, 8N with full recompute, 4N + 6A for LoRA") {
  TrainerSpec s;
  s.model = llama_7b();
  s.micro_batch = 2;
  s.seq_len = 1000;
  CHECK(s.micro_step_flops() == doctest::Approx(6 * 6.738e9 * 2000).epsilon(1e-12));
  s.checkpointing = Checkpointing::full;
  CHECK(s.micro_step_flops() == doctest::Approx(8 * 6.738e9 * 2000).epsilon(1e-12));
  s.checkpointing = Checkpointing::selective;  // + 4 b s^2 h L
  CHECK(s.micro_step_flops() == doctest::Approx(6 * 6.738e9 * 2000 + 4.0 * 2 * 1000 * 1000 * 4096 * 32).epsilon(1e-12));
  s.checkpointing = Checkpointing::none;
  s.method = TrainMethod::lora;
  CHECK(s.micro_step_flops() == doctest::Approx((4 * 6.738e9 + 6 * 39'976'960.0) * 2000).epsilon(1e-12));
}

TEST_CASE("a compute-bound step takes grad_accum x flops / FLOP/s + the update, to 1e-9") {
  config::HostSpec host = test_host(8 * GiB);
  host.cpu_flops = 1e12;  // slow CPU: FLOPs bind (bus 100 GB/s)
  config::Scenario sc = test_scenario(host, 1000);
  auto spec = toy(2);
  spec->grad_accum = 4;
  const Run r = run(sc, spec);
  REQUIRE(r.data->steps_done == 3);
  const double micro_s = std::max(spec->micro_step_flops() / 1e12, spec->micro_step_bus_bytes() / 100e9);
  const double update_s = std::max(spec->update_flops() / 1e12, spec->update_bus_bytes() / 100e9);
  CHECK(micro_s == doctest::Approx(spec->micro_step_flops() / 1e12).epsilon(1e-15));  // compute-bound indeed
  // 6 x 16e6 x 512 tokens = 4.9152e10 FLOPs = 0.049152 s per micro-step
  CHECK(spec->micro_step_flops() == doctest::Approx(4.9152e10).epsilon(1e-15));
  CHECK(warm_step_s(*r.data) == doctest::Approx(4 * micro_s + update_s).epsilon(1e-9));
  CHECK(r.host.workloads[0].status == analysis::WorkloadStatus::finished);
}

TEST_CASE("a bandwidth-bound step takes its bytes / bus bandwidth, to 1e-9") {
  config::Scenario sc = test_scenario(test_host(8 * GiB), 1000);  // 1e18 FLOP/s: the bus binds
  auto spec = toy(2);
  const Run r = run(sc, spec);
  // micro-step: 2 weight passes x 32 MB + 2 x activations + 32 MB grads; update: 2 x 192 MB + 32 + 32 MB
  const double micro_s = (2 * 32e6 + 2.0 * static_cast<double>(spec->activation_bytes(2)) + 32e6) / 100e9;
  const double update_s = (2 * 192e6 + 32e6 + 32e6) / 100e9;
  CHECK(spec->micro_step_bus_bytes() == doctest::Approx(micro_s * 100e9).epsilon(1e-15));
  CHECK(warm_step_s(*r.data) == doctest::Approx(micro_s + update_s).epsilon(1e-9));
  // Activations are freed after each backward: resident at most once, the footprint's size.
  CHECK(r.data->peak_resident_bytes == round_to_pages(32'000'000) + round_to_pages(32'000'000) +
                                           round_to_pages(192'000'000) + round_to_pages(spec->activation_bytes(2)));
}

namespace {
// A 4 GiB host without swap: over its memory the OOM killer acts. available = RAM - OS reserve -
// min watermark (vm.min_free_kbytes = sqrt(4 GiB / KiB x 16) = 8192 KiB); fixed = 16 B x 16M params.
constexpr std::uint64_t kAvailable = 4 * GiB - 256 * MiB - 8 * MiB, kFixed = 16 * 16'000'000ULL;
std::uint64_t largest_toy_batch() { return (kAvailable - kFixed) / toy(1)->activation_bytes_per_sample(); }
}  // namespace

TEST_CASE("the largest micro-batch B is the closed form, with the footprints at B and B + 1") {
  const mm::Watermarks w = mm::kernel_watermarks(4 * GiB, kPage, 10);
  CHECK(w.min_pages * kPage == 8 * MiB);
  // per sample: 256 x (14 x 1024 + 4 x 256 + 6 x 2048) + 5 x 8 x 256^2 + 4 x 256 x 1000 = 10,723,328
  const std::uint64_t per = toy(1)->activation_bytes_per_sample();
  CHECK(per == 10'723'328ULL);
  const std::uint64_t b = largest_toy_batch();
  CHECK(b == 350);  // (4,294,967,296 - 276,824,064 - 256,000,000) / 10,723,328 = 350.8
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  const Run r = run(sc, toy(1));
  CHECK(r.data->available_bytes == kAvailable);
  CHECK(r.data->max_micro_batch == b);
  CHECK(r.data->footprint_at_max_bytes == kFixed + b * per);
  CHECK(r.data->footprint_above_max_bytes == kFixed + (b + 1) * per);
  CHECK(r.data->footprint_above_max_bytes > kAvailable);
}

TEST_CASE("the largest micro-batch B finishes its steps without an OOM kill") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  const Run r = run(sc, toy(largest_toy_batch()));
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("finished"));
  CHECK(r.host.memory.oom_kills == 0);
  CHECK(r.data->steps_done == 3);
}

TEST_CASE("one sample more than the largest micro-batch is OOM-killed in its second step") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  const Run r = run(sc, toy(largest_toy_batch() + 1));
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("oom-killed"));
  CHECK(r.host.memory.oom_kills == 1);
  // The first forward runs before the AdamW state exists (PyTorch creates it in the first
  // optimizer.step(), as the update here touches it first): only the second forward, with the
  // state allocated, needs the whole footprint.
  CHECK(r.data->steps_done == 1);
  CHECK(r.data->micro_steps_done == 1);
}

TEST_CASE("device gpu on a host without a GPU fails to start, saying so") {
  config::Scenario sc = test_scenario(test_host(8 * GiB), 100);
  auto spec = toy(1);
  spec->device = workloads::TrainDevice::gpu;
  const Run r = run(sc, spec);
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("failed-to-start"));
  CHECK(r.host.workloads[0].status_detail == "device: gpu, but host 'test' has no GPU");
}

namespace {
// A unified-memory host whose GPU may wire the weights and gradients (64 MB), one sample's
// activations and 100 MB more: not the 192 MB AdamW state as well.
config::HostSpec gpu_host() {
  config::HostSpec host = test_host(8 * GiB);
  host.unified_memory = true;
  host.gpu_flops = 1e13;
  host.gpu_wired_limit_bytes = 64'000'000 + toy(1)->activation_bytes(1) + 100'000'000;
  return host;
}
}  // namespace

TEST_CASE("device gpu with the optimizer over the wired limit fails to start (wired limit)") {
  config::Scenario sc = test_scenario(gpu_host(), 100);
  auto spec = toy(1);
  spec->device = workloads::TrainDevice::gpu;
  const Run r = run(sc, spec);
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("failed-to-start"));
  CHECK(r.host.workloads[0].cause == analysis::Cause::wired_limit);
}

TEST_CASE("offload: optimizer takes the optimizer off the GPU, its update runs on the CPU") {
  config::Scenario sc = test_scenario(gpu_host(), 100);
  auto off = toy(1);
  off->device = workloads::TrainDevice::gpu;
  off->offload_optimizer = true;
  const Run r = run(sc, off);
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("finished"));
  // (limit - 64 MB) / activations per sample = 1 + 100 MB / 10,723,328 = 10
  CHECK(r.data->max_micro_batch == 10);
  // The micro-step runs on the GPU (1e13 FLOP/s), the offloaded update on the CPU (1e18).
  const double micro_s = std::max(off->micro_step_flops() / 1e13, off->micro_step_bus_bytes() / 100e9);
  const double update_s = std::max(off->update_flops() / 1e18, off->update_bus_bytes() / 100e9);
  CHECK(warm_step_s(*r.data) == doctest::Approx(micro_s + update_s).epsilon(1e-9));
}

TEST_CASE("in a memory group the largest micro-batch is bounded by the group's memory.max") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  config::GroupSpec box;
  box.name = "box";
  box.max_bytes = 1 * GiB;
  sc.groups = {box};
  auto spec = toy(1);
  spec->group = "box";
  const Run r = run(sc, spec);
  CHECK(r.data->available_bytes == 1 * GiB);
  // (1,073,741,824 - 256,000,000) / 10,723,328 = 76.3
  CHECK(r.data->max_micro_batch == 76);
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("finished"));
}

TEST_CASE("in a memory group one sample more than the largest micro-batch is killed by the group's OOM") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1000);
  config::GroupSpec box;
  box.name = "box";
  box.max_bytes = 1 * GiB;
  sc.groups = {box};
  auto spec = toy(77);
  spec->group = "box";
  const Run r = run(sc, spec);
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("oom-killed"));
  CHECK(r.host.workloads[0].cause == analysis::Cause::group_oom_kill);
}

TEST_CASE("device gpu: the trainer's working set counts with another workload's wired memory") {
  enable_invariant_checks();
  // The server wires 100 MB of weights + 64 KV pages; the offloaded trainer's 64 MB + one sample's
  // activations would fit alone (limit = 64 MB + activations + 100 MB), not beside the server.
  config::Scenario sc = test_scenario(gpu_host(), 100);
  auto server = test_server("serve", 100'000'000, workloads::WeightsMode::wired);
  auto off = toy(1);
  off->device = workloads::TrainDevice::gpu;
  off->offload_optimizer = true;
  sc.workloads = {server, off};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  REQUIRE(r.workloads.size() == 2);
  CHECK(analysis::to_string(r.workloads[0].status) == std::string("running"));
  CHECK(analysis::to_string(r.workloads[1].status) == std::string("failed-to-start"));
  CHECK(r.workloads[1].cause == analysis::Cause::wired_limit);
  CHECK(r.workloads[1].status_detail.find("does not fit beside what other workloads wired") != std::string::npos);
}

// ---- a discrete GPU (its own VRAM; the model on the GPU, the optimizer optionally offloaded) ----
namespace {
constexpr double kVramBw = 400e9, kPcieBw = 10e9;
// The toy's full AdamW working set on the GPU: weights 32 MB + grads 32 MB + optimizer 192 MB +
// one sample's activations (10,723,328 B); a card one byte short of it.
constexpr std::uint64_t kToyGpuSet = 32'000'000ULL + 32'000'000ULL + 192'000'000ULL + 10'723'328ULL;

config::HostSpec discrete_host(std::uint64_t vram_bytes, double gpu_flops) {
  // test_host: 100 GB/s bus, 1e18 FLOP/s CPU
  return with_test_gpu(test_host(8 * GiB), vram_bytes, kVramBw, gpu_flops, kPcieBw);
}
std::shared_ptr<TrainerSpec> on_gpu(std::uint64_t micro_batch) {
  auto s = toy(micro_batch);
  s->device = workloads::TrainDevice::gpu;
  return s;
}
}  // namespace

TEST_CASE("discrete GPU, compute-bound: step = grad_accum x flops / GPU FLOP/s + the GPU update, to 1e-9") {
  config::Scenario sc = test_scenario(discrete_host(1 * GiB, 1e13), 1000);
  auto spec = on_gpu(2);
  spec->grad_accum = 4;
  const Run r = run(sc, spec);
  REQUIRE(r.data->steps_done == 3);
  // 4.9152e10 FLOPs / 1e13 = 4.9152 ms per micro-step; its VRAM bytes / 400 GB/s are far less.
  const double micro_s = spec->micro_step_flops() / 1e13;
  CHECK(micro_s > spec->micro_step_device_bytes() / kVramBw);
  const double update_s = std::max(spec->update_flops() / 1e13, spec->update_bus_bytes() / kVramBw);
  CHECK(warm_step_s(*r.data) == doctest::Approx(4 * micro_s + update_s).epsilon(1e-9));
  CHECK(r.data->device == "test-gpu");
  CHECK(r.data->vram_bytes == kToyGpuSet + 10'723'328ULL);  // two samples' activations
  // Nothing in host RAM: weights, grads, optimizer and activations are in VRAM, no dataloader.
  CHECK(r.data->peak_resident_bytes == 0);
  CHECK(r.host.workloads[0].status == analysis::WorkloadStatus::finished);
}

TEST_CASE("discrete GPU, bandwidth-bound: step = the VRAM bytes / VRAM bandwidth, to 1e-9") {
  config::Scenario sc = test_scenario(discrete_host(1 * GiB, 1e18), 1000);
  auto spec = on_gpu(2);
  const Run r = run(sc, spec);
  // micro-step: 2 weight passes x 32 MB + 2 x activations + 32 MB grads; update: 2 x 192 + 32 + 32 MB
  const double micro_s = (2 * 32e6 + 2.0 * static_cast<double>(spec->activation_bytes(2)) + 32e6) / kVramBw;
  const double update_s = (2 * 192e6 + 32e6 + 32e6) / kVramBw;
  CHECK(warm_step_s(*r.data) == doctest::Approx(micro_s + update_s).epsilon(1e-9));
  // (1 GiB - 256 MB) / 10,723,328 = 76.3: the VRAM bounds the micro-batch
  CHECK(r.data->max_micro_batch == 76);
  CHECK(r.data->gpu_limit_bytes == 1 * GiB);
}

TEST_CASE("discrete GPU: a working set one byte over the VRAM fails to start with the figures") {
  config::Scenario sc = test_scenario(discrete_host(kToyGpuSet - 1, 1e13), 100);
  const Run r = run(sc, on_gpu(1));
  CHECK(analysis::to_string(r.host.workloads[0].status) == std::string("failed-to-start"));
  CHECK(r.host.workloads[0].cause == analysis::Cause::vram_exceeded);
  CHECK(r.host.workloads[0].status_detail ==
        "VRAM exceeded: weights 32000000 bytes + activations 10723328 bytes + gradients 32000000 bytes + optimizer "
        "192000000 bytes = 266723328 bytes > free VRAM 266723327 bytes of test-gpu (266723327 bytes, 0 reserved by "
        "other workloads); largest micro_batch that fits the card: 0");
  CHECK(r.data->steps_done == 0);
  CHECK(r.host.memory.peak_anon_bytes < 1 * MiB);  // nothing was mapped in host RAM
}

TEST_CASE("discrete GPU with offload: optimizer: the optimizer and gradients in host RAM, to the byte, "
          "the step adds the batch copy, the CPU update and 2 x 2 B per parameter over PCIe") {
  // The same card one byte short of the whole set: with the optimizer offloaded it fits.
  config::Scenario sc = test_scenario(discrete_host(kToyGpuSet - 1, 1e13), 1000);
  auto spec = on_gpu(2);
  spec->offload_optimizer = true;
  spec->dataloader.workers = 2;  // 2 workers x prefetch 2 x 2 samples x 24 B x 256 tokens = 49,152 B
  const Run r = run(sc, spec);
  REQUIRE(analysis::to_string(r.host.workloads[0].status) == std::string("finished"));
  CHECK(r.data->vram_bytes == 32'000'000ULL + 2 * 10'723'328ULL);  // the weights and activations only
  CHECK(spec->dataloader_bytes(2) == 49'152);
  // Host anonymous memory: the fp16 gradients, the fp32 master + AdamW moments, the dataloader.
  CHECK(r.data->peak_resident_bytes ==
        round_to_pages(32'000'000) + round_to_pages(192'000'000) + round_to_pages(49'152));
  CHECK(spec->offload_pcie_bytes() == 4 * 16e6);  // 2 B of gradients down + 2 B of parameters up
  const double batch = 2 * 24 * 256;
  const double micro_s = batch / 100e9 + batch / kPcieBw +
                         std::max(spec->micro_step_flops() / 1e13, spec->micro_step_device_bytes() / kVramBw);
  // CPU update (1e18 FLOP/s: its 2 x 192 + 32 + 32 MB bind on the 100 GB/s bus), then PCIe.
  const double update_s = (2 * 192e6 + 32e6 + 32e6) / 100e9 + 4 * 16e6 / kPcieBw;
  CHECK(warm_step_s(*r.data) == doctest::Approx(micro_s + update_s).epsilon(1e-9));
  // VRAM bounds the batch: (266,723,327 - 32,000,000) / 10,723,328 = 21.9
  CHECK(r.data->max_micro_batch == 21);
}

TEST_CASE("discrete GPU: a second trainer is refused the VRAM the first one holds") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(discrete_host(kToyGpuSet + 40'000'000, 1e13), 100);
  auto first = on_gpu(1);
  auto second = on_gpu(1);
  second->name = "train2";
  second->offload_optimizer = true;  // 42.7 MB: it would fit alone, not beside the first
  sc.workloads = {first, second};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  REQUIRE(r.workloads.size() == 2);
  CHECK(analysis::to_string(r.workloads[0].status) == std::string("finished"));
  CHECK(analysis::to_string(r.workloads[1].status) == std::string("failed-to-start"));
  CHECK(r.workloads[1].cause == analysis::Cause::vram_exceeded);
  CHECK(r.workloads[1].status_detail.find("> free VRAM 40000000 bytes of test-gpu (306723328 bytes, 266723328 "
                                          "reserved by other workloads)") != std::string::npos);
}
