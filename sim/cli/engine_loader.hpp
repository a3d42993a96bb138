// sim/cli/engine_loader: loads the simulation engine, headroom-engine.so, on demand. Only `run` and
// `compare` call it, so `--help`, `hosts`, `models`, `cache` and `mrc` never map SimGrid (about
// 65 ms of CPU and 33 MB per process). The module is looked for beside the executable (the build
// tree: build/headroom, build/headroom-engine.so), then at HEADROOM_ENGINE_RELDIR relative to the
// executable's directory (the install tree: bin/ -> lib/headroom/, set by CMakeLists.txt).
// Header-only, included by sim/main.cpp alone (see host_runner.hpp).
#pragma once

#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/engine/module.hpp"

#ifndef HEADROOM_ENGINE_RELDIR
#define HEADROOM_ENGINE_RELDIR "../lib/headroom"
#endif

namespace headroom::cli {

// The module could not be found or does not match this executable: an installation fault.
class EngineLoadError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

namespace detail {

inline std::vector<std::filesystem::path> engine_candidates() {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) throw EngineLoadError("cannot find the simulation engine: /proc/self/exe: " + error.message());
  const fs::path dir = exe.parent_path();
  return {dir / engine::kModuleFile, (dir / HEADROOM_ENGINE_RELDIR / engine::kModuleFile).lexically_normal()};
}

inline engine::SimulateHostFn open_engine(const std::filesystem::path& path) {
  // RTLD_NOW: a module that does not fit the executable fails here, not in the middle of a run.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) throw EngineLoadError("cannot load the simulation engine: " + std::string(::dlerror()));
  using Entry = const engine::ModuleEntry* (*)();
  const auto entry = reinterpret_cast<Entry>(::dlsym(handle, engine::kModuleEntrySymbol));
  const engine::ModuleEntry* module = entry ? entry() : nullptr;
  const engine::ModuleEntry expected = engine::expected_module_layout();
  if (module == nullptr || module->abi_version != expected.abi_version ||
      module->scenario_size != expected.scenario_size || module->host_result_size != expected.host_result_size ||
      module->simulate_host == nullptr)
    throw EngineLoadError("cannot load the simulation engine: " + path.string() +
                          " was built from other sources than this headroom executable; rebuild both");
  return module->simulate_host;  // the module stays loaded for the rest of the process
}

}  // namespace detail

// engine::simulate_host from the module, loaded at the first call. Throws EngineLoadError naming
// where it looked.
inline engine::SimulateHostFn simulation_engine() {
  static engine::SimulateHostFn loaded = nullptr;
  if (loaded) return loaded;
  const auto candidates = detail::engine_candidates();
  for (const auto& path : candidates) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) return loaded = detail::open_engine(path);
  }
  std::string places;
  for (const auto& path : candidates) places += (places.empty() ? "" : " or ") + path.string();
  throw EngineLoadError("cannot load the simulation engine: " + std::string(engine::kModuleFile) +
                        " is missing (looked for " + places + "); rebuild or reinstall headroom");
}

}  // namespace headroom::cli
