// llm-server's parser (front end, hr_config): an LLM inference server (llama.cpp-style) holding one
// model's weights and a KV cache for up to max_batch concurrent sequences, fed by Poisson arrivals
// or a recorded trace (read here, at load time). Produces a validated LlmServerSpec; run.cpp
// implements the behaviour.
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

#include "models/workloads/common/arrivals.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "sim/checked.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"

namespace headroom::workloads::llm_server {

using config::format_bytes;
using config::format_exact_bytes;
using config::kMaxModelBytes;
using config::MapReader;
using config::ParseContext;
using config::WorkloadSpec;

namespace {

// "1.5TiB" for sizes that fit, "2^64 bytes or more" for a product that does not.
std::string size_text(std::optional<std::uint64_t> bytes) {
  return bytes ? format_bytes(*bytes) + " (" + std::to_string(*bytes) + " bytes)" : "2^64 bytes or more";
}

// Weights of params x bpw / 8 from 1 byte to kMaxModelBytes; else an error at the model.
std::uint64_t checked_weights(const MapReader& map, const LlmServerSpec& spec) {
  const auto bytes = config::checked_weights_bytes(spec.model.params, spec.quant.bits_per_weight);
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

// `device: cpu | gpu`, `gpu_layers: N | all` (llama.cpp -ngl), `lock: true` (--mlock). Whether the
// host has a GPU is known per host only: the engine resolves an unset device there.
void parse_device(const MapReader& map, LlmServerSpec& spec) {
  if (map.has("device"))
    spec.device = choose<Device>(map, "device", "gpu", {{"cpu", Device::cpu}, {"gpu", Device::gpu}});
  if (map.has("gpu_layers")) {
    const std::string expected = "all or a whole number of layers from 0 to " + std::to_string(spec.model.layers) +
                                 " (model '" + shown(spec.model.id) + "')";
    const std::string text = map.scalar("gpu_layers", expected);
    if (text != "all") {
      std::uint32_t layers = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), layers);
      if (ec != std::errc() || end != text.data() + text.size() || layers > static_cast<std::uint32_t>(spec.model.layers))
        map.fail(map.get("gpu_layers"), "gpu_layers: expected " + expected + ", found '" + shown(text) + "'");
      spec.gpu_layers = layers;
    }
    if (spec.device == Device::cpu)
      map.fail(map.get("gpu_layers"), "gpu_layers offloads layers to the GPU, but device is cpu "
                                      "(drop gpu_layers or set device: gpu)");
  }
  spec.lock = map.boolean_or("lock", false);
}

// A pool above this many blocks (24 bytes of bookkeeping each) means a block far smaller than the
// trace's prefix ids can describe; refused rather than allocating gigabytes of bookkeeping.
constexpr std::uint64_t kMaxPrefixBlocks = std::uint64_t{1} << 22;

// `prefix_cache: true` and `prefix_block_tokens: N`: the block fits the context, the KV budget (by
// default rounded up to whole blocks per sequence) holds one full context of blocks and at most
// kMaxPrefixBlocks, and the arrivals carry prefix ids to share (a trace with them; a replica's
// router's arrivals are checked in router::check).
void parse_prefix_cache(const MapReader& map, LlmServerSpec& spec, bool budget_given) {
  spec.prefix_cache = map.boolean_or("prefix_cache", false);
  if (!spec.prefix_cache) {
    if (map.has("prefix_block_tokens"))
      map.fail(map.get("prefix_block_tokens"), "prefix_block_tokens applies only with prefix_cache: true");
    return;
  }
  spec.prefix_block_tokens = static_cast<std::uint32_t>(map.integer_or("prefix_block_tokens", 512, 1, 1 << 20));
  const YAML::Node at_block = map.has("prefix_block_tokens") ? map.get("prefix_block_tokens") : map.get("prefix_cache");
  if (spec.prefix_block_tokens > spec.context_tokens)
    map.fail(at_block, "prefix_block_tokens " + std::to_string(spec.prefix_block_tokens) +
                           " is above the context (" + std::to_string(spec.context_tokens) +
                           " tokens): no prompt could fill a block");
  const std::uint64_t block_bytes = spec.prefix_block_bytes();
  const std::uint64_t context_blocks = (std::uint64_t{spec.context_tokens} + spec.prefix_block_tokens - 1) /
                                       spec.prefix_block_tokens;
  if (!budget_given) {
    spec.kv_budget_bytes = context_blocks * block_bytes * spec.max_batch;  // < 2 x the slot budget
    check_kv_sizes(map, spec, budget_given);
  }
  const std::uint64_t blocks = spec.kv_budget_bytes / block_bytes;
  if (blocks < context_blocks)
    map.fail(map.get("kv_budget"), "kv_budget " + format_exact_bytes(spec.kv_budget_bytes) + " holds " +
                                       std::to_string(blocks) + " prefix blocks of " +
                                       std::to_string(spec.prefix_block_tokens) + " tokens (" +
                                       std::to_string(block_bytes) + " bytes each); one full context of " +
                                       std::to_string(spec.context_tokens) + " tokens needs " +
                                       std::to_string(context_blocks));
  if (blocks > kMaxPrefixBlocks)
    map.fail(at_block, "the KV budget holds " + std::to_string(blocks) + " prefix blocks of " +
                           std::to_string(spec.prefix_block_tokens) + " tokens; expected at most " +
                           std::to_string(kMaxPrefixBlocks) + " (raise prefix_block_tokens)");
  // Without ids nothing would ever hit: refuse rather than report a silent 0 % hit rate. A
  // replica's arrivals are its router's: router::check compares them at this position.
  spec.prefix_cache_position = config::position_of(map.get("prefix_cache"));
  const std::string found = arrivals_without_prefix_ids(spec.arrivals);
  if (!found.empty()) map.fail(map.get("prefix_cache"), prefix_ids_expected(found));
}

}  // namespace

