// kind: recorded: the scenario parser (front end, compiled into hr_config). The series is read and
// checked here, once, at scenario load; its errors point into the series file (its line and
// column), the keys' errors into the scenario. The engine (run.cpp) trusts the RecordedSpec.
#include <algorithm>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "models/workloads/common/model_quant.hpp"
#include "models/workloads/recorded/spec.hpp"
#include "sim/checked.hpp"
#include "sim/config/error.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"
#include "sim/trace/memory/memory_series.hpp"

namespace headroom::config {
namespace {

// Every sample is a step of the engine (a touch of the whole footprint at most): bound them so that
// a series of milliseconds over days is an error, not a run that never ends.
constexpr std::uint64_t kMaxRecordedSteps = 1'000'000;

int clamp_int(std::uint64_t v) { return static_cast<int>(std::min<std::uint64_t>(v, INT32_MAX)); }

memtrace::Series read_series(const MapReader& map, const std::string& shown_path) {
  memtrace::Options options;
  if (map.has("format")) options.format = map.scalar("format", "a memory series format name");
  if (map.has("on_bad_row")) {
    const std::string action = map.scalar("on_bad_row", "fail or skip");
    if (action == "skip")
      options.on_bad_row = trace::BadRowAction::skip;
    else if (action != "fail")
      map.fail(map.get("on_bad_row"), "on_bad_row: expected one of fail | skip, found '" + shown(action) + "'");
  }
  if (!options.format.empty()) {
    const auto names = memtrace::format_names();
    if (std::find(names.begin(), names.end(), options.format) == names.end()) {
      std::string list;
      for (const auto& n : names) {
        if (!list.empty()) list += " | ";
        list += n;
      }
      const std::string near = nearest_name(options.format, names);
      map.fail(map.get("format"), "format: expected one of " + list + ", found '" + shown(options.format) + "'" +
                                      (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
  }
  try {
    return memtrace::read_memory_series(shown_path, options);
  } catch (const memtrace::SeriesError& e) {
    throw ConfigError(e.file(), clamp_int(e.line()), clamp_int(e.column()), e.message());
  }
}

// The memory a sample asks for: anon, else bytes, else rss (the file part is file, or nothing).
RecordedStep step_of(const memtrace::Sample& s, double time_scale, const std::string& shown_path) {
  const auto anon = s.anon_bytes ? s.anon_bytes : s.total_bytes ? s.total_bytes : s.rss_bytes;
  if (!anon)
    throw ConfigError(shown_path, clamp_int(s.line), 1,
                      "expected anon, bytes or rss in this sample (the memory a recorded workload follows), found none");
  return {s.time_s * time_scale, *anon, s.file_bytes.value_or(0)};
}

void take_steps(const ParseContext& ctx, const MapReader& map, const memtrace::Series& series, RecordedSpec& spec) {
  for (const memtrace::Sample& s : series.samples) {
    const RecordedStep step = step_of(s, spec.time_scale, spec.series);
    if (step.at_s >= ctx.duration_s) break;  // past the horizon: never replayed
    if (spec.steps.size() == kMaxRecordedSteps)
      map.fail(map.get("series"), "series: expected at most " + std::to_string(kMaxRecordedSteps) +
                                      " samples before the horizon, found more; raise time_scale, shorten the "
                                      "duration, or resample the series");
    spec.steps.push_back(step);
    spec.peak_anon_bytes = std::max(spec.peak_anon_bytes, step.anon_bytes);
    spec.peak_file_bytes = std::max(spec.peak_file_bytes, step.file_bytes);
  }
  const auto total = checked_add(spec.peak_anon_bytes, spec.peak_file_bytes);
  if (!total || *total > kMaxModelBytes)
    map.fail(map.get("series"), "series: expected a peak footprint (anonymous + file) of at most " +
                                    format_bytes(kMaxModelBytes) + ", found " + format_bytes(spec.peak_anon_bytes) +
                                    " + " + format_bytes(spec.peak_file_bytes));
  const std::size_t n = series.samples.size();
  if (n >= 2) spec.hold_period_s = series.samples.back().time_s * spec.time_scale / static_cast<double>(n - 1);
  if (spec.at_end != RecordedEnd::hold) return;
  // Holding repeats the step every mean interval to the horizon: the same bound on steps.
  const double hold_steps = (ctx.duration_s - spec.steps.back().at_s) / spec.hold_period_s;
  if (!(static_cast<double>(spec.steps.size()) + hold_steps <= static_cast<double>(kMaxRecordedSteps)))
    map.fail(map.has("time_scale") ? map.get("time_scale") : map.get("series"),
             "recorded workload: expected at most " + std::to_string(kMaxRecordedSteps) +
                 " steps (samples, then holding every mean interval of " + fmt::format("{:.6g}", spec.hold_period_s) +
                 " s to the horizon), found about " + fmt::format("{:.6g}", static_cast<double>(spec.steps.size()) + hold_steps) +
                 "; raise time_scale or use at_end: exit");
}

template <class Enum>
Enum choice(const MapReader& map, const std::string& key, const char* first, const char* second, Enum a, Enum b) {
  if (!map.has(key)) return a;
  const std::string text = map.scalar(key, std::string(first) + " or " + second);
  if (text == first) return a;
  if (text == second) return b;
  map.fail(map.get(key), key + ": expected one of " + first + " | " + second + ", found '" + shown(text) + "'");
}

std::shared_ptr<const WorkloadSpec> parse_recorded(const ParseContext& ctx, const YAML::Node& node) {
  const MapReader map(ctx.file, node, "recorded workload",
                      workloads::with_keys(common_workload_keys(),
                                           {"series", "format", "time_scale", "access", "at_end", "on_bad_row", "file_memory"}));
  auto spec = std::make_shared<RecordedSpec>();
  read_common_workload_fields(map, *spec);
  spec->access = choice(map, "access", "resident", "growth", RecordedAccess::resident, RecordedAccess::growth);
  spec->at_end = choice(map, "at_end", "hold", "exit", RecordedEnd::hold, RecordedEnd::exit);
  if (map.has("time_scale")) spec->time_scale = map.number("time_scale", 0);
  const std::string text = map.scalar("series", "a memory series file (CSV or snapshots)");
  resolve_input_file(ctx, map.get("series"), "series", text);  // a missing file is an error at the key
  spec->series = shown_input_path(ctx, text);
  const memtrace::Series series = read_series(map, spec->series);
  spec->format = series.format;
  spec->series_samples = series.samples.size();
  spec->skipped_rows = series.skipped;
  spec->first_skipped = series.first_skipped;
  // A process's file memory is what it maps (/proc/PID/status RssFile, which a pid capture records);
  // a cgroup's or the host's is page cache. `file_memory` overrides the guess.
  const bool process_series = series.format == "proc-status" || series.source.starts_with("pid ");
  spec->file_mapped = map.has("file_memory")
                          ? choice(map, "file_memory", "mapped", "cache", true, false)
                          : process_series;
  take_steps(ctx, map, series, *spec);
  if (spec->peak_file_bytes > 0) {
    spec->file_name = "recorded:" + spec->name;
    spec->files.push_back({spec->file_name, spec->peak_file_bytes, position_of(map.get("series"))});
  }
  return spec;
}

}  // namespace
}  // namespace headroom::config

namespace headroom::workloads::recorded {

std::shared_ptr<const config::WorkloadSpec> parse(const config::ParseContext& ctx, const YAML::Node& node) {
  return config::parse_recorded(ctx, node);
}

}  // namespace headroom::workloads::recorded
