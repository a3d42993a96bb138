// kind: trainer: the engine side (compiled into hr_engine). One SimGrid actor runs optimizer steps:
//   per micro-step (grad_accum of them): forward touches the weights and allocates the
//   activations (a write of the activations region), the batch is taken from the dataloader's
//   buffer; backward reads the weights again (a third time with full recompute) and the
//   activations, writes the gradients; the faults are paid (HostMemory::pay), then one activity of
//   micro_step_flops on the device and micro_step_bus_bytes over the bus (engine::run_on_bus:
//   time = max(flops / device FLOP/s, bytes / bus bandwidth) when alone); the activations are then
//   freed (HostMemory::discard, as PyTorch's allocator returns them after backward);
//   update: the optimizer state, gradients and trained weights are touched, then one activity of
//   update_flops on the device (the CPU when the optimizer is offloaded) and update_bus_bytes.
// On a unified-memory GPU the weights, gradients, activations (and optimizer unless offloaded or
// QLoRA-paged) are wired GPU buffers allocated at start (PyTorch's caching allocator keeps freed
// activation blocks, so they stay). The closed forms are in spec.hpp. Loading the weights from disk is not modelled (they are
// written into anonymous memory at start); gradients stay allocated between steps.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/step_run.hpp"
#include "models/workloads/trainer/data.hpp"
#include "models/workloads/trainer/spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/timeline.hpp"
#include "sim/engine/workload_registry.hpp"
#include "sim/mm/watermarks.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::workloads {

namespace {

using analysis::Cause;
using analysis::WorkloadStatus;
using engine::WorkloadContext;

const char* method_name(TrainMethod m) {
  return m == TrainMethod::full ? "full" : m == TrainMethod::lora ? "lora" : "qlora";
}
const char* optimizer_name(Optimizer o) {
  switch (o) {
    case Optimizer::adamw: return "adamw";
    case Optimizer::adamw_8bit: return "adamw-8bit";
    case Optimizer::sgd_momentum: return "sgd-momentum";
    case Optimizer::sgd: return "sgd";
    case Optimizer::adafactor: return "adafactor";
  }
  return "?";
}
const char* checkpointing_name(Checkpointing c) {
  return c == Checkpointing::none ? "none" : c == Checkpointing::selective ? "selective" : "full";
}

// The one place the device is chosen: its SimGrid host and the memory limit of what it works on.
// gpu = the host's first discrete GPU (its VRAM the limit), else its integrated/unified GPU
// (platform.gpu), its working set under the wired limit.
struct Device {
  sg4::Host* compute = nullptr;  // nullptr: the host has no such device
  std::uint64_t limit_bytes = 0;  // 0 = no limit beyond host memory
  engine::DiscreteGpu* discrete = nullptr;  // set for a discrete GPU
};
Device choose_device(WorkloadContext& ctx, TrainDevice device) {
  if (device == TrainDevice::cpu) return {ctx.platform.cpu, 0, nullptr};
  if (!ctx.platform.gpus.empty()) {
    engine::DiscreteGpu& gpu = ctx.platform.gpus.front();
    return {gpu.compute, gpu.spec.vram_bytes, &gpu};
  }
  return {ctx.platform.gpu, ctx.host.gpu_wired_limit_bytes, nullptr};
}

// What the trainer may use (stated in models/README.md): installed RAM - OS reserve - the kernel's
// min watermark (free memory no allocation of a process may take), or its group's memory.max
// when that is lower. Other workloads' memory is not subtracted: it changes over the run.
std::uint64_t available_bytes(const WorkloadContext& ctx) {
  const config::HostSpec& h = ctx.host;
  const mm::Watermarks w = mm::kernel_watermarks(h.ram_bytes, h.page_bytes, ctx.scenario.memory.watermark_scale_factor,
                                                 ctx.scenario.memory.min_free_bytes);
  const std::uint64_t reserved = h.os_reserve_bytes + w.min_pages * h.page_bytes;
  std::uint64_t available = h.ram_bytes > reserved ? h.ram_bytes - reserved : 0;
  for (const config::GroupSpec& g : ctx.scenario.groups)
    if (g.name == ctx.spec.group && g.max_bytes) available = std::min(available, *g.max_bytes);
  return available;
}

// The largest micro-batch whose footprint fits `available` (and, on a GPU, whose working set fits
// its limit): floor((available - fixed) / per-sample), 0 when even the fixed part does not fit.
std::uint64_t largest_batch(const TrainerSpec& s, std::uint64_t available, std::uint64_t gpu_limit) {
  const std::uint64_t per = s.bytes_per_sample();
  if (s.fixed_bytes() > available || per == 0) return 0;
  std::uint64_t b = (available - s.fixed_bytes()) / per;
  if (gpu_limit > 0) {
    const std::uint64_t gpu_per = s.activation_bytes_per_sample();
    b = s.gpu_fixed_bytes() > gpu_limit ? 0 : std::min(b, (gpu_limit - s.gpu_fixed_bytes()) / gpu_per);
  }
  return b;
}

// On a discrete GPU: the activations bound by the VRAM (the whole card's, whatever other
// workloads reserve), the dataloader's buffers by host memory.
std::uint64_t largest_discrete_batch(const TrainerSpec& s, std::uint64_t available, std::uint64_t vram_bytes) {
  const std::uint64_t per = s.activation_bytes_per_sample();
  if (s.vram_fixed_bytes() > vram_bytes || s.discrete_host_fixed_bytes() > available || per == 0) return 0;
  std::uint64_t b = (vram_bytes - s.vram_fixed_bytes()) / per;
  if (const std::uint64_t host_per = s.discrete_host_bytes_per_sample(); host_per > 0)
    b = std::min(b, (available - s.discrete_host_fixed_bytes()) / host_per);
  return b;
}

class Trainer {
 public:
  Trainer(WorkloadContext& ctx, const TrainerSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), data_(std::make_shared<TrainerData>()) {
    ctx.result.data = data_;
    record_spec();
  }

