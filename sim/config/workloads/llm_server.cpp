// kind: llm-server: an LLM inference server (llama.cpp-style) holding one model's weights and a KV
// cache for up to max_batch concurrent sequences, fed by Poisson arrivals or a recorded trace.
// Produces a validated LlmServerSpec; the engine implements the behaviour.
#include "sim/config/workload_parsers.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include "sim/checked.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

std::vector<std::string> with(std::vector<std::string> keys, std::initializer_list<const char*> more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

LlmSpec parse_model(const ParseContext& ctx, const MapReader& workload) {
  const YAML::Node node = workload.required("model");
  if (node.IsScalar()) {
    const auto found = ctx.catalog.llms.find(node.Scalar());
    if (found == ctx.catalog.llms.end())
      workload.fail(node, "model: " + unknown_name("model", node.Scalar(), ctx.catalog.llms));
    return found->second;
  }
  const MapReader map(ctx.file, node, "model", with(llm_field_keys(), {"use", "id"}));
  LlmSpec llm;
  if (map.has("use")) {
    const std::string base = map.string("use");
    const auto found = ctx.catalog.llms.find(base);
    if (found == ctx.catalog.llms.end())
      map.fail(map.get("use"), "use: " + unknown_name("model", base, ctx.catalog.llms));
    llm = found->second;
    llm.id = map.string_or("id", base);
  } else {
    llm.id = map.string("id");
    for (const char* key : {"params", "layers", "hidden", "heads", "kv_heads", "head_dim", "max_context"})
      map.required(key);
  }
  apply_llm_fields(map, llm);
  finish_llm(map, llm);
  for (const auto& [quant, unused] : llm.bits_per_weight_overrides)
    if (!ctx.catalog.quants.count(quant) && map.has("bits_per_weight"))
      map.fail(map.get("bits_per_weight"), "bits_per_weight: " + unknown_name("quantization", quant,
                                                                                  ctx.catalog.quants));
  return llm;
}

QuantSpec parse_quant(const ParseContext& ctx, const MapReader& workload) {
  const YAML::Node node = workload.required("quant");
  if (node.IsScalar()) {
    const auto found = ctx.catalog.quants.find(node.Scalar());
    if (found == ctx.catalog.quants.end())
      workload.fail(node, "quant: " + unknown_name("quantization", node.Scalar(), ctx.catalog.quants));
    return found->second;
  }
  const MapReader map(ctx.file, node, "quant", {"id", "bits_per_weight"});
  return QuantSpec{map.string("id"), map.number("bits_per_weight", 0)};
}

template <typename T>
T choose(const MapReader& map, const std::string& key, const std::string& fallback,
         const std::vector<std::pair<std::string, T>>& choices) {
  const std::string text = map.has(key) ? map.scalar(key, "a name") : fallback;
  std::string names;
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
    names += (names.empty() ? "" : " | ") + name;
  }
  map.fail(map.get(key), key + ": expected one of " + names + ", found '" + shown(text) + "'");
}

constexpr std::uint64_t kMaxPoissonRequests = 10'000'000;

