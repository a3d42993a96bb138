// kind: process: the scenario parser (front end, compiled into hr_config). Every key is checked
// here, with its location; the engine (run.cpp) trusts the ProcessSpec it gets.
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/process/spec.hpp"
#include "sim/checked.hpp"
#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

// A step is one SimGrid activity or more: bound the steps a run may make so that a unit slip
// (100000/s over 10h) is an error, not a run that never ends.
constexpr double kMaxStepsPerRun = 10'000'000;
// Random patterns given bytes_per_step draw ceil(bytes / page) pages; the cap holds for the
// smallest page the simulator allows (1KiB), so for every host.
constexpr std::uint64_t kMaxSampledStepBytes = kMaxTouchesPerStep * kMinPageBytes;

// "5s" style text for a duration in messages.
std::string seconds_text(double s) {
  std::ostringstream out;
  out.precision(6);
  out << s << "s";
  return out.str();
}

// A derived number for messages: 6 significant digits.
std::string number_text(double value) {
  std::ostringstream out;
  out.precision(6);
  out << value;
  return out.str();
}

// A percentage in (0, 100] as a fraction.
double fraction(const MapReader& map, const std::string& key) {
  const std::string text = map.scalar(key, "a percentage such as 10%");
  try {
    return parse_percent(text) / 100.0;
  } catch (const UnitError& e) {
    map.fail(map.get(key), key + ": " + e.what());
  }
}

ProcessFileSpec parse_file(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "file", {"name", "path", "size", "use"});
  if (map.has("name") == map.has("path"))
    map.fail(node, "file: give exactly one of name: (a file shared by name) or path: (the same, written as a path)");
  ProcessFileSpec file;
  file.name = map.has("name") ? map.string("name") : map.string("path");
  file.size_bytes = map.bytes("size", true);
  const std::string use = map.has("use") ? map.scalar("use", "mmap or read") : "mmap";
  if (use == "read")
    file.use = FileUse::read;
  else if (use != "mmap")
    map.fail(map.get("use"), "use: expected one of mmap | read, found '" + shown(use) + "'");
  return file;
}

std::vector<FootprintStep> parse_steps(const ParseContext& ctx, const MapReader& workload,
                                       const std::optional<ProcessFileSpec>& file) {
  const YAML::Node list = workload.get("footprint");
  expect_list(ctx.file, list, "footprint");
  if (list.size() == 0) workload.fail(list, "footprint: expected at least one step {at, anon, file}, found an empty list");
  std::vector<FootprintStep> steps;
  for (const YAML::Node& node : list) {
    const MapReader map(ctx.file, node, "footprint step", {"at", "anon", "file"});
    FootprintStep step = steps.empty() ? FootprintStep{0, 0, file ? file->size_bytes : 0} : steps.back();
    step.at_s = map.duration_s("at", false);
    if (steps.empty() && step.at_s != 0)
      map.fail(map.get("at"), "at: expected 0s for the first footprint step (the process's start), found '" +
                                  shown(map.get("at").Scalar()) + "'");
    if (!steps.empty() && !(step.at_s > steps.back().at_s))
      map.fail(map.get("at"), "at: expected a time after the previous step's " + seconds_text(steps.back().at_s) +
                                  " (steps in time order), found '" + shown(map.get("at").Scalar()) + "'");
    if (!map.has("anon") && !map.has("file"))
      map.fail(node, "footprint step: expected anon: or file: (or both), found neither");
    if (map.has("anon")) step.anon_bytes = map.bytes("anon", false);
    if (map.has("file")) {
      if (!file)
        map.fail(map.get("file"), "file: a footprint step gives file bytes, but the workload has no file: "
                                  "{name, size, use}");
      step.file_bytes = map.bytes("file", false);
      if (step.file_bytes > file->size_bytes)
        map.fail(map.get("file"), "file: expected at most the file's size " + format_exact_bytes(file->size_bytes) +
                                      ", found '" + shown(map.get("file").Scalar()) + "'");
    }
    steps.push_back(step);
  }
  return steps;
}

RampSpec parse_ramp(const ParseContext& ctx, const MapReader& workload) {
  const MapReader map(ctx.file, workload.get("ramp"), "ramp", {"from", "to", "over"});
  // from > to is allowed: a shrinking footprint (a cache being trimmed).
  RampSpec ramp{map.bytes("from", false), map.bytes("to", false), map.duration_s("over", true)};
  if (ramp.from_bytes == 0 && ramp.to_bytes == 0)
    map.fail(map.node(), "ramp: expected from: or to: above zero, found both 0");
  return ramp;
}

