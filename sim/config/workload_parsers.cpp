#include "sim/config/workload_parsers.hpp"

#include "sim/path_problem.hpp"
#include "sim/text.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace headroom::config {

const std::vector<std::string>& common_workload_keys() {
  static const std::vector<std::string> keys{"name", "kind", "oom_score_adj"};
  return keys;
}

void read_common_workload_fields(const MapReader& map, WorkloadSpec& spec) {
  spec.name = map.string("name");
  spec.kind = map.string("kind");
  // Linux's range for /proc/<pid>/oom_score_adj (proc_pid_oom_adj(5)).
  spec.oom_score_adj = static_cast<int>(map.integer_or("oom_score_adj", 0, -1000, 1000));
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
