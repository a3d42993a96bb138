// Helpers shared by the policy tests: make a registered policy, replay a page string.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
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

// One reference of a scripted workload.
struct Touch {
  PageRun run;
  PageKind kind;
};

// A fresh `linux` policy and its page-at-a-time brute force, both with `swap_pages` anon victims
// allowed.
struct LinuxPair {
  LinuxPair(std::uint64_t capacity, const PolicyOptions& options, std::uint64_t swap_pages)
      : policy(make_policy("linux", capacity, options)), brute(capacity, options) {
    policy->set_anon_victim_limit(swap_pages);
    brute.set_anon_victim_limit(swap_pages);
  }
  std::unique_ptr<EvictionPolicy> policy;
  BruteLinux brute;
};

// Replays `ops` on both, requiring identical hits, misses, missed and evicted pages, anon residency
// and residency of every key after each reference.
inline void replay_linux_against_brute(LinuxPair& pair, const std::vector<Touch>& ops) {
  PageKey max_key = 0;
  for (const Touch& op : ops) max_key = std::max(max_key, op.run.end());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    CAPTURE(i);
    Recorded a, b;
    ReferenceResult ra = pair.policy->reference(ops[i].run, ops[i].kind, a);
    ReferenceResult rb = pair.brute.reference(ops[i].run, ops[i].kind, b);
    REQUIRE(ra.miss_pages == rb.miss_pages);
    REQUIRE(ra.hit_pages == rb.hit_pages);
    REQUIRE(Recorded::sorted(a.missed_pages) == Recorded::sorted(b.missed_pages));
    REQUIRE(Recorded::sorted(a.evicted_pages) == Recorded::sorted(b.evicted_pages));
    REQUIRE(pair.policy->resident_pages(PageKind::anon) == pair.brute.resident(PageKind::anon));
    for (PageKey k = 0; k < max_key; ++k) REQUIRE(pair.policy->contains(k) == pair.brute.contains(k));
  }
}

}  // namespace headroom::mm::test
