// Drivers shared by the policy tests: trace-mode replay by name, and engine-style runs recorded
// page by page.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "sim/mm/policy_registry.hpp"
#include "naive_policies.hpp"

namespace testing {

using headroom::mm::PageKey;
using headroom::mm::PageKind;
using headroom::mm::PageRun;

inline std::unique_ptr<headroom::mm::EvictionPolicy> make(const std::string& name, std::uint64_t frames,
                                                          const std::vector<PageKey>* future,
                                                          std::uint64_t key_space) {
  const auto* info = headroom::mm::PolicyRegistry::instance().find(name);
  REQUIRE_MESSAGE(info != nullptr, "policy not registered: " << name);
  headroom::mm::PolicyOptions options;
  options.future = future;
  options.key_space = key_space;
  return info->make(frames, options);
}

// Expands every reported run into its pages, in report order, and checks the order makes sense
// to a bookkeeper: a page is missed while absent and evicted while present.
class Recorder final : public headroom::mm::PolicyListener {
 public:
  void missed(PageRun run, PageKind) override {
    for (PageKey k = run.first; k < run.end(); ++k) {
      misses.push_back(k);
      consistent = consistent && present.insert(k).second;
    }
  }
  void evicted(PageRun run, PageKind) override {
    for (PageKey k = run.first; k < run.end(); ++k) {
      victims.push_back(k);
      consistent = consistent && present.erase(k) == 1;
    }
  }
  std::vector<PageKey> misses, victims;
  std::set<PageKey> present;
  bool consistent = true;
};

inline std::uint64_t max_key(const std::vector<PageKey>& keys) {
  std::uint64_t m = 0;
  for (auto k : keys) m = std::max(m, k + 1);
  return m;
}

// Misses of a registered policy in trace mode (one page per reference, flat key index).
inline std::uint64_t misses(const std::string& name, std::uint64_t frames, const std::vector<PageKey>& keys) {
  auto p = make(name, frames, &keys, max_key(keys));
  Recorder r;
  std::uint64_t m = 0;
  for (auto k : keys) m += p->reference(PageRun{k, 1}, PageKind::file, r).miss_pages;
  return m;
}

inline std::unique_ptr<naive::Policy> make_naive(const std::string& name, std::size_t frames,
                                                 const std::vector<PageKey>& future) {
  if (name == "fifo") return std::make_unique<naive::Fifo>(frames);
  if (name == "lru") return std::make_unique<naive::Lru>(frames);
  if (name == "clock") return std::make_unique<naive::Clock>(frames);
  if (name == "arc") return std::make_unique<naive::Arc>(frames);
  if (name == "mglru") return std::make_unique<naive::Mglru>(frames);
  if (name == "opt") return std::make_unique<naive::Opt>(frames, future);
  return nullptr;
}

inline std::uint64_t naive_misses(const std::string& name, std::size_t frames, const std::vector<PageKey>& keys) {
  auto p = make_naive(name, frames, keys);
  std::uint64_t m = 0;
  for (auto k : keys) m += p->access(k).hit ? 0 : 1;
  return m;
}

// A reference string with locality: a hot set, loops and uniform noise, from a fixed seed.
inline std::vector<PageKey> random_trace(std::uint64_t seed, std::size_t n, std::uint64_t pages) {
  std::mt19937_64 rng(seed);
  std::vector<PageKey> keys;
  while (keys.size() < n) {
    switch (rng() % 3) {
      case 0:  // hot set: a tenth of the pages
        for (int i = 0; i < 8; ++i) keys.push_back(rng() % (pages / 10 + 1));
        break;
      case 1: {  // a short loop
        const PageKey start = rng() % pages;
        const std::uint64_t len = 1 + rng() % 12;
        for (std::uint64_t i = 0; i < len; ++i) keys.push_back((start + i) % pages);
        break;
      }
      default:
        keys.push_back(rng() % pages);
    }
  }
  keys.resize(n);
  return keys;
}

inline const std::vector<std::string>& online_policies() {
  static const std::vector<std::string> names{"fifo", "clock", "arc", "mglru"};
  return names;
}

}  // namespace testing
