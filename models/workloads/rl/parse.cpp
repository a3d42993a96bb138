// kind: rl: the scenario parser (front end, compiled into hr_config). Every key is checked here,
// with its location; the engine (run.cpp) trusts the RlSpec it gets.
#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "models/workloads/common/access_spec.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/rl/spec.hpp"
#include "sim/checked.hpp"
#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

// Each vector step is a few SimGrid activities: bound them so that a unit slip (2ns per env step
// over 10 h) is an error, not a run that never ends.
constexpr double kMaxVectorStepsPerRun = 10'000'000;
constexpr std::int64_t kMaxCount = std::int64_t{1} << 40;

// "3.75e-06s" style text for a duration in messages (6 significant digits).
std::string seconds_text(double s) {
  std::ostringstream out;
  out.precision(6);
  out << s << "s";
  return out.str();
}

// `frame: 84x84x4` -> 28,224 bytes (uint8 pixels): W x H x C, each a positive integer.
std::uint64_t parse_frame(const MapReader& map) {
  const std::string text = map.scalar("frame", "W x H x C such as 84x84x4");
  std::optional<std::uint64_t> bytes = 1;
  std::size_t begin = 0;
  int parts = 0;
  while (begin <= text.size()) {
    const std::size_t end = std::min(text.find('x', begin), text.size());
    const std::string digits = text.substr(begin, end - begin);
    const bool ok = !digits.empty() && digits.size() <= 9 &&
                    digits.find_first_not_of("0123456789") == std::string::npos && std::stoull(digits) > 0;
    if (!ok || ++parts > 3) break;
    bytes = checked_mul(bytes, std::stoull(digits));
    begin = end + 1;
  }
  if (parts != 3 || begin <= text.size())
    map.fail(map.get("frame"), "frame: expected W x H x C in positive integers such as 84x84x4 (uint8 pixels), "
                               "found '" + shown(text) + "'");
  if (!bytes || *bytes > kMaxModelBytes)
    map.fail(map.get("frame"), "frame: expected W x H x C bytes of at most " + format_exact_bytes(kMaxModelBytes) +
                                   ", found '" + shown(text) + "'");
  return *bytes;
}

void parse_replay(const ParseContext& ctx, const MapReader& workload, RlSpec& spec) {
  const MapReader map(ctx.file, workload.required("replay"), "replay", {"capacity", "transition_bytes", "frame"});
  spec.capacity = static_cast<std::uint64_t>(map.integer("capacity", 1, kMaxCount));
  if (map.has("transition_bytes") == map.has("frame"))
    map.fail(map.node(), "replay: give exactly one of transition_bytes: (a size) or frame: (W x H x C uint8 "
                         "pixels, such as 84x84x4)");
  spec.transition_bytes = map.has("frame") ? parse_frame(map) : map.bytes("transition_bytes", true);
  const auto replay = spec.replay_bytes();
  if (!replay || *replay > kMaxModelBytes)
    map.fail(map.node(), "replay: expected capacity x transition bytes of at most " +
                             format_exact_bytes(kMaxModelBytes) + ", found " + std::to_string(spec.capacity) +
                             " x " + std::to_string(spec.transition_bytes) + " B");
}

void parse_policy(const ParseContext& ctx, const MapReader& workload, RlSpec& spec) {
  const MapReader map(ctx.file, workload.required("policy"), "policy", {"params", "device"});
  spec.policy_params = map.number("params", 0);
  if (!(16.0 * spec.policy_params <= double(kMaxModelBytes)))
    map.fail(map.get("params"), "params: expected at most " + std::to_string(kMaxModelBytes / 16) +
                                    " (16 bytes each of weights, gradients and Adam state), found '" +
                                    shown(map.get("params").Scalar()) + "'");
  const std::string device = map.has("device") ? map.scalar("device", "cpu or gpu") : "cpu";
  if (device == "gpu")
    spec.device = RlDevice::gpu;
  else if (device != "cpu")
    map.fail(map.get("device"), "device: expected one of cpu | gpu, found '" + shown(device) + "'");
}

// Each env step writes one transition; each update samples `batch`. One vector step (every env
// once) makes envs / update_every updates (rounded up), each a touch per sampled transition.
void check_rates(const ParseContext& ctx, const MapReader& map, const RlSpec& spec) {
  const double vector_step_s = double(spec.envs) * spec.env_cpu_per_step_s;
  if (!(ctx.duration_s / vector_step_s <= kMaxVectorStepsPerRun))
    map.fail(map.get("env_cpu_per_step"),
             "env_cpu_per_step: expected at least " + seconds_text(ctx.duration_s / kMaxVectorStepsPerRun / double(spec.envs)) +
                 " (at most " + std::to_string(std::uint64_t(kMaxVectorStepsPerRun)) +
                 " vector steps over the scenario's duration), found '" + shown(map.get("env_cpu_per_step").Scalar()) + "'");
  const std::uint64_t updates = (spec.envs + spec.update_every - 1) / spec.update_every;
  const auto samples = checked_mul(updates, spec.batch);
  if (!samples || *samples > kMaxTouchesPerStep)
    map.fail(map.get("batch"), "batch: expected at most " + std::to_string(kMaxTouchesPerStep) +
                                   " sampled transitions per vector step (batch x ceil(envs / update_every) = " +
                                   std::to_string(updates) + " updates), found '" + shown(map.get("batch").Scalar()) + "'");
}

std::shared_ptr<const WorkloadSpec> parse_rl(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "rl workload",
                      workloads::with_keys(common_workload_keys(),
                                           {"envs", "env_memory", "env_cpu_per_step", "replay", "batch",
                                            "update_every", "learning_starts", "policy", "steps"}));
  auto spec = std::make_shared<RlSpec>();
  read_common_workload_fields(map, *spec);
  spec->envs = static_cast<std::uint64_t>(map.integer("envs", 1, 1 << 20));
  spec->env_memory_bytes = map.bytes("env_memory", true);
  const auto envs = spec->envs_bytes();
  if (!envs || *envs > kMaxModelBytes)
    map.fail(map.get("env_memory"), "env_memory: expected envs x env_memory of at most " +
                                        format_exact_bytes(kMaxModelBytes) + ", found '" +
                                        shown(map.get("env_memory").Scalar()) + "' x " + std::to_string(spec->envs));
  spec->env_cpu_per_step_s = map.duration_s("env_cpu_per_step", true);
  parse_replay(ctx, map, *spec);
  spec->batch = static_cast<std::uint64_t>(map.integer_or("batch", 32, 1, kMaxCount));
  spec->update_every = static_cast<std::uint64_t>(map.integer_or("update_every", 4, 1, kMaxCount));
  spec->learning_starts = static_cast<std::uint64_t>(
      map.integer_or("learning_starts", std::int64_t(spec->batch), 1, std::int64_t(spec->capacity)));
  parse_policy(ctx, map, *spec);
  spec->work_steps = static_cast<std::uint64_t>(map.integer_or("steps", 0, 1, kMaxCount));
  check_rates(ctx, map, *spec);
  return spec;
}

}  // namespace
}  // namespace headroom::config

namespace headroom::workloads::rl {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return config::parse_rl(ctx, node);
}

}  // namespace headroom::workloads::rl