  // The OOM killer may pick this process after its actor ended; the callback gives the VRAM back.
  static void register_process(const std::shared_ptr<Trainer>& self) {
    self->owner_ = self->ctx_.add_process([self] { self->release_vram(); });
  }

  void run() {
    if (!can_start() || !map_regions()) return;
    data_->start_s = sg4::Engine::get_clock();
    while (memory_.alive(owner_) && !ctx_.stopping() && (spec_.steps == 0 || data_->steps_done < spec_.steps))
      if (!step()) break;
    ctx_.idle();
    if (memory_.alive(owner_) && !ctx_.stopping() && spec_.steps > 0 && data_->steps_done == spec_.steps) finish();
    release_vram();
  }

 private:
  void record_spec() {
    TrainerData& d = *data_;
    d.method = method_name(spec_.method);
    d.optimizer = optimizer_name(spec_.optimizer);
    d.checkpointing = checkpointing_name(spec_.checkpointing);
    d.device = spec_.device == TrainDevice::cpu ? "cpu" : "gpu";
    d.micro_batch = spec_.micro_batch;
    d.seq_len = spec_.seq_len;
    d.grad_accum = spec_.grad_accum;
    d.work_steps = spec_.steps;
    if (spec_.dataset_samples > 0)
      d.steps_per_epoch = (spec_.dataset_samples + spec_.samples_per_step() - 1) / spec_.samples_per_step();
    d.trained_params = spec_.trained_params();
    d.weights_bytes = spec_.weight_bytes();
    d.grads_bytes = spec_.grad_bytes();
    d.optimizer_bytes = spec_.optimizer_bytes();
    d.activations_bytes = spec_.activation_bytes(spec_.micro_batch);
    d.dataloader_bytes = spec_.dataloader_bytes(spec_.micro_batch);
    d.footprint_bytes = spec_.footprint_bytes(spec_.micro_batch);
    d.micro_step_flops = spec_.micro_step_flops();
    d.update_flops = spec_.update_flops();
    device_ = choose_device(ctx_, spec_.device);
    matmul_efficiency_ = matmul_efficiency();
    d.available_bytes = available_bytes(ctx_);
    d.gpu_limit_bytes = device_.limit_bytes;
    if (device_.discrete) {
      d.device = device_.discrete->spec.id;
      d.vram_bytes = spec_.vram_bytes(spec_.micro_batch);
      d.max_micro_batch = largest_discrete_batch(spec_, d.available_bytes, d.gpu_limit_bytes);
    } else {
      d.max_micro_batch = largest_batch(spec_, d.available_bytes, d.gpu_limit_bytes);
    }
    d.footprint_at_max_bytes = spec_.footprint_bytes(d.max_micro_batch);
    d.footprint_above_max_bytes = spec_.footprint_bytes(d.max_micro_batch + 1);
  }

