// Counters of the linux policy's refault activations, for tests that check which path a workload took
// (the policy itself is reached by name only).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/mm/policy.hpp"

namespace headroom::mm {

struct LinuxStats {
  std::uint64_t batches = 0;        // refault activations with victims taken in closed form
  std::uint64_t batched_pages = 0;  // pages those batches activated
  std::uint64_t single_pages = 0;   // refault activations taken one page at a time (memory full)
  std::uint64_t plain_stretches = 0;  // plain-miss pieces extended in closed form past the shadow bound
  std::uint64_t shadow_runs = 0;    // shadow runs held now (engine mode; 0 in trace mode)
};

// The counters of `policy` when it is the linux policy, nullopt otherwise.
std::optional<LinuxStats> linux_stats(const EvictionPolicy& policy);

}  // namespace headroom::mm