ArrivalSpec parse_arrivals(const ParseContext& ctx, const MapReader& workload,
                           std::uint32_t context_tokens) {
  const MapReader map(ctx.file, workload.required("arrivals"), "arrivals",
                      {"poisson", "prompt_tokens", "output_tokens", "trace", "time_scale",
                       "max_requests"});
  ArrivalSpec arrivals;
  if (map.has("poisson") == map.has("trace"))
    map.fail(map.node(), "arrivals: give exactly one of poisson: (a rate such as 0.5/s) or trace: "
                         "(a CSV file)");
  if (map.has("poisson")) {
    for (const char* key : {"time_scale", "max_requests"})
      if (map.has(key)) map.fail(map.get(key), std::string(key) + " applies to trace arrivals only");
    arrivals.kind = ArrivalSpec::Kind::poisson;
    arrivals.rate_per_s = map.rate_per_s("poisson", true);
    // Every request is a record in the results: bound them so a unit slip (1000000h) is an error,
    // not a run that exhausts memory.
    const double expected_requests = arrivals.rate_per_s * ctx.duration_s;
    if (!(expected_requests <= kMaxPoissonRequests)) {
      const auto whole = checked_to_u64(std::floor(expected_requests));
      map.fail(map.get("poisson"), "poisson: expected at most " + std::to_string(kMaxPoissonRequests) +
                                       " requests over the scenario's duration, found about " +
                                       (whole ? std::to_string(*whole) : "2^64 or more") +
                                       " (rate x duration); lower the rate or the duration");
    }
    arrivals.prompt_tokens = static_cast<std::uint32_t>(map.integer("prompt_tokens", 1, 1 << 30));
    arrivals.output_tokens = static_cast<std::uint32_t>(map.integer("output_tokens", 1, 1 << 30));
    if (std::uint64_t{arrivals.prompt_tokens} + arrivals.output_tokens > context_tokens)
      map.fail(map.get("output_tokens"),
               "prompt_tokens + output_tokens = " +
                   std::to_string(std::uint64_t{arrivals.prompt_tokens} + arrivals.output_tokens) +
                   " does not fit in context " + std::to_string(context_tokens));
    return arrivals;
  }
  for (const char* key : {"prompt_tokens", "output_tokens"})
    if (map.has(key))
      map.fail(map.get(key), std::string(key) + " applies to poisson arrivals only (a trace gives "
                                                "each request's tokens)");
  arrivals.kind = ArrivalSpec::Kind::trace;
  const std::string text = map.scalar("trace", "a file path");
  arrivals.trace_path = resolve_input_file(ctx, map.get("trace"), "trace", text);
  if (map.has("time_scale")) arrivals.time_scale = map.number("time_scale", 0);
  arrivals.max_requests =
      static_cast<std::uint64_t>(map.integer_or("max_requests", 0, 0, INT64_MAX));
  return arrivals;
}

// "1.5TiB" for sizes that fit, "2^64 bytes or more" for a product that does not.
std::string size_text(std::optional<std::uint64_t> bytes) {
  return bytes ? format_bytes(*bytes) + " (" + std::to_string(*bytes) + " bytes)" : "2^64 bytes or more";
}

// Weights of params x bpw / 8 from 1 byte to kMaxModelBytes; else an error at the model.
std::uint64_t checked_weights(const MapReader& map, const LlmServerSpec& spec) {
  const auto bytes = checked_weights_bytes(spec.model.params, spec.quant.bits_per_weight);
  if (bytes) return *bytes;
  std::ostringstream computed;
  computed.precision(6);
  computed << spec.model.params * spec.quant.bits_per_weight / 8.0;
  map.fail(map.get("model"), "model '" + shown(spec.model.id) + "' at " + shown(spec.quant.id) +
                                 ": expected weights (params x bits_per_weight / 8) from 1B to " +
                                 format_exact_bytes(kMaxModelBytes) + ", found " + computed.str() + " bytes");
}

// Every KV quantity the engine forms (one context, all max_batch slots, the budget beside the
// weights) is computed here with checked arithmetic and bounded by kMaxModelBytes, so the engine's
// own products and sums of them cannot wrap.
void check_kv_sizes(const MapReader& map, const LlmServerSpec& spec, bool budget_given) {
  const std::string limit = size_text(kMaxModelBytes);  // exact bytes: never "1024TiB > 1024TiB"
  const auto all_slots = checked_mul(checked_mul(spec.context_tokens, spec.kv_bytes_per_token()), spec.max_batch);
  if (!all_slots || *all_slots > kMaxModelBytes)
    map.fail(map.get("context"), "context x max_batch x KV bytes per token = " + std::to_string(spec.context_tokens) +
                                     " x " + std::to_string(spec.max_batch) + " x " +
                                     std::to_string(spec.kv_bytes_per_token()) + " = " + size_text(all_slots) +
                                     "; expected at most " + limit);
  const auto total = checked_add(spec.weights_bytes, spec.kv_budget_bytes);
  if (!total || *total > kMaxModelBytes)
    map.fail(budget_given ? map.get("kv_budget") : map.get("model"),
             "weights " + size_text(spec.weights_bytes) + " + KV budget " + size_text(spec.kv_budget_bytes) +
                 " = " + size_text(total) + "; expected at most " + limit);
}