  // A GPU trainer needs a GPU, and its working set under the GPU's limit (as the wired limit of a
  // unified-memory GPU refuses a Metal/ROCm allocation): else it fails to start, with the figures.
  bool can_start() {
    if (spec_.device != TrainDevice::gpu) return true;
    if (device_.compute == nullptr) {
      ctx_.failed(WorkloadStatus::failed_to_start, Cause::none,
                  "device: gpu, but host '" + ctx_.host.name + "' has no GPU");
      return false;
    }
    if (device_.discrete) return reserve_vram(*device_.discrete);
    const std::uint64_t need = spec_.gpu_bytes(spec_.micro_batch);
    if (device_.limit_bytes > 0 && need > device_.limit_bytes) {
      ctx_.failed(WorkloadStatus::failed_to_start, Cause::wired_limit,
                  "GPU working set " + std::to_string(need) + " bytes (weights, gradients, activations" +
                      std::string(spec_.optimizer_on_host() ? "" : ", optimizer") + ") exceeds the wired limit " +
                      std::to_string(device_.limit_bytes) + " bytes; largest micro_batch that fits: " +
                      std::to_string(data_->max_micro_batch));
      return false;
    }
    return true;
  }

  // A discrete GPU: the working set reserved in its VRAM (refused with the figures when it does
  // not fit beside what other workloads reserved there: VRAM does not swap).
  bool reserve_vram(engine::DiscreteGpu& gpu) {
    const std::uint64_t need = data_->vram_bytes;
    if (!vram_.reserve(gpu, need)) {
      ctx_.failed(WorkloadStatus::failed_to_start, Cause::vram_exceeded,
                  "VRAM exceeded: weights " + std::to_string(spec_.weight_bytes()) + " bytes + activations " +
                      std::to_string(data_->activations_bytes) + " bytes" +
                      (spec_.optimizer_on_host() ? std::string()
                                                 : " + gradients " + std::to_string(spec_.grad_bytes()) +
                                                       " bytes + optimizer " + std::to_string(spec_.optimizer_bytes()) +
                                                       " bytes") +
                      " = " + std::to_string(need) + " bytes > " + engine::VramReservation::describe_free(gpu) +
                      "; largest micro_batch that fits the card: " + std::to_string(data_->max_micro_batch));
      return false;
    }
    return true;
  }
  void release_vram() { vram_.release(); }

  std::optional<mm::MappingId> map(const char* region, std::uint64_t bytes, mm::Backing backing) {
    if (bytes == 0) return std::nullopt;
    return memory_.map(owner_, backing, spec_.name + ":" + region, bytes);
  }

  // On the CPU every region is anonymous memory. On a unified-memory GPU the tensors the GPU works
  // on are GPU buffers, wired (pinned, counted against the host's wired limit with every other
  // workload's wired memory) as soon as they are allocated; the optimizer state stays pageable
  // host memory when offloaded (ZeRO-Offload) or paged (QLoRA). False when they do not fit
  // beside what is wired already (failed to start).
  bool map_regions() {
    if (device_.discrete) return map_discrete_regions();
    const mm::Backing gpu = on_gpu() ? mm::Backing::wired : mm::Backing::anon;
    try {
      weights_ = map("weights", data_->weights_bytes, gpu);
      grads_ = map("grads", data_->grads_bytes, gpu);
      optimizer_ = map("optimizer", data_->optimizer_bytes, spec_.optimizer_on_host() ? mm::Backing::anon : gpu);
      activations_ = map("activations", data_->activations_bytes, gpu);
    } catch (const mm::WiredLimitExceeded&) {
      ctx_.failed(WorkloadStatus::failed_to_start, Cause::wired_limit,
                  "GPU working set " + std::to_string(spec_.gpu_bytes(spec_.micro_batch)) +
                      " bytes does not fit beside what other workloads wired, wired limit " +
                      std::to_string(device_.limit_bytes) + " bytes");
      return false;
    }
    dataloader_ = map("dataloader", data_->dataloader_bytes, mm::Backing::anon);
    return true;
  }
  // On a discrete GPU only what lives in host RAM is mapped: the offloaded gradients and optimizer
  // (pageable anonymous memory, as ZeRO-Offload's CPU Adam keeps them) and the dataloader.
  bool map_discrete_regions() {
    if (spec_.optimizer_on_host()) {
      grads_ = map("grads", data_->grads_bytes, mm::Backing::anon);
      optimizer_ = map("optimizer", data_->optimizer_bytes, mm::Backing::anon);
    }
    dataloader_ = map("dataloader", data_->dataloader_bytes, mm::Backing::anon);
    return true;
  }
  bool on_gpu() const { return spec_.device == TrainDevice::gpu; }