// anon: / footprint: / ramp: (at most one) plus file:; at least one of them.
void parse_footprint(const ParseContext& ctx, const MapReader& map, ProcessSpec& spec) {
  int given = 0;
  const char* last = nullptr;
  for (const char* key : {"anon", "footprint", "ramp"})
    if (map.has(key)) {
      if (++given > 1)
        map.fail(map.get(key), std::string(key) + ": give at most one of anon: (constant), footprint: (steps) or "
                                                  "ramp: (the anonymous memory over time); " + last + ": is given too");
      last = key;
    }
  if (map.has("file")) {
    spec.file = parse_file(ctx, map.get("file"));
    // The size's position: a second workload giving the file another size is refused there.
    spec.files.push_back({spec.file->name, spec.file->size_bytes, position_of(map.get("file")["size"])});
  }
  if (given == 0 && !spec.file)
    map.fail(map.node(), "process workload: expected a footprint: anon:, file:, footprint: or ramp:, found none");
  if (map.has("footprint")) {
    spec.steps = parse_steps(ctx, map, spec.file);
  } else if (map.has("ramp")) {
    spec.ramp = parse_ramp(ctx, map);
  } else {
    spec.steps = {{0, map.has("anon") ? map.bytes("anon", true) : 0, spec.file ? spec.file->size_bytes : 0}};
  }
  const Footprint peak = spec.peak();
  const auto total = checked_add(peak.anon_bytes, peak.file_bytes);
  if (!total || *total > kMaxModelBytes)
    map.fail(map.node(), "process workload: expected a peak footprint (anonymous + file) of at most " +
                             format_exact_bytes(kMaxModelBytes) + ", found " + format_bytes(peak.anon_bytes) +
                             " + " + format_bytes(peak.file_bytes));
}

// Keys that belong to one pattern only.
void refuse_other_keys(const MapReader& map, AccessKind kind) {
  struct Owned {
    const char* key;
    AccessKind kind;
  };
  for (const Owned& o : {Owned{"stride", AccessKind::strided}, Owned{"length", AccessKind::strided},
                         Owned{"hot_fraction", AccessKind::hot_cold}, Owned{"hot_share", AccessKind::hot_cold}})
    if (map.has(o.key) && kind != o.kind)
      map.fail(map.get(o.key), std::string(o.key) + " applies to the " + to_string(o.kind) +
                                   " pattern only, found pattern " + to_string(kind));
}

AccessSpec parse_access(const ParseContext& ctx, const MapReader& workload) {
  const MapReader map(ctx.file, workload.required("access"), "access",
                      {"pattern", "write", "stride", "length", "hot_fraction", "hot_share", "advice"});
  AccessSpec access;
  const std::string pattern = map.scalar("pattern", "a pattern name");
  bool known = false;
  for (AccessKind kind : {AccessKind::sequential, AccessKind::strided, AccessKind::uniform, AccessKind::hot_cold})
    if (pattern == to_string(kind)) {
      access.kind = kind;
      known = true;
    }
  if (!known)
    map.fail(map.get("pattern"), "pattern: expected one of sequential | strided | uniform | hot-cold, found '" +
                                     shown(pattern) + "'");
  refuse_other_keys(map, access.kind);
  access.write = map.boolean_or("write", false);
  if (map.has("advice")) {
    const std::string advice = map.scalar("advice", "an madvise advice");
    if (advice != "normal" && advice != "random")
      map.fail(map.get("advice"), "advice: expected normal | random, found '" + shown(advice) + "'");
    access.advice = advice == "random" ? AccessAdvice::random : AccessAdvice::normal;
    // madvise acts on a mapping of a file: without one the advice would silently do nothing.
    if (access.advice == AccessAdvice::random && !workload.has("file"))
      map.fail(map.get("advice"), "advice: random applies to the process's file (file:), and it has none");
  }
  if (access.kind == AccessKind::strided) {
    access.stride_bytes = map.bytes("stride", true);
    access.length_bytes = map.bytes("length", true);
    if (access.length_bytes > access.stride_bytes)
      map.fail(map.get("length"), "length: expected at most the stride " + format_exact_bytes(access.stride_bytes) +
                                      ", found '" + shown(map.get("length").Scalar()) + "'");
  }
  if (access.kind == AccessKind::hot_cold) {
    access.hot_fraction = fraction(map, "hot_fraction");
    if (access.hot_fraction >= 1)
      map.fail(map.get("hot_fraction"), "hot_fraction: expected below 100% (the rest of the range is cold), found '" +
                                            shown(map.get("hot_fraction").Scalar()) + "'");
    access.hot_share = fraction(map, "hot_share");
  }
  return access;
}

