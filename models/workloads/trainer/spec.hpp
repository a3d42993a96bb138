// kind: trainer: training or fine-tuning a catalog model (full, LoRA, QLoRA). Validated config and
// the closed forms of its memory and FLOPs (pure functions: parse.cpp checks them, run.cpp runs
// them, the tests check them to the byte). No yaml-cpp, no SimGrid. YAML schema: sim/config/README.md
// ("kind: trainer"); model: models/README.md ("trainer").
//
// Memory (bytes; P = params, A = LoRA adapter params, T = trained params = P (full) or A (LoRA)):
//   weights    = 2P (16-bit; full, lora) or quantized layers x 4.127/8 + the rest x 2 (qlora),
//                + 2A for the adapters (lora, qlora)
//   grads      = 2T                                   (16-bit; kept between steps)
//   optimizer  = (4 + state) x T                      (fp32 master + the optimizer's state)
//   full AdamW: 2 + 2 + 4 + 8 = 16 B/param (facts.yaml training.mixed_precision_adam_bytes_per_param)
//   activations = micro_batch x activation_bytes_per_sample (below)
//   dataloader = workers x (prefetch x micro_batch x sample_bytes + worker_memory)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sim/config/scenario.hpp"

namespace headroom::workloads {

enum class TrainMethod : std::uint8_t { full, lora, qlora };
// State bytes per trained parameter beyond the 4-byte fp32 master copy: adamw 8 (two fp32
// moments), adamw-8bit 2 (two 8-bit moments), sgd-momentum 4 (one fp32 buffer), sgd 0, adafactor 0
// (its factored second moment is a row and a column per matrix: below 0.1% of the parameters at
// these shapes, counted as 0).
enum class Optimizer : std::uint8_t { adamw, adamw_8bit, sgd_momentum, sgd, adafactor };
enum class Checkpointing : std::uint8_t { none, selective, full };
enum class TrainDevice : std::uint8_t { cpu, gpu };  // gpu: the host's first discrete GPU, else its unified GPU

inline std::uint64_t optimizer_state_bytes_per_param(Optimizer o) {
  switch (o) {
    case Optimizer::adamw: return 8;
    case Optimizer::adamw_8bit: return 2;
    case Optimizer::sgd_momentum: return 4;
    case Optimizer::sgd:
    case Optimizer::adafactor: return 0;
  }
  return 0;
}
inline constexpr std::uint64_t kMasterBytesPerParam = 4;  // fp32 master copy (mixed precision)
// QLoRA's NF4 with double quantization: 4 bits + 0.127 bits of quantization constants per
// parameter (QLoRA, arXiv 2305.14314 section 3 "Double Quantization"; facts.yaml training.qlora
// cites the paper). In bits x 1000 so the byte count stays an integer formula.
inline constexpr std::uint64_t kQloraMilliBitsPerParam = 4127;
// An AdamW update is a handful of multiply-adds per element (two moment updates, a square root, a
// division, the weight decay): 10 FLOPs per trained parameter, an assumption; the update is
// bandwidth-bound at every shape here, so the figure hardly matters.
inline constexpr double kUpdateFlopsPerParam = 10;
// Default bytes per sample in a dataloader buffer per token: int64 input_ids, labels and
// attention_mask (a Hugging Face causal-LM batch) = 24 B/token.
inline constexpr std::uint64_t kDefaultSampleBytesPerToken = 24;

struct LoraTargets {  // projections that get an adapter
  bool q = true, k = true, v = true, o = true, gate = true, up = true, down = true;
};

struct DataloaderSpec {
  std::uint64_t workers = 0;        // 0: batches made in the training process (no region)
  std::uint64_t prefetch = 2;       // batches in flight per worker (PyTorch prefetch_factor, default 2)
  std::uint64_t sample_bytes = 0;   // one sample as collated; 0 -> 24 x seq_len
  std::uint64_t worker_memory_bytes = 0;  // each worker process's own memory (no sourced default: 0)
};

struct TrainerSpec : config::WorkloadSpec {
  bool can_finish() const override { return steps > 0; }  // slo: deadline

