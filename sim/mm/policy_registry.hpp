// Policies register themselves by name: one new file plus one HEADROOM_REGISTER_POLICY line adds a
// policy; scenarios select it with `memory.policy`, `headroom cache` with `--policy`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/mm/policy.hpp"
#include "sim/registry.hpp"

namespace headroom::mm {

struct PolicyInfo {
  std::string name;         // e.g. "lru", "linux"
  std::string description;  // one line, shown by --help and in errors
  bool offline = false;     // needs PolicyOptions::future (trace mode only), e.g. OPT
  std::function<std::unique_ptr<EvictionPolicy>(std::uint64_t capacity_pages, const PolicyOptions&)>
      make;
};

using PolicyRegistry = NamedRegistry<PolicyInfo>;

}  // namespace headroom::mm

// Usage, in the policy's .cpp: HEADROOM_REGISTER_POLICY({"lru", "least recently used", false, make_fn});
#define HEADROOM_REGISTER_POLICY(...) HEADROOM_REGISTER(::headroom::mm::PolicyRegistry, __VA_ARGS__)
