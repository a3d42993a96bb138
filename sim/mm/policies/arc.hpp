// ARC's list sizes, for invariant checks in tests (the policy itself is reached by name only).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/mm/policy.hpp"

namespace headroom::mm {

struct ArcState {
  std::uint64_t t1 = 0, t2 = 0, b1 = 0, b2 = 0;  // resident lists T1, T2; ghost lists B1, B2
  double p = 0;                                  // adaptive target size of T1
};

// The state of `policy` when it is an ARC policy, nullopt otherwise.
std::optional<ArcState> arc_state(const EvictionPolicy& policy);

}  // namespace headroom::mm
