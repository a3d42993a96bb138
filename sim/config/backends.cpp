// models/catalog/backends.yaml: llama.cpp's speed factors per compute backend (BackendSpec, read by
// models/workloads/llm-server/speed_model.hpp). Every backend of backend_names() must be listed,
// each with a `calibration:` line saying which measurements its factors were fitted on.
#include <algorithm>
#include <set>
#include <sstream>

#include "sim/config/catalog.hpp"
#include "sim/config/units.hpp"

namespace headroom::config {
namespace {

// `{default: 0.9, Q4_0: 0.8}`: quant id (a catalog quantization, or `default`, required) -> a share
// above 0 and at most `max`.
std::map<std::string, double> parse_share_table(const MapReader& entry, const std::string& key, double max,
                                                const std::map<std::string, QuantSpec>& quants) {
  const YAML::Node table = entry.required(key);
  expect_map(entry.file(), table, key);
  std::map<std::string, double> shares;
  for (const auto& item : table) {
    const std::string quant = scalar_text(entry.file(), item.first, key + " key", "a quantization name");
    if (quant != "default" && !quants.count(quant))
      entry.fail(item.first, key + ": " + unknown_name("quantization", quant, quants) + " (or default)");
    if (shares.count(quant)) entry.fail(item.first, key + ": duplicate key '" + shown(quant) + "'");
    const std::string text = scalar_text(entry.file(), item.second, key + " " + quant, "a share");
    double share = -1;
    try {
      share = parse_number(text);
    } catch (const UnitError&) {
    }
    if (!(share > 0 && share <= max)) {
      std::ostringstream bound;
      bound << max;
      entry.fail(item.second, key + " " + shown(quant) + ": expected a number above 0 and at most " + bound.str() +
                                  ", found '" + shown(text) + "'");
    }
    shares[quant] = share;
  }
  if (!shares.count("default"))
    entry.fail(table, key + ": expected a 'default' entry (the share of quantizations not listed)");
  return shares;
}

// A share in (0, 1] given as a plain number.
double parse_share(const MapReader& entry, const std::string& key) {
  const double share = entry.number(key, 0);
  if (share > 1)
    entry.fail(entry.get(key), key + ": expected a number above 0 and at most 1, found '" +
                                   shown(entry.get(key).Scalar()) + "'");
  return share;
}

}  // namespace

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names{"metal", "cuda", "rocm", "vulkan", "cpu"};
  return names;
}

void load_backends(const std::string& path, Catalog& catalog) {
  const MapReader root(path, load_yaml_file(path, "catalog file"), "backend catalog", {"backends"});
  const YAML::Node section = root.required("backends");
  expect_map(path, section, "backends");
  for (const auto& item : section) {
    BackendSpec backend;
    backend.id = scalar_text(path, item.first, "backend name", "a name");
    std::string names;
    for (const auto& known : backend_names()) names += (names.empty() ? "" : " | ") + known;
    if (std::find(backend_names().begin(), backend_names().end(), backend.id) == backend_names().end())
      fail_at(path, item.first, "backends: expected one of " + names + ", found '" + shown(backend.id) + "'");
    const MapReader entry(path, item.second, "backend '" + shown(backend.id) + "'",
                          {"decode_efficiency", "prefill_efficiency", "kv_efficiency", "attention_efficiency", "layer_fixed",
                           "moe_layer_fixed", "moe_prefill_efficiency", "calibration", "description"});
    backend.calibration = entry.string("calibration");
    // Decode reads the weights at most at the spec bandwidth; prefill is relative to the host's
    // FLOP/s figure, which may itself be an end-to-end llama.cpp figure, so up to 4x is accepted.
    backend.decode_efficiency = parse_share_table(entry, "decode_efficiency", 1.0, catalog.quants);
    backend.prefill_efficiency = parse_share_table(entry, "prefill_efficiency", 4.0, catalog.quants);
    backend.kv_efficiency = parse_share(entry, "kv_efficiency");
    backend.attention_efficiency = parse_share(entry, "attention_efficiency");
    backend.layer_fixed_s = entry.duration_s("layer_fixed", false);
    backend.moe_layer_fixed_s = entry.has("moe_layer_fixed") ? entry.duration_s("moe_layer_fixed", false) : 0.0;
    backend.moe_prefill_efficiency = entry.has("moe_prefill_efficiency") ? parse_share(entry, "moe_prefill_efficiency") : 1.0;
    if (!catalog.backends.emplace(backend.id, backend).second)
      fail_at(path, item.first, "duplicate backend '" + shown(backend.id) + "'");
  }
  for (const auto& name : backend_names())
    if (!catalog.backends.count(name))
      fail_at(path, section, "backends: expected an entry for every backend (" + name + " is missing)");
}

}  // namespace headroom::config
