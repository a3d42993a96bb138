// kind: rl: what the engine records for one rl workload (run.cpp fills it into
// WorkloadResult::data; summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/results.hpp"

namespace headroom::models {

struct RlData : analysis::KindData {
  // As asked.
  std::uint64_t envs = 0, capacity = 0, transition_bytes = 0, work_steps = 0;
  std::uint64_t replay_bytes = 0, envs_bytes = 0, policy_bytes = 0;
  std::string device;  // where the policy ran: "cpu" | "gpu"
  // As done.
  double start_s = -1;   // first vector step began (after the regions were faulted in)
  double finish_s = -1;  // all work_steps done
  double learn_start_s = -1;  // the first learner update began (its vector step)
  bool finished = false;
  std::uint64_t env_steps = 0, updates = 0;
  std::uint64_t fill = 0;  // transitions in the buffer (at most capacity)
  // Sampled transitions' bytes and the part of them that was resident when touched; the same
  // after the buffer was full (the steady state the resident-fraction test reads).
  std::uint64_t sampled_bytes = 0, sampled_hit_bytes = 0;
  std::uint64_t sampled_full_bytes = 0, sampled_full_hit_bytes = 0;
  std::uint64_t peak_resident_bytes = 0;
};

}  // namespace headroom::models
