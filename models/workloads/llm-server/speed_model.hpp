// llama.cpp's speed on one device, as a pure function (no SimGrid): what a step of the llm-server
// costs in FLOPs, bus bytes and fixed seconds. run.cpp runs every step through it, and the
// published-speed validation (tests/validation/published/) predicts llama-bench figures through
// the same function, so the two cannot drift apart.
//
// A step on a device with spec bandwidth B, FLOP/s F and backend factors (models/catalog/
// backends.yaml) for quantization q takes
//
//   t = fixed + max(t_mem, t_compute)
//   fixed     = layers x (layer_fixed + [MoE] moe_layer_fixed)        kernel launches, syncs, routing
//   t_mem     = weight_bytes / (decode_efficiency[q] x B) + kv_bytes / (kv_efficiency x B)
//   t_compute = 2 x active_params x tokens x layers/L / (prefill_efficiency[q] x [MoE] moe_prefill_efficiency x F)
//             + 4 x layers x heads x head_dim x pairs / (attention_efficiency x F)
//
// where weight_bytes are the weights the step reads (an MoE step only the shared weights and the
// experts its tokens route to, LlmSpec::weight_read_fraction), kv_bytes the KV it reads (every
// sequence's context), and pairs the (token, attended position) pairs of the step's attention.
// B is the bandwidth of the memory the device reads: a unified GPU's spec mem_bw, a discrete
// GPU's vram_bw_effective (what a decode loop reaches on the card: an A100 reaches 49% of its HBM
// spec, a GeForce ~80%, and one per-layer fixed cost cannot absorb both), the CPU's cpu_mem_bw (a
// CPU thread pool cannot pull a unified bus at the GPU's rate; derived from published llama.cpp
// CPU runs where they exist). F is the host's gpu_flops, the GPU's flops (spec dense FP16
// tensor-core FLOP/s) or the host's cpu_flops.
//
// The simulation runs one SimGrid activity per step, a roofline max(flops / speed, bytes / link):
// StepCost gives flops = t_compute x F and bus_bytes = t_mem x link (the link being the bus the
// device's activity crosses: mem_bw_effective, or the GPU's vram_bw_effective), so alone the
// activity takes max(t_mem, t_compute) and concurrent steps share the bus max-min in those units;
// `fixed_s` is paid before it, as a sleep (a launch gap holds no bandwidth).
#pragma once

#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace headroom::workloads::llm_server::speed {

// The device a step (or part of a split step) runs on.
struct Device {
  const config::BackendSpec* backend = nullptr;
  double bandwidth_Bps = 0;  // bandwidth the efficiencies are shares of (see above)
  double flops = 0;          // the device's FLOP/s figure (the compute host's speed in SimGrid)
  double link_Bps = 0;       // the link its activity's bytes cross in SimGrid
};

// A unified-memory GPU (host gpu_flops, mem_bw), the host's CPU (cpu_flops, cpu_mem_bw), or a
// discrete GPU; `backends` is the catalog's table (every backend present, checked when loaded).
Device unified_gpu(const config::HostSpec& host, const std::map<std::string, config::BackendSpec>& backends);
Device host_cpu(const config::HostSpec& host, const std::map<std::string, config::BackendSpec>& backends);
Device discrete_gpu(const config::GpuSpec& gpu, const std::map<std::string, config::BackendSpec>& backends);
// The device of a llama-bench row: a named backend on a host's GPU or CPU (the backend may differ
// from the host's default, e.g. Vulkan on a ROCm host). A discrete GPU is the host's first.
Device bench_device(const config::HostSpec& host, bool on_gpu, const std::string& backend,
                    const std::map<std::string, config::BackendSpec>& backends);

// What a step reads and computes on one device, before efficiencies.
struct StepShape {
  double tokens = 0;           // tokens computed: prompt tokens (prefill) or sequences (decode)
  double layers = 0;           // the model's layers the device runs
  double weight_bytes = 0;     // weight bytes read
  double kv_bytes = 0;         // KV bytes read
  double attention_pairs = 0;  // sum over the computed tokens of the positions each attends to
};

struct StepCost {
  double flops = 0;      // for the compute host (its speed is Device::flops)
  double bus_bytes = 0;  // over Device::link_Bps
  double fixed_s = 0;    // paid before the activity
  double compute_s = 0, memory_s = 0;  // the two roofline terms (for tables and tests)
  double seconds() const { return fixed_s + (compute_s > memory_s ? compute_s : memory_s); }
};

StepCost step_cost(const Device& device, const config::LlmSpec& model, const std::string& quant_id,
                   const StepShape& shape);

// Shapes of llama-bench's tests with everything resident (what the simulation gives a step on an
// idle host with warm weights): prefill of `tokens` after `depth` tokens of context (pp512 -d D),
// and one decode step of one sequence at context `depth` (tg128 at depth D is the mean over its
// 128 steps, tg_seconds_per_token).
StepShape prefill_shape(const config::LlmSpec& model, double weights_bytes, double kv_bytes_per_token,
                        double tokens, double depth);
StepShape decode_shape(const config::LlmSpec& model, double weights_bytes, double kv_bytes_per_token,
                       double context);
// Mean seconds per token of tg`tokens` after `depth` tokens: the mean of its steps (the context
// grows by one per step; the cost is linear in it, so the middle step is the mean).
double tg_seconds_per_token(const Device& device, const config::LlmSpec& model, const std::string& quant_id,
                            double weights_bytes, double kv_bytes_per_token, double tokens, double depth);

}  // namespace headroom::workloads::llm_server::speed
