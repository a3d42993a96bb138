// Dotted-path overrides of a scenario's YAML tree (`headroom sweep --set PATH=VALUE`, capacity
// search): applied after the file is parsed, before anything is validated, so an overridden value
// goes through exactly the checks a value written in the file would. Format: sim/config/README.md
// ("Overrides: --set paths").
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace headroom::config {

// One `--set PATH=VALUE`: "workloads.chat.arrivals.poisson" = "1/min". VALUE is YAML text.
struct Override {
  std::string path;
  std::string value;
};

// "PATH=VALUE" split at its first '='; throws ConfigError ("error: --set TEXT: ...") for a missing
// '=', an empty path or an empty step ("a..b").
Override parse_override(const std::string& text);

// "--set PATH=VALUE" as messages show it.
std::string override_text(const Override& o);

// Where the nodes an override brought in (its value, an added key, a promoted host) claim to be:
// lines after the end of the file, one range per override, so a ConfigError the validation raises
// at such a node is recognised by its line and reported at the `--set` argument instead.
struct OverrideLines {
  int first_line = 0;  // 1-based, as ConfigError::line()
  int last_line = 0;
};

// Applies `overrides` in order to `document` (the parsed scenario file `file`). A step that matches
// nothing is a ConfigError "error: --set PATH=VALUE: no workload named 'x' in FILE (workloads: ...)".
// Returns the line range of each override's nodes (same order).
std::vector<OverrideLines> apply_overrides(const std::string& file, YAML::Node document,
                                           const std::vector<Override>& overrides);

// `error` raised while validating `file` after apply_overrides: re-thrown at the `--set` argument
// when it points into an override's lines, else re-thrown as it is.
[[noreturn]] void rethrow_at_override(const class ConfigError& error, const std::string& file,
                                      const std::vector<Override>& overrides,
                                      const std::vector<OverrideLines>& lines);

}  // namespace headroom::config