std::shared_ptr<const WorkloadSpec> parse(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "llm-server workload",
                      with_keys(config::common_workload_keys(), {"model", "quant", "weights", "wired_fallback",
                                                    "context", "max_batch", "kv_budget", "kv_type",
                                                    "arrivals", "weights_file", "device", "gpu_layers", "lock",
                                                    "prefix_cache", "prefix_block_tokens"}));
  auto spec = std::make_shared<LlmServerSpec>();
  config::read_common_workload_fields(map, *spec);
  spec->model = parse_model(ctx, map);
  if (spec->model.encoder)
    map.fail(map.get("model"), "model '" + shown(spec->model.id) +
                                   "' is an encoder (no KV cache, no token generation): llm-server needs a decoder");
  spec->quant = parse_quant(ctx, map);
  // quant carries this model's effective bpw, so params x bpw / 8 == weights_bytes downstream.
  spec->quant.bits_per_weight = config::effective_bits_per_weight(spec->model, spec->quant);
  spec->weights_bytes = checked_weights(map, *spec);
  spec->weights_mode = choose<WeightsMode>(
      map, "weights", "mmap",
      {{"mmap", WeightsMode::mmap}, {"load", WeightsMode::load}, {"wired", WeightsMode::wired}});
  // The weights file's identity (never opened): servers naming the same file share its page cache.
  spec->weights_file = map.string_or("weights_file", spec->model.id + "." + spec->quant.id + ".gguf");
  spec->files.push_back({spec->weights_file, spec->weights_bytes,
                         config::position_of(map.has("weights_file") ? map.get("weights_file") : map.get("model"))});
  spec->wired_fallback_cpu = choose<bool>(map, "wired_fallback", "fail", {{"fail", false}, {"cpu", true}});
  parse_device(map, *spec);
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
  spec->arrivals = parse_arrivals(ctx, map, spec->context_tokens, /*routed=*/true);
  parse_prefix_cache(map, *spec, budget_given);
  spec->backends = ctx.catalog.backends;  // the speed model's factors (speed_model.hpp)
  return spec;
}

}  // namespace headroom::workloads::llm_server
