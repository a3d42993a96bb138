#include "models/workloads/common/model_quant.hpp"

namespace headroom::workloads {

using config::LlmSpec;
using config::MapReader;
using config::ParseContext;
using config::QuantSpec;

namespace {
// The catalog entry `name` in `entries` (llms or quants); else an error at `node` naming the
// nearest entry.
template <class Map>
const typename Map::mapped_type& from_catalog(const MapReader& map, const YAML::Node& node, const std::string& key,
                                              const std::string& what, const std::string& name, const Map& entries) {
  const auto found = entries.find(name);
  if (found == entries.end()) map.fail(node, key + ": " + config::unknown_name(what, name, entries));
  return found->second;
}
}  // namespace

std::vector<std::string> with_keys(std::vector<std::string> keys, std::initializer_list<const char*> more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

LlmSpec parse_model(const ParseContext& ctx, const MapReader& workload) {
  const YAML::Node node = workload.required("model");
  if (node.IsScalar()) return from_catalog(workload, node, "model", "model", node.Scalar(), ctx.catalog.llms);
  const MapReader map(ctx.file, node, "model", with_keys(config::llm_field_keys(), {"use", "id"}));
  LlmSpec llm;
  if (map.has("use")) {
    const std::string base = map.string("use");
    llm = from_catalog(map, map.get("use"), "use", "model", base, ctx.catalog.llms);
    llm.id = map.string_or("id", base);
  } else {
    llm.id = map.string("id");
    for (const char* key : {"params", "layers", "hidden", "heads", "kv_heads", "head_dim", "max_context"})
      map.required(key);
  }
  config::apply_llm_fields(map, llm);
  config::finish_llm(map, llm);
  for (const auto& [quant, unused] : llm.bits_per_weight_overrides)
    if (!ctx.catalog.quants.count(quant) && map.has("bits_per_weight"))
      map.fail(map.get("bits_per_weight"),
               "bits_per_weight: " + config::unknown_name("quantization", quant, ctx.catalog.quants));
  return llm;
}

QuantSpec parse_quant(const ParseContext& ctx, const MapReader& workload) {
  const YAML::Node node = workload.required("quant");
  if (node.IsScalar())
    return from_catalog(workload, node, "quant", "quantization", node.Scalar(), ctx.catalog.quants);
  const MapReader map(ctx.file, node, "quant", {"id", "bits_per_weight"});
  return QuantSpec{map.string("id"), map.number("bits_per_weight", 0)};
}

}  // namespace headroom::workloads
