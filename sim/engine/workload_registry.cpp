#include "sim/engine/workload_registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace headroom::engine {

WorkloadRegistry& WorkloadRegistry::instance() {
  static WorkloadRegistry registry;  // function-local: safe from static-initialisation order
  return registry;
}

void WorkloadRegistry::add(WorkloadKind kind) {
  if (find(kind.name))
    throw std::logic_error("workload kind registered twice: " + kind.name);
  kinds_.push_back(std::move(kind));
}

const WorkloadKind* WorkloadRegistry::find(const std::string& name) const {
  auto it = std::find_if(kinds_.begin(), kinds_.end(), [&](const WorkloadKind& k) { return k.name == name; });
  return it == kinds_.end() ? nullptr : &*it;
}

std::vector<std::string> WorkloadRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& k : kinds_)
    out.push_back(k.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace headroom::engine
