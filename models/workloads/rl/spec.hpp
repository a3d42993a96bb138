// kind: rl: reinforcement learning with environment instances, a replay buffer and a policy
// network (DQN/Ape-X style, one synchronous loop). Validated config only (no yaml-cpp, no
// SimGrid): parse.cpp fills it, run.cpp runs it, summary.cpp summarises what it did. The YAML
// schema is in sim/config/README.md ("kind: rl").
//
// Memory, one anonymous mapping each (named <workload>:envs, :replay, :policy):
//   envs    = envs x env_memory                        (each instance's process memory)
//   replay  = capacity x transition_bytes              (the ring buffer, filled as steps happen)
//   policy  = 16 x params                              (fp32 weights 4 + gradients 4 + Adam 8;
//                                                       in VRAM instead on a discrete GPU)
// transition_bytes given as `frame: WxHxC` is W x H x C bytes (uint8 pixels; 84x84x4 = 28,224 B,
// facts.yaml rl.atari_replay_buffer_derived_gb.one_million_stacks_4x84x84_uint8 = 28.224 GB for 1e6).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/checked.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::config {

// gpu: the host's first discrete GPU (the policy state in its VRAM), else its integrated GPU (platform.gpu)
enum class RlDevice : std::uint8_t { cpu, gpu };

struct RlSpec : WorkloadSpec {
  bool can_finish() const override { return work_steps > 0; }  // slo: deadline

  std::uint64_t envs = 0;               // environment instances, stepped together (one vector step)
  std::uint64_t env_memory_bytes = 0;   // per instance, anonymous
  double env_cpu_per_step_s = 0;        // CPU time of one env step on the whole host CPU
  std::uint64_t capacity = 0;           // replay transitions
  std::uint64_t transition_bytes = 0;   // bytes of one transition
  std::uint64_t batch = 0;              // transitions sampled per learner update
  std::uint64_t update_every = 0;       // env steps (over all envs) per learner update
  std::uint64_t learning_starts = 0;    // transitions in the buffer before the first update
  double policy_params = 0;
  RlDevice device = RlDevice::cpu;
  std::uint64_t work_steps = 0;         // env steps (over all envs) to do; 0 = to the horizon

  // The closed forms above; nullopt on overflow (the parser refuses that first).
  std::optional<std::uint64_t> replay_bytes() const { return checked_mul(capacity, transition_bytes); }
  std::optional<std::uint64_t> envs_bytes() const { return checked_mul(envs, env_memory_bytes); }
  std::uint64_t policy_bytes() const { return static_cast<std::uint64_t>(16.0 * policy_params); }
  // FLOPs: inference 2 x params per env step, an update 6 x params x batch (forward + backward).
  double inference_flops(std::uint64_t env_steps) const { return 2.0 * policy_params * double(env_steps); }
  double update_flops() const { return 6.0 * policy_params * double(batch); }
};

}  // namespace headroom::config
