// kind: trainer: the scenario parser (front end, compiled into hr_config). Every key is checked
// here, with its location; the engine (run.cpp) trusts the TrainerSpec it gets. Sizes derived from
// the shapes are bounded here (in doubles, before any integer formula runs), so spec.hpp's
// integer closed forms cannot wrap.
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/trainer/spec.hpp"
#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {

namespace {

using config::MapReader;
using config::ParseContext;

constexpr std::int64_t kMaxCount = std::int64_t{1} << 20;  // micro_batch, grad_accum, workers, prefetch
// A micro-step is two or three SimGrid activities: bound the micro-steps a run may make so that a
// slip (steps: 1e9) is an error, not a run that never ends (as process's kMaxStepsPerRun).
constexpr double kMaxMicroSteps = 10'000'000;

void parse_lora(const ParseContext& ctx, const MapReader& workload, TrainerSpec& spec) {
  if (!workload.has("lora")) {
    if (!spec.model.ffn || !spec.gated_mlp()) spec.lora_targets.gate = false;
    return;
  }
  if (spec.method == TrainMethod::full)
    workload.fail(workload.get("lora"), "lora: applies to method lora or qlora only, found method full");
  const MapReader map(ctx.file, workload.get("lora"), "lora", {"rank", "targets"});
  if (map.has("rank")) spec.lora_rank = static_cast<std::uint64_t>(map.integer("rank", 1, spec.model.hidden));
  if (!spec.gated_mlp()) spec.lora_targets.gate = false;
  if (!map.has("targets")) return;
  const YAML::Node list = map.get("targets");
  config::expect_list(ctx.file, list, "targets");
  if (list.size() == 0) map.fail(list, "targets: expected at least one of q, k, v, o, gate, up, down, found an empty list");
  LoraTargets t{false, false, false, false, false, false, false};
  std::set<std::string> seen;
  for (const YAML::Node& item : list) {
    const std::string name = config::scalar_text(ctx.file, item, "targets", "a projection name");
    bool* slot = name == "q" ? &t.q : name == "k" ? &t.k : name == "v" ? &t.v : name == "o" ? &t.o
               : name == "gate" ? &t.gate : name == "up" ? &t.up : name == "down" ? &t.down : nullptr;
    if (!slot) map.fail(item, "targets: expected one of q | k | v | o | gate | up | down, found '" + shown(name) + "'");
    if (!seen.insert(name).second) map.fail(item, "targets: '" + shown(name) + "' is listed twice");
    if (name == "gate" && !spec.gated_mlp())
      map.fail(item, "targets: model '" + shown(spec.model.id) + "' has no gate projection (ffn = 4 x hidden: a GeLU "
                     "MLP with up and down only)");
    *slot = true;
  }
  spec.lora_targets = t;
}

void parse_dataloader(const ParseContext& ctx, const MapReader& workload, TrainerSpec& spec) {
  if (!workload.has("dataloader")) return;
  const MapReader map(ctx.file, workload.get("dataloader"), "dataloader",
                      {"workers", "prefetch", "sample_bytes", "worker_memory"});
  DataloaderSpec& d = spec.dataloader;
  d.workers = static_cast<std::uint64_t>(map.integer("workers", 1, 1024));
  d.prefetch = static_cast<std::uint64_t>(map.integer_or("prefetch", 2, 1, 1024));
  if (map.has("sample_bytes")) d.sample_bytes = map.bytes("sample_bytes", true, std::uint64_t{1} << 30);
  if (map.has("worker_memory")) d.worker_memory_bytes = map.bytes("worker_memory", false, std::uint64_t{1} << 40);
}

// steps: N, or epochs: E of dataset_samples: S (steps = ceil(E x S / (micro_batch x grad_accum))).
void parse_length(const MapReader& map, TrainerSpec& spec) {
  if (map.has("steps") && map.has("epochs"))
    map.fail(map.get("epochs"), "epochs: give at most one of steps: (optimizer steps) or epochs: (with dataset_samples:)");
  if (map.has("dataset_samples"))
    spec.dataset_samples = static_cast<std::uint64_t>(map.integer("dataset_samples", 1, std::int64_t{1} << 40));
  const YAML::Node at = map.has("steps") ? map.get("steps") : map.get("epochs");
  double steps = 0;
  if (map.has("steps")) {
    spec.steps = static_cast<std::uint64_t>(map.integer("steps", 1, std::int64_t{1} << 40));
    steps = static_cast<double>(spec.steps);
  } else if (map.has("epochs")) {
    if (!map.has("dataset_samples"))
      map.fail(map.get("epochs"), "epochs: needs dataset_samples: (samples per epoch)");
    spec.epochs = map.number("epochs", 0);
    steps = std::ceil(spec.epochs * static_cast<double>(spec.dataset_samples) / static_cast<double>(spec.samples_per_step()));
  }
  const double micro_steps = steps * static_cast<double>(spec.grad_accum);
  if (!(micro_steps <= kMaxMicroSteps)) {
    char found[32];
    std::snprintf(found, sizeof found, "%.6g", micro_steps);
    map.fail(at, std::string(map.has("steps") ? "steps" : "epochs") + ": expected at most " +
                     std::to_string(std::uint64_t(kMaxMicroSteps)) + " micro-steps (steps x grad_accum), found " + found);
  }
  if (map.has("epochs")) spec.steps = static_cast<std::uint64_t>(steps);
}

// The shapes' sizes as doubles: refused above kMaxModelBytes before any integer formula runs.
void check_sizes(const MapReader& map, const TrainerSpec& s) {
  // The layers' linear parameters and the adapters (spec.hpp's integer products of dimensions of
  // up to 2^20 each): an inline model's shapes may describe far more than its params.
  const double h = s.model.hidden, q = double(s.model.heads) * s.model.head_dim,
               kv = double(s.model.kv_heads) * s.model.head_dim, f = s.model.ffn, layers = s.model.layers;
  const double linear = layers * (2 * h * q + 2 * h * kv + 3 * h * f);
  const double adapters = double(s.lora_rank) * layers * (4 * h + 2 * q + 2 * kv + 3 * (h + f));
  if (!(16 * (linear + adapters) <= double(config::kMaxModelBytes)))
    map.fail(map.get("model"), "model: its shapes (layers x the hidden, heads x head_dim, kv_heads x head_dim and ffn "
                               "projections) come to about " + config::format_bytes(static_cast<std::uint64_t>(
                                   std::min(16 * (linear + adapters), 1.8e19))) +
                                   " of training state; expected at most " +
                                   config::format_exact_bytes(config::kMaxModelBytes));
  const double sh = double(s.seq_len) * s.model.hidden;
  const double per_layer = sh * 18 + 4.0 * s.seq_len * s.model.kv_heads * s.model.head_dim +
                           6.0 * s.seq_len * s.model.ffn + 5.0 * s.model.heads * double(s.seq_len) * double(s.seq_len);
  const double per_sample = per_layer * (s.model.layers + 1) + 4.0 * s.seq_len * s.model.vocab +
                            double(s.dataloader.workers) * double(s.dataloader.prefetch) * double(s.sample_bytes());
  const double total = 16.0 * s.model.params + per_sample * double(s.micro_batch) +
                       double(s.dataloader.workers) * double(s.dataloader.worker_memory_bytes);
  if (!(total <= double(config::kMaxModelBytes)))
    map.fail(map.has("micro_batch") ? map.get("micro_batch") : map.node(),
             "trainer workload: expected a footprint (weights, gradients, optimizer, activations, dataloader) of at "
             "most " + config::format_exact_bytes(config::kMaxModelBytes) + ", found about " +
             config::format_bytes(static_cast<std::uint64_t>(std::min(total, 1.8e19))) +
             "; lower micro_batch or seq_len");
}

void parse_shape(const MapReader& map, TrainerSpec& spec) {
  spec.micro_batch = static_cast<std::uint64_t>(map.integer_or("micro_batch", 1, 1, kMaxCount));
  const std::int64_t max_seq = spec.model.max_context > 0 ? spec.model.max_context : kMaxCount;
  spec.seq_len = static_cast<std::uint64_t>(map.integer_or("seq_len", std::min<std::int64_t>(512, max_seq), 1, max_seq));
  spec.grad_accum = static_cast<std::uint64_t>(map.integer_or("grad_accum", 1, 1, kMaxCount));
}

std::shared_ptr<const config::WorkloadSpec> parse_trainer(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "trainer workload",
                      with_keys(config::common_workload_keys(),
                                {"model", "method", "optimizer", "lora", "micro_batch", "seq_len", "grad_accum",
                                 "checkpointing", "offload", "device", "dataloader", "steps", "epochs",
                                 "dataset_samples"}));
  auto spec = std::make_shared<TrainerSpec>();
  config::read_common_workload_fields(map, *spec);
  spec->model = parse_model(ctx, map);
  if (spec->model.ffn <= 0 || spec->model.vocab <= 0)
    map.fail(map.get("model"), "model: the trainer needs the model's ffn: and vocab: (config.json intermediate_size "
                               "and vocab_size) for its activations, found " +
                                   std::string(spec->model.ffn <= 0 ? "no ffn" : "no vocab"));
  spec->method = choose<TrainMethod>(map, "method", "full",
                                     {{"full", TrainMethod::full}, {"lora", TrainMethod::lora}, {"qlora", TrainMethod::qlora}});
  spec->optimizer = choose<Optimizer>(map, "optimizer", "adamw",
                                      {{"adamw", Optimizer::adamw}, {"adamw-8bit", Optimizer::adamw_8bit},
                                       {"sgd-momentum", Optimizer::sgd_momentum}, {"sgd", Optimizer::sgd},
                                       {"adafactor", Optimizer::adafactor}});
  parse_lora(ctx, map, *spec);
  parse_shape(map, *spec);
  spec->checkpointing = choose<Checkpointing>(
      map, "checkpointing", "none",
      {{"none", Checkpointing::none}, {"selective", Checkpointing::selective}, {"full", Checkpointing::full}});
  spec->device = choose<TrainDevice>(map, "device", "cpu", {{"cpu", TrainDevice::cpu}, {"gpu", TrainDevice::gpu}});
  spec->offload_optimizer = choose<bool>(map, "offload", "none", {{"none", false}, {"optimizer", true}});
  if (spec->offload_optimizer && spec->device == TrainDevice::cpu)
    map.fail(map.get("offload"), "offload: optimizer moves the optimizer state off the GPU; with device: cpu it is "
                                 "in host RAM already (give device: gpu, or offload: none)");
  parse_dataloader(ctx, map, *spec);
  parse_length(map, *spec);
  check_sizes(map, *spec);
  spec->backends = ctx.catalog.backends;  // matmul efficiency per device backend (run.cpp)
  return spec;
}

}  // namespace

namespace trainer {
std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return parse_trainer(ctx, node);
}
}  // namespace trainer

}  // namespace headroom::workloads