// steps_per_s, bytes_per_step | pages_per_s, with the per-step touch cap of sampled and strided
// patterns (kMaxTouchesPerStep, access_spec.hpp).
void parse_rate(const ParseContext& ctx, const MapReader& map, ProcessSpec& spec) {
  spec.steps_per_s = map.rate_per_s("steps_per_s", true);
  const double steps = spec.steps_per_s * ctx.duration_s;
  if (!(steps <= kMaxStepsPerRun))
    map.fail(map.get("steps_per_s"), "steps_per_s: expected at most " + std::to_string(std::uint64_t(kMaxStepsPerRun)) +
                                         " steps over the scenario's duration, found about " +
                                         (checked_to_u64(std::floor(steps)) ? std::to_string(std::uint64_t(steps))
                                                                            : std::string("2^64 or more")) +
                                         " (rate x duration); lower the rate or the duration");
  if (map.has("bytes_per_step") == map.has("pages_per_s"))
    map.fail(map.has("pages_per_s") ? map.get("pages_per_s") : map.node(),
             "process workload: give exactly one of bytes_per_step: (a size) or pages_per_s: (a rate such as 1000/s)");
  const std::string cap = std::to_string(kMaxTouchesPerStep);
  if (map.has("bytes_per_step")) {
    spec.bytes_per_step = map.bytes("bytes_per_step", true);
    if (spec.access.sampled() && spec.bytes_per_step > kMaxSampledStepBytes)
      map.fail_above("bytes_per_step", format_exact_bytes(kMaxSampledStepBytes) + " for a " +
                                           to_string(spec.access.kind) + " pattern (" + cap +
                                           " sampled pages per step of the smallest page, 1KiB; use pages_per_s)");
    // ceil(bytes / length) strides <= the cap; a product past 2^64 is no limit at all.
    const auto strides_limit = checked_mul(kMaxTouchesPerStep, spec.access.length_bytes);
    if (spec.access.kind == AccessKind::strided && strides_limit && spec.bytes_per_step > *strides_limit)
      map.fail_above("bytes_per_step", format_exact_bytes(*strides_limit) + " (" + cap + " strides of length " +
                                           format_exact_bytes(spec.access.length_bytes) + " per step)");
    return;
  }
  if (spec.access.kind == AccessKind::strided)
    map.fail(map.get("pages_per_s"), "pages_per_s: the strided pattern takes bytes_per_step: (bytes touched per "
                                     "step, in chunks of length)");
  const double pages = map.rate_per_s("pages_per_s", true) / spec.steps_per_s;
  if (!(pages >= 0.5))
    map.fail(map.get("pages_per_s"), "pages_per_s: expected at least one page per step (pages_per_s / steps_per_s "
                                     ">= 0.5, rounded), found " + number_text(pages));
  const double limit = spec.access.sampled() ? double(kMaxTouchesPerStep) : double(kMaxModelBytes >> 10);
  if (!(std::round(pages) <= limit))
    map.fail(map.get("pages_per_s"), "pages_per_s: expected at most " +
                                         std::to_string(std::uint64_t(limit)) + " pages per step" +
                                         (spec.access.sampled() ? " (sampled pages are capped per step)" : "") +
                                         ", found " + number_text(pages) + " (pages_per_s / steps_per_s)");
  spec.pages_per_step = static_cast<std::uint64_t>(std::round(pages));
}

void parse_cost(const MapReader& map, ProcessSpec& spec) {
  if (map.has("cpu_per_step") && map.has("flops_per_step"))
    map.fail(map.get("flops_per_step"), "flops_per_step: give at most one of cpu_per_step: (a duration) or "
                                        "flops_per_step: (a number)");
  if (map.has("cpu_per_step")) spec.cpu_per_step_s = map.duration_s("cpu_per_step", false);
  if (map.has("flops_per_step")) spec.flops_per_step = map.number("flops_per_step", 0);
  spec.work_steps = static_cast<std::uint64_t>(map.integer_or("work", 0, 1, std::int64_t{1} << 53));
}

std::shared_ptr<const WorkloadSpec> parse_process(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "process workload",
                      workloads::with_keys(common_workload_keys(), {"anon", "file", "footprint", "ramp", "access", "steps_per_s",
                                                    "bytes_per_step", "pages_per_s", "cpu_per_step",
                                                    "flops_per_step", "work"}));
  auto spec = std::make_shared<ProcessSpec>();
  read_common_workload_fields(map, *spec);
  parse_footprint(ctx, map, *spec);
  spec->access = parse_access(ctx, map);
  parse_rate(ctx, map, *spec);
  parse_cost(map, *spec);
  return spec;
}

}  // namespace

}  // namespace headroom::config

namespace headroom::workloads::process {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return config::parse_process(ctx, node);
}

}  // namespace headroom::workloads::process
