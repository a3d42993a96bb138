// Replays a dense reference string through registered eviction policies (`headroom cache`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/mm/policy.hpp"
#include "sim/trace/trace_reader.hpp"

namespace headroom::trace {

struct CacheResult {
  std::string policy;
  std::uint64_t frames = 0;
  std::uint64_t requests = 0;
  std::uint64_t misses = 0;  // cold misses included
  double miss_ratio() const { return requests ? static_cast<double>(misses) / static_cast<double>(requests) : 0.0; }
};

// Misses of `policy` (a registered name) with `frames` frames over `keys` (dense, < unique), one
// page per reference, every miss inserted. Throws std::invalid_argument for an unknown policy or
// zero frames.
std::uint64_t replay_misses(const std::string& policy, std::uint64_t frames,
                            const std::vector<mm::PageKey>& keys, std::uint64_t unique);

// Every (policy, frames) pair, in that order (policies outer), over up to `threads` threads; the
// result order does not depend on the thread count.
std::vector<CacheResult> replay_all(const std::vector<std::string>& policies,
                                    const std::vector<std::uint64_t>& frames, const Trace& trace,
                                    unsigned threads);

}  // namespace headroom::trace
