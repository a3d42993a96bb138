#include "sim/mm/policy_registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace headroom::mm {

PolicyRegistry& PolicyRegistry::instance() {
  static PolicyRegistry registry;
  return registry;
}

void PolicyRegistry::add(PolicyInfo info) {
  if (find(info.name) != nullptr) throw std::logic_error("policy registered twice: " + info.name);
  policies_.push_back(std::move(info));
}

const PolicyInfo* PolicyRegistry::find(const std::string& name) const {
  for (const auto& p : policies_)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> PolicyRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& p : policies_) out.push_back(p.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace headroom::mm