  // Touches [offset, offset + length) of a region, adding the cost; false when this trainer died.
  bool touch(const std::optional<mm::MappingId>& region, std::uint64_t offset, std::uint64_t length, bool write,
             mm::TouchCost& total) {
    if (!region || length == 0) return true;
    const auto cost = memory_.touch(owner_, *region, offset, length, mm::AccessPattern::sequential, write);
    if (!cost) return false;
    engine::add_cost(total, *cost);
    return true;
  }

  // Pays the faults, then runs the activity; false when this trainer died meanwhile.
  bool work(const mm::TouchCost& cost, sg4::Host* on, double flops, double bus_bytes) {
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    engine::run_on_bus(ctx_.platform, on, flops, bus_bytes);
    return memory_.alive(owner_);
  }

  // The next batch slot of the dataloader's ring of workers x prefetch batches (a worker fills it).
  bool take_batch(mm::TouchCost& cost) {
    if (!dataloader_) return true;
    const std::uint64_t slot = spec_.micro_batch * spec_.sample_bytes();
    const std::uint64_t slots = spec_.dataloader.workers * spec_.dataloader.prefetch;
    const std::uint64_t at = (batch_cursor_++ % slots) * slot;
    return touch(dataloader_, at, slot, true, cost);
  }

  bool micro_step() {
    mm::TouchCost cost;
    const std::uint64_t act = data_->activations_bytes;
    const int weight_passes = spec_.checkpointing == Checkpointing::full ? 3 : 2;
    for (int pass = 0; pass < weight_passes; ++pass)
      if (!touch(weights_, 0, data_->weights_bytes, false, cost)) return false;
    if (!take_batch(cost) || !touch(activations_, 0, act, true, cost) ||
        !touch(grads_, 0, data_->grads_bytes, true, cost))
      return false;
    if (device_.discrete) {
      // The batch read from host RAM and copied over PCIe, then the GPU's pass at VRAM bandwidth.
      engine::SplitStep s;
      s.cpu_bus_bytes = s.pcie_bytes = spec_.batch_bytes();
      s.gpu_flops = spec_.micro_step_flops() / matmul_efficiency_;
      s.gpu_bus_bytes = spec_.micro_step_device_bytes();
      if (!work_split(cost, s)) return false;
    } else if (!work(cost, device_.compute, spec_.micro_step_flops() / matmul_efficiency_, spec_.micro_step_bus_bytes())) {
      return false;
    }
    data_->peak_activation_resident_bytes = std::max(data_->peak_activation_resident_bytes, act);
    sample();
    // Freed after backward on the CPU (large tensors are their own mmap, returned to the kernel);
    // a GPU's caching allocator keeps the blocks for the next micro-step (they stay wired).
    if (activations_ && !on_gpu()) memory_.discard(*activations_, 0, act);
    ++data_->micro_steps_done;
    return true;
  }