  config::LlmSpec model;
  // The catalog's per-backend factors (models/catalog/backends.yaml): a micro-step's matmuls run at
  // the share of the device's FLOP/s figure that llama.cpp's F16 prefill reaches on its backend
  // (at most 1). Empty (specs built in code): the figure itself.
  std::map<std::string, config::BackendSpec> backends;
  TrainMethod method = TrainMethod::full;
  Optimizer optimizer = Optimizer::adamw;
  std::uint64_t lora_rank = 16;
  LoraTargets lora_targets;
  std::uint64_t micro_batch = 1, seq_len = 512, grad_accum = 1;
  Checkpointing checkpointing = Checkpointing::none;
  bool offload_optimizer = false;  // ZeRO-Offload: optimizer state + master in host RAM, update on the CPU
  TrainDevice device = TrainDevice::cpu;
  DataloaderSpec dataloader;
  std::uint64_t steps = 0;            // optimizer steps to do; 0 = runs to the horizon
  std::uint64_t dataset_samples = 0;  // samples per epoch (0 = not given)
  double epochs = 0;                  // as given (steps derived from it when set)

  // --- shapes --------------------------------------------------------------------------------
  std::uint64_t h() const { return static_cast<std::uint64_t>(model.hidden); }
  std::uint64_t f() const { return static_cast<std::uint64_t>(model.ffn); }
  std::uint64_t q_dim() const { return static_cast<std::uint64_t>(model.heads) * model.head_dim; }
  std::uint64_t kv_dim() const { return static_cast<std::uint64_t>(model.kv_heads) * model.head_dim; }
  std::uint64_t layers() const { return static_cast<std::uint64_t>(model.layers); }
  // Gated (SwiGLU: gate, up, down, three h x f matrices) unless ffn = 4 x hidden, the GeLU MLP of
  // GPT-2 and BERT (up, down). The catalog has no activation field; this is the rule.
  bool gated_mlp() const { return f() != 4 * h(); }
  std::uint64_t mlp_matrices() const { return gated_mlp() ? 3 : 2; }
  std::uint64_t params() const { return static_cast<std::uint64_t>(std::llround(model.params)); }
  // The parameters of one layer's linear projections: q, k, v, o and the MLP's matrices.
  std::uint64_t layer_linear_params() const {
    return h() * q_dim() + 2 * h() * kv_dim() + q_dim() * h() + mlp_matrices() * h() * f();
  }
  // LoRA adds r x (d_in + d_out) per adapted projection per layer.
  std::uint64_t adapter_params() const {
    if (method == TrainMethod::full) return 0;
    const LoraTargets& t = lora_targets;
    std::uint64_t per_layer = 0;
    if (t.q) per_layer += h() + q_dim();
    if (t.k) per_layer += h() + kv_dim();
    if (t.v) per_layer += h() + kv_dim();
    if (t.o) per_layer += q_dim() + h();
    if (t.gate && gated_mlp()) per_layer += h() + f();
    if (t.up) per_layer += h() + f();
    if (t.down) per_layer += f() + h();
    return lora_rank * per_layer * layers();
  }
  std::uint64_t trained_params() const { return method == TrainMethod::full ? params() : adapter_params(); }

  // --- memory regions (bytes, as formulas; not page-rounded) -------------------------------
  std::uint64_t base_weight_bytes() const {
    if (method != TrainMethod::qlora) return 2 * params();
    // The layers' linear weights in NF4; embeddings, output head and norms stay 16-bit.
    const std::uint64_t quantized = std::min(params(), layer_linear_params() * layers());
    return (quantized * kQloraMilliBitsPerParam + 7999) / 8000 + 2 * (params() - quantized);
  }
  std::uint64_t weight_bytes() const { return base_weight_bytes() + 2 * adapter_params(); }
  std::uint64_t grad_bytes() const { return 2 * trained_params(); }
  std::uint64_t optimizer_bytes() const {
    return (kMasterBytesPerParam + optimizer_state_bytes_per_param(optimizer)) * trained_params();
  }

