// kind: rl: the engine side (compiled into hr_engine). One SimGrid actor runs the synchronous
// actor-learner loop of DQN-style training:
//   0. start: the env instances' memory and the policy's (weights, gradients, Adam state) are
//      faulted in (written once), the replay buffer is mapped empty;
//   1. a vector step: every env steps once (together they touch one observation's bytes each of
//      the envs' memory, walking it), each writes one transition into the ring at the write position (wrapping at
//      capacity: the oldest is overwritten), and the policy runs inference for each (touching its
//      fp32 weights, 4 x params bytes);
//   2. every update_every env steps, once the buffer holds learning_starts transitions, a learner
//      update samples `batch` transitions uniformly over the filled part (a std::mt19937_64 seeded
//      with scenario seed + workload index; one touch per transition, so a sample hits when the
//      transition is resident and the hit rate follows the resident fraction) and touches the whole
//      policy state;
//   3. HostMemory::pay for the step's faults and reclaim (the memory stall), then the envs' CPU
//      (envs x env_cpu_per_step on the CPU, their touched bytes on the bus), then the policy's
//      FLOPs (inference 2 x params per env step + 6 x params x batch per update) on the policy's
//      device with its touched bytes, in sequence: acting waits for the policy, as in a
//      synchronous loop (on the CPU both parts are one activity of their summed FLOPs and bytes).
// After `steps` env steps it finishes (memory freed); at stop_at it returns at its next step.
// On a discrete GPU (the host's first; policy device gpu) the policy state (16 x params) is
// reserved in its VRAM at start, not host memory (over the free VRAM: failed to start, never
// swapped), and step 3's policy part runs as engine::run_split_step: the envs' CPU with the host
// bytes (the envs', the buffer's writes and the sampled transitions' reads), then the
// observations (n x transition_bytes) and the sampled batches (updates x batch x
// transition_bytes) over PCIe, then the FLOPs on the GPU with the policy's VRAM bytes (4 x params
// for inference, 16 x params per update). The PCIe copy is kept because it is not small: an Atari
// batch of 32 frames is 903 KB, ~36 us at 25 GB/s, against ~4 us of a 1.7M-parameter Nature-DQN
// update at 82 TFLOP/s.
#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/access_pattern.hpp"
#include "models/workloads/common/step_run.hpp"
#include "models/workloads/rl/result.hpp"
#include "models/workloads/rl/spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/timeline.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::models {
namespace {

using config::RlSpec;
using engine::WorkloadContext;

class Rl {
 public:
  Rl(WorkloadContext& ctx, const RlSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), rng_(ctx.scenario.seed + ctx.index),
        data_(std::make_shared<RlData>()) {
    data_->envs = spec.envs;
    data_->capacity = spec.capacity;
    data_->transition_bytes = spec.transition_bytes;
    data_->work_steps = spec.work_steps;
    data_->replay_bytes = *spec.replay_bytes();
    data_->envs_bytes = *spec.envs_bytes();
    data_->policy_bytes = spec.policy_bytes();
    ctx.result.data = data_;
  }

  // The OOM killer may pick this process after its actor ended; the callback gives the VRAM back.
  static void register_process(const std::shared_ptr<Rl>& self) {
    self->owner_ = self->ctx_.add_process([self] { self->release_vram(); });
  }

  void run() {
    choose_device();
    if (!reserve_vram() || !start()) {
      release_vram();
      return;
    }
    data_->start_s = sg4::Engine::get_clock();
    while (memory_.alive(owner_) && !ctx_.stopping() && (spec_.work_steps == 0 || data_->env_steps < spec_.work_steps))
      if (!vector_step()) break;
    ctx_.idle();
    if (memory_.alive(owner_) && !ctx_.stopping() && spec_.work_steps > 0 && data_->env_steps >= spec_.work_steps)
      finish();
    release_vram();
  }

 private:
  // gpu = the host's first discrete GPU, else its integrated GPU; a host without one runs the
  // policy on the CPU (said once).
  void choose_device() {
    device_ = ctx_.platform.cpu;
    if (spec_.device == config::RlDevice::gpu && !ctx_.platform.gpus.empty()) {
      gpu_ = &ctx_.platform.gpus.front();
      device_ = gpu_->compute;
      data_->device = gpu_->spec.id;
      return;
    }
    if (spec_.device == config::RlDevice::gpu) {
      if (ctx_.platform.gpu) {
        device_ = ctx_.platform.gpu;
      } else {
        ctx_.result.fell_back = true;
        ctx_.result.status_detail = "policy asked on the GPU; this host has none, so it ran on the CPU";
      }
    }
    data_->device = device_ == ctx_.platform.cpu ? "cpu" : "gpu";
  }

