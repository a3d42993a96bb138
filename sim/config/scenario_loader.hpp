// Entry point of the config layer: a scenario file in, a validated Scenario out (format reference:
// sim/config/README.md). Every problem is a ConfigError whose what() is
// "FILE:LINE:COL: error: MESSAGE", FILE being the path exactly as given.
#pragma once

#include <string>
#include <vector>

#include "sim/config/error.hpp"
#include "sim/config/overrides.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::config {

// Catalogs come from default_catalog_dir(): $HEADROOM_CATALOG_DIR, else the source tree's
// models/catalog. Not validated here (left to the engine, which links the memory manager):
// memory.policy names, and whether `weights: wired` fits a host's GPU limit.
Scenario load_scenario(const std::string& path);
Scenario load_scenario(const std::string& path, const std::string& catalog_dir);
// With `--set PATH=VALUE` overrides applied to the file's tree before validation (overrides.hpp);
// an error at an overridden value reads "error: --set PATH=VALUE: MESSAGE".
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides);
Scenario load_scenario(const std::string& path, const std::string& catalog_dir,
                       const std::vector<Override>& overrides);

}  // namespace headroom::config