void check_kv_budget(const MapReader& map, const LlmServerSpec& spec) {
  const std::uint64_t one_context = std::uint64_t{spec.context_tokens} * spec.kv_bytes_per_token();
  if (spec.kv_budget_bytes >= one_context) return;
  // Rounded forms that read alike ("2.5GiB is smaller than ... 2.5GiB") give way to exact bytes.
  std::string budget = format_bytes(spec.kv_budget_bytes), needed = format_bytes(one_context);
  if (budget == needed) {
    budget = std::to_string(spec.kv_budget_bytes) + "B";
    needed = std::to_string(one_context) + "B";
  }
  map.fail(map.get("kv_budget"), "kv_budget " + budget + " is smaller than one full context (" +
                                     std::to_string(spec.context_tokens) + " tokens x " +
                                     format_bytes(spec.kv_bytes_per_token()) + " = " + needed + ")");
}

std::shared_ptr<const WorkloadSpec> parse_llm_server(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "llm-server workload",
                      with(common_workload_keys(), {"model", "quant", "weights", "wired_fallback",
                                                    "context", "max_batch", "kv_budget", "kv_type",
                                                    "arrivals"}));
  auto spec = std::make_shared<LlmServerSpec>();
  read_common_workload_fields(map, *spec);
  spec->model = parse_model(ctx, map);
  spec->quant = parse_quant(ctx, map);
  // quant carries this model's effective bpw, so params x bpw / 8 == weights_bytes downstream.
  spec->quant.bits_per_weight = effective_bits_per_weight(spec->model, spec->quant);
  spec->weights_bytes = checked_weights(map, *spec);
  spec->weights_mode = choose<WeightsMode>(
      map, "weights", "mmap",
      {{"mmap", WeightsMode::mmap}, {"load", WeightsMode::load}, {"wired", WeightsMode::wired}});
  spec->wired_fallback_cpu = choose<bool>(map, "wired_fallback", "fail", {{"fail", false}, {"cpu", true}});
  // KV element sizes: f16 2 B; q8_0 34 B per 32 values; f32 4 B.
  spec->kv_bytes_per_element =
      choose<double>(map, "kv_type", "f16", {{"f16", 2.0}, {"q8_0", 34.0 / 32.0}, {"f32", 4.0}});
  spec->context_tokens = static_cast<std::uint32_t>(map.integer("context", 1, 1 << 30));
  if (spec->context_tokens > static_cast<std::uint32_t>(spec->model.max_context))
    map.fail(map.get("context"), "context " + std::to_string(spec->context_tokens) +
                                     " is above model '" + shown(spec->model.id) + "' max_context " +
                                     std::to_string(spec->model.max_context));
  spec->max_batch = static_cast<std::uint32_t>(map.integer_or("max_batch", 1, 1, 1 << 16));
  const bool budget_given = map.has("kv_budget");
  if (budget_given) spec->kv_budget_bytes = map.bytes("kv_budget", true);
  check_kv_sizes(map, *spec, budget_given);  // bounds context x max_batch x KV per token
  if (!budget_given)
    spec->kv_budget_bytes = std::uint64_t{spec->context_tokens} * spec->max_batch * spec->kv_bytes_per_token();
  check_kv_sizes(map, *spec, budget_given);  // and the budget beside the weights
  if (budget_given) check_kv_budget(map, *spec);
  spec->arrivals = parse_arrivals(ctx, map, spec->context_tokens);
  return spec;
}

}  // namespace

HEADROOM_REGISTER_WORKLOAD_KIND({"llm-server",
                                 "LLM inference server: weights + KV cache, Poisson or trace arrivals",
                                 parse_llm_server});

}  // namespace headroom::config
