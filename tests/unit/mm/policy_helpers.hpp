// Helpers shared by the policy tests: make a registered policy, replay a page string.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "sim/mm/policy_registry.hpp"
#include "tests/unit/mm/brute_force.hpp"

namespace headroom::mm::test {

inline std::unique_ptr<EvictionPolicy> make_policy(const std::string& name, std::uint64_t capacity,
                                                   PolicyOptions options = {}) {
  const PolicyInfo* info = PolicyRegistry::instance().find(name);
  REQUIRE(info != nullptr);
  return info->make(capacity, options);
}

// Misses of a page-at-a-time replay of `string` (one single-page reference per entry).
inline std::uint64_t count_misses(EvictionPolicy& policy, const std::vector<PageKey>& string) {
  Recorded sink;
  std::uint64_t misses = 0;
  for (PageKey k : string) misses += policy.reference({k, 1}, PageKind::file, sink).miss_pages;
  return misses;
}

}  // namespace headroom::mm::test
