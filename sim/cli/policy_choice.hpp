// sim/cli/policy_choice: which eviction policy `run` and `compare` simulate. The scenario's
// `memory.policy` (default linux) unless `--policy NAME` overrides it; both are checked against
// mm::PolicyRegistry before any simulation starts, so a bad name is bad input (exit 2), not a
// crashed child. Offline policies (OPT) need the future reference string and exist only in
// `headroom cache`. commands.hpp applies the choice. Header-only, included by sim/main.cpp alone (see host_runner.hpp).
#pragma once

#include <string>

#include "sim/mm/policy_registry.hpp"
#include "sim/text.hpp"

namespace headroom::cli {

// "arc, clock, fifo, ..." : the registered policies the engine can run (sorted).
inline std::string online_policy_names() {
  std::string out;
  for (const std::string& name : mm::PolicyRegistry::instance().names()) {
    const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(name);
    if (info->offline) continue;
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// The problem with `name` as an engine policy ("" when it is fine), without the "error:" prefix.
inline std::string policy_problem(const std::string& name) {
  const mm::PolicyInfo* info = mm::PolicyRegistry::instance().find(name);
  if (info == nullptr) {
    const std::string near = nearest_name(name, mm::PolicyRegistry::instance().names());
    return "unknown policy '" + shown(name) + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
           " (policies: " + online_policy_names() + ")";
  }
  if (info->offline)
    return "policy '" + name + "' is offline: it needs the future reference string and runs only in "
           "`headroom cache`";
  return "";
}

}  // namespace headroom::cli
