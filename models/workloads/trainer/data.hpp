// kind: trainer: what the engine records for one trainer (run.cpp fills it into
// WorkloadResult::data; summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/results.hpp"

namespace headroom::workloads {

struct TrainerData : analysis::KindData {
  // As asked (the spec) and derived at start from the host.
  std::string method, optimizer, checkpointing, device;
  std::uint64_t micro_batch = 0, seq_len = 0, grad_accum = 0;
  std::uint64_t work_steps = 0;       // 0: runs to the horizon
  std::uint64_t steps_per_epoch = 0;  // 0: no dataset_samples
  std::uint64_t trained_params = 0;
  // Region sizes (bytes, as formulas) and the memory the trainer may use.
  std::uint64_t weights_bytes = 0, grads_bytes = 0, optimizer_bytes = 0, activations_bytes = 0,
                dataloader_bytes = 0, footprint_bytes = 0;
  std::uint64_t available_bytes = 0;   // min(RAM - os_reserve - min watermark, group memory.max)
  std::uint64_t gpu_limit_bytes = 0;   // gpu: the wired (working-set) limit or the VRAM; 0 = cpu
  std::uint64_t vram_bytes = 0;        // reserved in a discrete GPU's VRAM (0: not on one)
  std::uint64_t max_micro_batch = 0;
  std::uint64_t footprint_at_max_bytes = 0, footprint_above_max_bytes = 0;
  double micro_step_flops = 0, update_flops = 0;
  // As done.
  std::uint64_t steps_done = 0, micro_steps_done = 0;
  double start_s = -1, first_step_end_s = -1, last_step_end_s = -1;
  bool finished = false;
  double finish_s = -1;
  std::uint64_t peak_activation_resident_bytes = 0;  // the activations region's touched size, at most
  std::uint64_t peak_resident_bytes = 0;             // the owner's resident pages after a step, at most
};

}  // namespace headroom::workloads