  // Activations of one layer for one sample (micro_batch 1), bytes. Korthikanti et al. 2022
  // (facts.yaml training.korthikanti_activation_per_layer) give s*b*h*(34 + 5*a*s/h) for a GPT
  // layer with 16-bit activations and 1-byte dropout masks: attention 11sbh + 5as^2b, MLP 19sbh,
  // two layer norms 4sbh. Adapted to GQA and SwiGLU, term by term:
  //   attention: input 2sbh + Q 2sbh + K and V 2sb(kv_heads*head_dim) each + output projection's
  //              input 2sbh + dropout mask sbh  = 7sbh + 4sb*kv_dim   (= 11sbh when kv_dim = h)
  //   MLP:       input 2sbh + dropout mask sbh + 2sbf per stored f-wide tensor: GeLU keeps 2 (its
  //              input, the down projection's input), SwiGLU 3 (gate and up outputs, the product)
  //              = 3sbh + 2*m*sbf                                      (= 19sbh for GeLU, f = 4h)
  //   norms:     4sbh;    attention scores, softmax and its dropout mask: 5*a*s^2*b
  // none:      per layer 14sbh + 4sb*kv_dim + 2*m*sbf + 5as^2b, all layers kept
  // selective: the 5as^2b term is recomputed (Korthikanti's 34sbh at GPT shapes)
  // full:      2sbh per layer (its input) + one layer's `none` set, rebuilt during its backward
  // plus the output logits in fp32 for the loss: 4*s*b*vocab. Encoders (BERT) use the same layer.
  std::uint64_t layer_activation_bytes(Checkpointing c) const {
    const std::uint64_t s = seq_len;
    const std::uint64_t linear = s * (14 * h() + 4 * kv_dim() + 2 * mlp_matrices() * f());
    const std::uint64_t scores = 5 * static_cast<std::uint64_t>(model.heads) * s * s;
    if (c == Checkpointing::none) return linear + scores;
    if (c == Checkpointing::selective) return linear;
    return 2 * s * h();
  }
  std::uint64_t activation_bytes_per_sample() const {
    const std::uint64_t logits = 4 * seq_len * static_cast<std::uint64_t>(model.vocab);
    const std::uint64_t kept = layers() * layer_activation_bytes(checkpointing);
    const std::uint64_t working = checkpointing == Checkpointing::full ? layer_activation_bytes(Checkpointing::none) : 0;
    return kept + working + logits;
  }
  std::uint64_t activation_bytes(std::uint64_t batch) const { return batch * activation_bytes_per_sample(); }
  std::uint64_t sample_bytes() const {
    return dataloader.sample_bytes > 0 ? dataloader.sample_bytes : kDefaultSampleBytesPerToken * seq_len;
  }
  std::uint64_t dataloader_bytes(std::uint64_t batch) const {
    return dataloader.workers * (dataloader.prefetch * batch * sample_bytes() + dataloader.worker_memory_bytes);
  }
  // Everything but the activations and the batch buffers: the part independent of micro_batch.
  std::uint64_t fixed_bytes() const {
    return weight_bytes() + grad_bytes() + optimizer_bytes() + dataloader.workers * dataloader.worker_memory_bytes;
  }
  std::uint64_t bytes_per_sample() const {
    return activation_bytes_per_sample() + dataloader.workers * dataloader.prefetch * sample_bytes();
  }
  // The whole footprint at micro-batch b (the regions' sizes summed).
  std::uint64_t footprint_bytes(std::uint64_t batch) const { return fixed_bytes() + batch * bytes_per_sample(); }
  // On the GPU, what the GPU works on (its working set): all but an offloaded (ZeRO-Offload) or
  // paged (QLoRA) optimizer and the dataloader, which live in host memory.
  bool optimizer_on_host() const { return offload_optimizer || method == TrainMethod::qlora; }
  std::uint64_t gpu_fixed_bytes() const {
    return weight_bytes() + grad_bytes() + (optimizer_on_host() ? 0 : optimizer_bytes());
  }
  std::uint64_t gpu_bytes(std::uint64_t batch) const { return gpu_fixed_bytes() + activation_bytes(batch); }