  // A discrete GPU holds the policy state in VRAM: reserved here, or failed to start with the figures.
  bool reserve_vram() {
    if (!gpu_) return true;
    const std::uint64_t need = data_->policy_bytes;
    if (!vram_.reserve(*gpu_, need)) {
      ctx_.failed(analysis::WorkloadStatus::failed_to_start, analysis::Cause::vram_exceeded,
                  "VRAM exceeded: policy " + std::to_string(need) + " bytes (16 B x params) > " +
                      engine::VramReservation::describe_free(*gpu_));
      return false;
    }
    return true;
  }
  void release_vram() { vram_.release(); }

  bool touch(mm::MappingId mapping, std::uint64_t offset, std::uint64_t length, mm::AccessPattern pattern, bool write,
             mm::TouchCost& total) {
    if (length == 0) return true;
    const auto cost = memory_.touch(owner_, mapping, offset, length, pattern, write);
    if (!cost) return false;
    engine::add_cost(total, *cost);
    return true;
  }

  // Maps the three regions and faults in the envs' and the policy's memory.
  bool start() {
    ctx_.busy();
    envs_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":envs", data_->envs_bytes);
    replay_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":replay", data_->replay_bytes);
    if (data_->policy_bytes > 0 && !gpu_)
      policy_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":policy", data_->policy_bytes);
    mm::TouchCost cost;
    if (!touch(*envs_, 0, data_->envs_bytes, mm::AccessPattern::sequential, true, cost)) return false;
    if (policy_ && !touch(*policy_, 0, data_->policy_bytes, mm::AccessPattern::sequential, true, cost)) return false;
    memory_.pay(cost, ctx_.result.memory_stall);
    ctx_.sample_memory();
    return memory_.alive(owner_);
  }

  // The n envs render one observation each: n x transition_bytes of the envs' memory, walked as
  // one region (a vector env writes its observations side by side; one touch, two on a wrap),
  // so every env page is touched once per envs_bytes / (n x transition_bytes) vector steps.
  bool step_envs(std::uint64_t n, mm::TouchCost& cost) {
    const std::uint64_t total = data_->envs_bytes;
    std::uint64_t length = std::min(total, n * spec_.transition_bytes);
    while (length > 0) {
      const std::uint64_t run = std::min(length, total - env_cursor_);
      if (!touch(*envs_, env_cursor_, run, mm::AccessPattern::sequential, true, cost)) return false;
      env_cursor_ = (env_cursor_ + run) % total;
      length -= run;
    }
    return true;
  }

  // n transitions written at the ring's write position, wrapping at capacity.
  bool write_transitions(std::uint64_t n, mm::TouchCost& cost) {
    const std::uint64_t tb = spec_.transition_bytes;
    while (n > 0) {
      const std::uint64_t run = std::min(n, spec_.capacity - write_pos_);
      if (!touch(*replay_, write_pos_ * tb, run * tb, mm::AccessPattern::sequential, true, cost)) return false;
      write_pos_ = (write_pos_ + run) % spec_.capacity;
      data_->fill = std::min(spec_.capacity, data_->fill + run);
      n -= run;
    }
    return true;
  }

  // One learner update: `batch` transitions drawn uniformly over the filled part, then the policy state.
  bool update(mm::TouchCost& cost) {
    const std::uint64_t tb = spec_.transition_bytes;
    const bool full = data_->fill == spec_.capacity;
    for (std::uint64_t k = 0; k < spec_.batch; ++k) {
      const auto index = std::min(data_->fill - 1, static_cast<std::uint64_t>(uniform01(rng_) * double(data_->fill)));
      mm::TouchCost one;
      if (!touch(*replay_, index * tb, tb, mm::AccessPattern::random, false, one)) return false;
      data_->sampled_bytes += tb;
      data_->sampled_hit_bytes += std::min(one.hit_bytes, tb);
      if (full) {
        data_->sampled_full_bytes += tb;
        data_->sampled_full_hit_bytes += std::min(one.hit_bytes, tb);
      }
      engine::add_cost(cost, one);
    }
    return !policy_ || touch(*policy_, 0, data_->policy_bytes, mm::AccessPattern::sequential, true, cost);
  }

  // One vector step (steps 1-3 of the header); false when the workload died in it.
  bool vector_step() {
    ctx_.busy();
    const double begin_s = sg4::Engine::get_clock();
    const std::uint64_t n =
        spec_.work_steps > 0 ? std::min(spec_.envs, spec_.work_steps - data_->env_steps) : spec_.envs;
    mm::TouchCost env_cost, policy_cost;
    if (!step_envs(n, env_cost) || !write_transitions(n, env_cost)) return false;
    // Inference reads the fp32 weights (the first quarter of the policy state).
    if (policy_ && !touch(*policy_, 0, data_->policy_bytes / 4, mm::AccessPattern::sequential, false, policy_cost))
      return false;
    const std::uint64_t before = data_->env_steps, after = before + n;
    std::uint64_t updates = 0;
    if (data_->fill >= spec_.learning_starts) updates = after / spec_.update_every - before / spec_.update_every;
    if (updates > 0 && data_->learn_start_s < 0) data_->learn_start_s = sg4::Engine::get_clock();
    for (std::uint64_t u = 0; u < updates; ++u)
      if (!update(policy_cost)) return false;
    mm::TouchCost all = env_cost;
    engine::add_cost(all, policy_cost);
    memory_.pay(all, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    const double env_flops = double(n) * spec_.env_cpu_per_step_s * ctx_.host.cpu_flops;
    const double device_flops = spec_.inference_flops(n) + double(updates) * spec_.update_flops();
    if (gpu_) {
      engine::SplitStep s;
      s.cpu_flops = env_flops;
      s.cpu_bus_bytes = double(env_cost.hit_bytes + policy_cost.hit_bytes);
      s.pcie_bytes = double(n + updates * spec_.batch) * double(spec_.transition_bytes);
      s.gpu_flops = device_flops;
      s.gpu_bus_bytes = double(data_->policy_bytes / 4) + double(updates) * double(data_->policy_bytes);
      engine::run_split_step(ctx_.platform, gpu_, s);
    } else if (device_ == ctx_.platform.cpu) {
      // One CPU does both in turn: one activity of their summed FLOPs and bytes (fewer SimGrid
      // activities; the same time whenever both parts are bound by the same resource).
      engine::run_on_bus(ctx_.platform, device_, env_flops + device_flops,
                         double(env_cost.hit_bytes + policy_cost.hit_bytes));
    } else {
      engine::run_on_bus(ctx_.platform, ctx_.platform.cpu, env_flops, double(env_cost.hit_bytes));
      if (!memory_.alive(owner_)) return false;
      engine::run_on_bus(ctx_.platform, device_, device_flops, double(policy_cost.hit_bytes));
    }
    if (!memory_.alive(owner_)) return false;
    data_->env_steps = after;
    data_->updates += updates;
    workloads::sample_peak_rss(ctx_, owner_, data_->peak_resident_bytes);
    if (ctx_.timeline)
      ctx_.timeline->slice(ctx_.index, "vector step", begin_s, sg4::Engine::get_clock(),
                           {{"envs", static_cast<double>(n)}, {"updates", static_cast<double>(updates)}});
    return true;
  }

  void finish() {
    workloads::mark_finished(ctx_, *data_);
  }

  WorkloadContext& ctx_;
  const RlSpec& spec_;
  engine::HostMemory& memory_;
  std::mt19937_64 rng_;
  std::shared_ptr<RlData> data_;
  std::uint64_t env_cursor_ = 0;           // bytes into the envs' memory
  std::uint64_t write_pos_ = 0;            // the ring's next transition
  sg4::Host* device_ = nullptr;
  engine::DiscreteGpu* gpu_ = nullptr;  // the policy's discrete GPU, if on one
  engine::VramReservation vram_;  // the policy in a discrete GPU's VRAM
  mm::OwnerId owner_ = 0;
  std::optional<mm::MappingId> envs_, replay_, policy_;
};

}  // namespace
}  // namespace headroom::models

namespace headroom::workloads::rl {

void start(engine::WorkloadContext& ctx) {
  start_one_actor<models::Rl, config::RlSpec>(ctx, "rl", "RlSpec");
}

}  // namespace headroom::workloads::rl
