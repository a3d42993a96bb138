#include "sim/engine/module.hpp"

#include "sim/engine/simulate.hpp"

extern "C" const headroom::engine::ModuleEntry* headroom_engine_module_v1() {
  static const headroom::engine::ModuleEntry entry = [] {
    headroom::engine::ModuleEntry e = headroom::engine::expected_module_layout();
    e.simulate_host = &headroom::engine::simulate_host;
    return e;
  }();
  return &entry;
}