  // --- a discrete GPU (its own VRAM, HostSpec::gpus; the first one) --------------------------
  // VRAM holds the 16-bit weights (+ adapters), the activations and, unless the optimizer is on
  // the host, the gradients and the optimizer state: reserved at start, never swapped.
  // Optimizer on the host (offload: optimizer, ZeRO-Offload, Ren et al. 2021; QLoRA's paged
  // optimizer is treated the same way on a discrete GPU, its state evicted to host RAM): the fp32
  // master + optimizer state (optimizer_bytes) and the fp16 gradients (grad_bytes, streamed to
  // host RAM during backward) are anonymous host memory; the CPU runs the update; per optimizer
  // step the fp16 gradients cross PCIe to the host and the updated fp16 parameters back:
  //   offload_pcie_bytes = 2 x 2 bytes x trained params.
  // The dataloader's buffers stay in host RAM; each micro-batch (micro_batch x sample_bytes)
  // crosses PCIe to the GPU.
  std::uint64_t vram_fixed_bytes() const {
    return weight_bytes() + (optimizer_on_host() ? 0 : grad_bytes() + optimizer_bytes());
  }
  std::uint64_t vram_bytes(std::uint64_t batch) const { return vram_fixed_bytes() + activation_bytes(batch); }
  // Host RAM of a trainer on a discrete GPU: the offloaded gradients and optimizer, the dataloader.
  std::uint64_t discrete_host_fixed_bytes() const {
    return (optimizer_on_host() ? grad_bytes() + optimizer_bytes() : 0) +
           dataloader.workers * dataloader.worker_memory_bytes;
  }
  std::uint64_t discrete_host_bytes_per_sample() const {
    return dataloader.workers * dataloader.prefetch * sample_bytes();
  }
  double offload_pcie_bytes() const { return optimizer_on_host() ? 4.0 * static_cast<double>(trained_params()) : 0; }
  // One micro-batch as the dataloader hands it over (0 without workers: made in the process).
  double batch_bytes() const {
    return dataloader.workers > 0 ? static_cast<double>(micro_batch * sample_bytes()) : 0;
  }

  // --- compute (FLOPs) ---------------------------------------------------------------------
  // Per micro-step over tokens = micro_batch x seq_len, with N = active params (MoE: per token):
  //   full:        6 N tokens (forward 2, backward 4: activation and weight gradients)
  //   lora, qlora: 4 N tokens through the frozen base (no weight gradients: 2 of the 6 saved) +
  //                6 A tokens for the adapters
  //   full checkpointing adds one more forward: + 2 N tokens (+ 2 A tokens); 8 N for full training
  //   selective adds the recomputed attention core: 4 b s^2 h per layer (QK^T and AV)
  // The 6N rule: Kaplan et al. 2020; 8N with recompute and the selective term: Korthikanti et al.
  double micro_step_flops() const {
    const double tokens = static_cast<double>(micro_batch) * static_cast<double>(seq_len);
    const double n = model.active_params > 0 ? model.active_params : model.params;
    const double a = static_cast<double>(adapter_params());
    const bool lora = method != TrainMethod::full;
    double flops = (lora ? 4 * n + 6 * a : 6 * n) * tokens;
    if (checkpointing == Checkpointing::full) flops += 2 * (n + a) * tokens;
    if (checkpointing == Checkpointing::selective)
      flops += 4.0 * micro_batch * static_cast<double>(seq_len) * seq_len * static_cast<double>(h()) * layers();
    return flops;
  }
  double update_flops() const { return kUpdateFlopsPerParam * static_cast<double>(trained_params()); }

  // Bytes over the memory bus (a closed form, not the touched pages: a swapped page moves too):
  //   micro-step: the weights read in forward and in backward (a third time with full
  //   recompute), the activations written in forward and read in backward, the gradients written,
  //   the batch read from the dataloader's buffer (when it has workers)
  //   update: the optimizer state (master + moments) read and written, the gradients read, the
  //   trained 16-bit weights written
  double micro_step_bus_bytes() const { return micro_step_device_bytes() + batch_bytes(); }
  // The part on the device's own memory (a discrete GPU's VRAM): all but the batch.
  double micro_step_device_bytes() const {
    const double weight_passes = checkpointing == Checkpointing::full ? 3 : 2;
    return weight_passes * static_cast<double>(weight_bytes()) + 2.0 * static_cast<double>(activation_bytes(micro_batch)) +
           static_cast<double>(grad_bytes());
  }
  double update_bus_bytes() const {
    return 2.0 * static_cast<double>(optimizer_bytes()) + static_cast<double>(grad_bytes()) +
           2.0 * static_cast<double>(trained_params());
  }

  std::uint64_t samples_per_step() const { return micro_batch * grad_accum; }
};

}  // namespace headroom::workloads
