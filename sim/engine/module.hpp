// sim/engine/module: the interface between the `headroom` front end and the engine module,
// headroom-engine.so (sim/engine + models/ + SimGrid). Only `run` and `compare` simulate, so only
// they load the module (sim/cli/engine_loader.hpp); every other command runs without mapping
// SimGrid. The module takes the config, mm and analysis code from the executable (which exports
// its symbols), so both sides share one copy of every type and registry. kAbiVersion and the type
// sizes catch a module built from other sources than the executable.
#pragma once

#include <cstddef>
#include <stdexcept>

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::engine {

// A fault of the simulator itself (never of the input). what() is one line,
// "internal: simulation of host 'NAME' failed: ...", which the CLI prints after "error: " for
// `run` and `compare` alike, with exit status 1.
class InternalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr const char* kModuleFile = "headroom-engine.so";
inline constexpr const char* kModuleEntrySymbol = "headroom_engine_module_v1";
inline constexpr int kAbiVersion = 1;

using SimulateHostFn = analysis::HostResult (*)(const config::Scenario&, const config::HostSpec&);

struct ModuleEntry {
  int abi_version = 0;
  std::size_t scenario_size = 0;     // sizeof(config::Scenario) as the module saw it
  std::size_t host_result_size = 0;  // sizeof(analysis::HostResult)
  SimulateHostFn simulate_host = nullptr;  // engine::simulate_host (simulate.hpp)
};

// What the module's entry symbol returns, for comparison with the loader's own view.
inline constexpr ModuleEntry expected_module_layout() {
  return {kAbiVersion, sizeof(config::Scenario), sizeof(analysis::HostResult), nullptr};
}

}  // namespace headroom::engine

// Defined in the module (module.cpp); looked up by name with dlsym.
extern "C" const headroom::engine::ModuleEntry* headroom_engine_module_v1();
