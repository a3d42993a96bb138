// The engine side of an access pattern (access_spec.hpp): what one step of a workload touches in a
// range of `range_bytes`, as a short list of page-aligned runs to hand to HostMemory::touch. Pure
// and deterministic (no SimGrid, no clock): the same spec, range, state and seeded generator give
// the same touches on every platform, so it is unit-tested on its own
// (tests/unit/engine/access_pattern_test.cpp).
//
// Random patterns are SAMPLED: k page indices drawn per step from a std::mt19937_64 (seeded by the
// caller, scenario seed + workload index) through uniform01, which uses the generator's top 53
// bits (std::uniform_*_distribution's algorithms are left to the standard library, so they would
// differ between platforms). Draws are with replacement and touched in the order drawn (mmap
// read-around depends on it); a draw that repeats or extends the previous one joins its run, so a
// step makes at most k touches (k <= kMaxTouchesPerStep, checked by the config layer).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "models/workloads/common/access_spec.hpp"
#include "sim/mm/memory_manager.hpp"

namespace headroom::models {

struct Touch {
  std::uint64_t offset_bytes = 0;
  std::uint64_t length_bytes = 0;
  mm::AccessPattern pattern = mm::AccessPattern::sequential;
  bool operator==(const Touch&) const = default;
};

// Where a sequential or strided walk is; starts at 0. Kept between steps by the caller.
struct AccessState {
  std::uint64_t cursor_bytes = 0;
};

// Uniform in [0, 1) from the top 53 bits of one draw: the same on every platform.
inline double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// The runs step `step_bytes` of `spec` touches in [0, range_bytes), each a whole number of pages
// except that none passes range_bytes: sequential in walk order (at most two runs, the second from
// the range's start after a wrap), strided ascending and disjoint, sampled pages in drawn order. `step_bytes` is what the step touches:
//   sequential: [cursor, cursor + step_bytes) wrapping at the end (at most the whole range once);
//   strided:    ceil(step_bytes / length) chunks of `length` bytes, `stride` apart from the cursor
//               (at most one per stride position of the range), wrapping;
//   uniform:    k = ceil(step_bytes / page_bytes) pages drawn uniformly over the range's pages;
//   hot-cold:   k pages, each from the hot prefix (the first max(1, floor(pages x hot_fraction))
//               pages) with probability hot_share, else from the rest.
// Sequential and strided runs use AccessPattern::sequential (readahead), sampled pages ::random.
// An empty range or a zero step touches nothing. page_bytes > 0; range_bytes need not be a
// multiple of it (a partial last page is touched as far as the range goes).
std::vector<Touch> step_touches(const config::AccessSpec& spec, std::uint64_t range_bytes, std::uint64_t page_bytes,
                                std::uint64_t step_bytes, AccessState& state, std::mt19937_64& rng);

// Sorts `touches` and merges overlapping or adjacent ones with the same pattern.
std::vector<Touch> coalesce(std::vector<Touch> touches);

}  // namespace headroom::models
