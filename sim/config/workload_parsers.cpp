#include "sim/config/workload_parsers.hpp"

#include "sim/config/slo.hpp"
#include "sim/path_problem.hpp"
#include "sim/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace headroom::config {

const std::vector<std::string>& common_workload_keys() {
  static const std::vector<std::string> keys{"name", "kind", "oom_score_adj", "start_at", "stop_at", "after", "group", "slo"};
  return keys;
}

SourcePosition position_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return {mark.line + 1, mark.column + 1};
}

namespace {

// start_at and stop_at: durations from t=0; stop_at strictly after start_at (a workload stopped
// when it starts would do nothing, which is surely a slip).
void read_lifetime(const MapReader& map, WorkloadSpec& spec) {
  if (map.has("start_at")) spec.start_at_s = map.duration_s("start_at", false);
  if (!map.has("stop_at")) return;
  spec.stop_at_s = map.duration_s("stop_at", false);
  if (*spec.stop_at_s > spec.start_at_s.value_or(0.0)) return;
  const std::string start = spec.start_at_s ? fmt::format("'{}'", shown(map.get("start_at").Scalar())) : "0s by default";
  map.fail(map.get("stop_at"), fmt::format("stop_at: expected a time after start_at ({}), found '{}'", start,
                                           shown(map.get("stop_at").Scalar())));
}

// after: a list of other workloads' names. Whether each names a workload of the scenario, and
// whether they form a cycle, is checked once every workload is read (lifecycle.hpp).
void read_after(const MapReader& map, WorkloadSpec& spec) {
  if (!map.has("after")) return;
  const YAML::Node list = map.get("after");
  if (!list.IsSequence())
    map.fail(list, "after: expected a list of workload names such as [prepare], found " + describe(list));
  for (const auto& entry : list) {
    const std::string name = scalar_text(map.file(), entry, "after", "a workload name");
    if (name.find_first_not_of(" \t\r\n") == std::string::npos)
      map.fail(entry, "after: expected a workload name, found '" + shown(name) + "'");
    if (name == spec.name)
      map.fail(entry, "after: expected another workload's name, found '" + shown(name) +
                          "' (the workload's own name: it cannot wait for itself)");
    if (std::find(spec.after.begin(), spec.after.end(), name) != spec.after.end())
      map.fail(entry, "after: '" + shown(name) + "' is listed twice");
    spec.after.push_back(name);
    spec.after_positions.push_back(position_of(entry));
  }
}

}  // namespace

void read_common_workload_fields(const MapReader& map, WorkloadSpec& spec) {
  spec.name = map.string("name");
  spec.kind = map.string("kind");
  // Linux's range for /proc/<pid>/oom_score_adj (proc_pid_oom_adj(5)).
  spec.oom_score_adj = static_cast<int>(map.integer_or("oom_score_adj", 0, -1000, 1000));
  read_lifetime(map, spec);
  read_after(map, spec);
  if (map.has("group")) {
    spec.group = map.string("group");
    spec.group_position = position_of(map.get("group"));
  }
  if (map.has("slo")) spec.slo = parse_slo(map.file(), map.get("slo"));
}

std::string shown_input_path(const ParseContext& ctx, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path given(text);
  return (given.is_absolute() ? given : fs::path(ctx.base_dir) / given).lexically_normal().string();
}

std::string resolve_input_file(const ParseContext& ctx, const YAML::Node& node,
                               const std::string& key, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path resolved = shown_input_path(ctx, text);
  std::error_code ec;
  if (const auto problem = regular_file_problem(resolved.string(), "no such file"))
    // Paths are shown whole up to PATH_MAX (they are long legitimately), control bytes escaped.
    fail_at(ctx.file, node, key + ": expected a readable file at '" + shown(resolved.string(), 4096) + "', found " + *problem);
  return fs::absolute(resolved, ec).lexically_normal().string();
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  std::ostringstream out;
  out.precision(4);
  out << value << kUnits[unit];
  return out.str();
}

}  // namespace headroom::config
