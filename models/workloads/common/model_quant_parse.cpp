#include "models/workloads/common/model_quant.hpp"

namespace headroom::workloads {

using config::LlmSpec;
using config::MapReader;
using config::ParseContext;
using config::QuantSpec;

std::vector<std::string> with_keys(std::vector<std::string> keys, std::initializer_list<const char*> more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

LlmSpec parse_model(const ParseContext& ctx, const MapReader& workload) {
  const YAML::Node node = workload.required("model");
  if (node.IsScalar()) {
    const auto found = ctx.catalog.llms.find(node.Scalar());
    if (found == ctx.catalog.llms.end())
      workload.fail(node, "model: " + config::unknown_name("model", node.Scalar(), ctx.catalog.llms));
    return found->second;
  }
  const MapReader map(ctx.file, node, "model", with_keys(config::llm_field_keys(), {"use", "id"}));
  LlmSpec llm;
  if (map.has("use")) {
    const std::string base = map.string("use");
    const auto found = ctx.catalog.llms.find(base);
    if (found == ctx.catalog.llms.end())
      map.fail(map.get("use"), "use: " + config::unknown_name("model", base, ctx.catalog.llms));
    llm = found->second;
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
  if (node.IsScalar()) {
    const auto found = ctx.catalog.quants.find(node.Scalar());
    if (found == ctx.catalog.quants.end())
      workload.fail(node, "quant: " + config::unknown_name("quantization", node.Scalar(), ctx.catalog.quants));
    return found->second;
  }
  const MapReader map(ctx.file, node, "quant", {"id", "bits_per_weight"});
  return QuantSpec{map.string("id"), map.number("bits_per_weight", 0)};
}

}  // namespace headroom::workloads
