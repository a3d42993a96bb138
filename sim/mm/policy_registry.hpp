// Policies register themselves by name: one new file plus one HEADROOM_REGISTER_POLICY line adds a
// policy; scenarios select it with `memory.policy`, `headroom cache` with `--policy`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::mm {

struct PolicyInfo {
  std::string name;         // e.g. "lru", "linux"
  std::string description;  // one line, shown by --help and in errors
  bool offline = false;     // needs PolicyOptions::future (trace mode only), e.g. OPT
  std::function<std::unique_ptr<EvictionPolicy>(std::uint64_t capacity_pages, const PolicyOptions&)>
      make;
};

class PolicyRegistry {
 public:
  static PolicyRegistry& instance();
  void add(PolicyInfo info);
  // nullptr when unknown.
  const PolicyInfo* find(const std::string& name) const;
  std::vector<std::string> names() const;  // sorted

 private:
  std::vector<PolicyInfo> policies_;
};

struct PolicyRegistration {
  explicit PolicyRegistration(PolicyInfo info) { PolicyRegistry::instance().add(std::move(info)); }
};

}  // namespace headroom::mm

#define HEADROOM_POLICY_CONCAT2(a, b) a##b
#define HEADROOM_POLICY_CONCAT(a, b) HEADROOM_POLICY_CONCAT2(a, b)
// Usage, in the policy's .cpp: HEADROOM_REGISTER_POLICY({"lru", "least recently used", false, make_fn});
#define HEADROOM_REGISTER_POLICY(...)                                                          \
  static const ::headroom::mm::PolicyRegistration HEADROOM_POLICY_CONCAT(policy_registration_, \
                                                                         __LINE__)(__VA_ARGS__)