  bool update() {
    mm::TouchCost cost;
    const std::uint64_t trained = 2 * spec_.trained_params();  // the 16-bit copy written back
    if (!touch(optimizer_, 0, data_->optimizer_bytes, true, cost) || !touch(grads_, 0, data_->grads_bytes, false, cost) ||
        !touch(weights_, data_->weights_bytes - trained, trained, true, cost))
      return false;
    if (device_.discrete) {
      engine::SplitStep s;
      if (spec_.optimizer_on_host()) {  // CPU update; gradients down and parameters up over PCIe
        s.cpu_flops = spec_.update_flops();
        s.cpu_bus_bytes = spec_.update_bus_bytes();
        s.pcie_bytes = spec_.offload_pcie_bytes();
      } else {
        s.gpu_flops = spec_.update_flops();
        s.gpu_bus_bytes = spec_.update_bus_bytes();
      }
      return work_split(cost, s);
    }
    sg4::Host* on = spec_.offload_optimizer ? ctx_.platform.cpu : device_.compute;
    return work(cost, on, spec_.update_flops(), spec_.update_bus_bytes());
  }

  bool work_split(const mm::TouchCost& cost, const engine::SplitStep& step) {
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    engine::run_split_step(ctx_.platform, device_.discrete, step);
    return memory_.alive(owner_);
  }

  void sample() {
    sample_peak_rss(ctx_, owner_, data_->peak_resident_bytes);
  }

  bool load_weights() {
    mm::TouchCost cost;
    if (!touch(weights_, 0, data_->weights_bytes, true, cost) ||
        !touch(dataloader_, 0, data_->dataloader_bytes, true, cost))
      return false;
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    if (!device_.discrete) return true;
    // The weights copied into VRAM over PCIe (reading them from disk is not modelled, as on the CPU).
    engine::SplitStep upload;
    upload.pcie_bytes = static_cast<double>(spec_.weight_bytes());
    return work_split({}, upload);
  }

  bool step() {
    ctx_.busy();
    if (data_->steps_done == 0 && data_->micro_steps_done == 0 && !load_weights()) return false;
    const double begin_s = sg4::Engine::get_clock();  // after the first step's load: that is no step
    for (std::uint64_t i = 0; i < spec_.grad_accum; ++i)
      if (ctx_.stopping() || !micro_step()) return false;
    if (!update()) return false;
    sample();
    ++data_->steps_done;
    note_step_end(*data_);
    if (ctx_.timeline)
      ctx_.timeline->slice(ctx_.index, "train step", begin_s, sg4::Engine::get_clock(),
                           {{"step", static_cast<double>(data_->steps_done)},
                            {"micro_steps", static_cast<double>(spec_.grad_accum)}});
    return true;
  }

  void finish() {
    mark_finished(ctx_, *data_);
  }

  WorkloadContext& ctx_;
  const TrainerSpec& spec_;
  engine::HostMemory& memory_;
  std::shared_ptr<TrainerData> data_;
  Device device_;
  double matmul_efficiency_ = 1;  // share of the device's FLOP/s a micro-step's matmuls reach

  // The device's llama.cpp backend (a discrete GPU's `backend:`, the host's `gpu_backend:` for its
  // unified GPU, `cpu` otherwise) and its F16 prefill efficiency from backends.yaml, at most 1: the
  // catalog's FLOP/s figures are spec peaks (a 4090's 330 TFLOP/s dense FP16 tensor), and an end-to-
  // end matmul-heavy pass reaches a share of them. An assumption (llama.cpp's prefill stands for a
  // training framework's forward and backward), stated in models/README.md.
  double matmul_efficiency() const {
    const std::string backend = device_.discrete ? device_.discrete->spec.backend
                                : device_.compute == ctx_.platform.gpu ? ctx_.host.gpu_backend
                                                                       : std::string("cpu");
    const auto found = spec_.backends.find(backend);
    if (found == spec_.backends.end()) return 1.0;
    return std::min(1.0, config::BackendSpec::of(found->second.prefill_efficiency, "F16"));
  }
  engine::VramReservation vram_;  // the working set in a discrete GPU's VRAM
  mm::OwnerId owner_ = 0;
  std::optional<mm::MappingId> weights_, grads_, optimizer_, activations_, dataloader_;
  std::uint64_t batch_cursor_ = 0;
};

}  // namespace

namespace trainer {

void start(engine::WorkloadContext& ctx) {
  start_one_actor<Trainer, TrainerSpec>(ctx, "trainer", "TrainerSpec");
}

}  // namespace trainer
}  // namespace headroom::workloads
