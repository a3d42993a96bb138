// Shared by workload kinds' parsers (front end, hr_config): an LLM and a quantization named from the
// catalogs (models/catalog/) or given inline, and a choice among named values. Errors name the
// file, line and column of the scenario value.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {

// `keys` followed by `more`, for a MapReader's allowed keys.
std::vector<std::string> with_keys(std::vector<std::string> keys, std::initializer_list<const char*> more);

// The workload's `model:` (a catalog name, or a map with `use:` or every field).
config::LlmSpec parse_model(const config::ParseContext& ctx, const config::MapReader& workload);
// The workload's `quant:` (a catalog name, or {id, bits_per_weight}).
config::QuantSpec parse_quant(const config::ParseContext& ctx, const config::MapReader& workload);

// The value named by `key` (or `fallback` when absent) among `choices`; else an error listing them.
template <typename T>
T choose(const config::MapReader& map, const std::string& key, const std::string& fallback,
         const std::vector<std::pair<std::string, T>>& choices) {
  const std::string text = map.has(key) ? map.scalar(key, "a name") : fallback;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
    names += (names.empty() ? "" : " | ") + name;
  }
  map.fail(map.get(key), key + ": expected one of " + names + ", found '" + shown(text) + "'");
}

}  // namespace headroom::workloads
