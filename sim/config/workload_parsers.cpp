#include "sim/config/workload_parsers.hpp"

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

std::string resolve_input_file(const ParseContext& ctx, const YAML::Node& node,
                               const std::string& key, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path given(text);
  const fs::path resolved =
      (given.is_absolute() ? given : fs::path(ctx.base_dir) / given).lexically_normal();
  std::error_code ec;
  const fs::file_status status = fs::status(resolved, ec);
  if (!fs::is_regular_file(status)) {
    // Each cause in its own words: "does not exist" only when nothing is there.
    std::error_code link_ec;
    const bool is_link = fs::is_symlink(fs::symlink_status(resolved, link_ec));
    std::string why = "does not exist";
    if (ec == std::errc::too_many_symbolic_link_levels) why = "is a symbolic link loop";
    else if (ec == std::errc::permission_denied) why = "cannot be reached (permission denied)";
    else if (ec == std::errc::not_a_directory) why = "is under a file that is not a directory";
    else if (fs::is_directory(status)) why = "is a directory, not a file";
    else if (fs::is_fifo(status)) why = "is a named pipe (FIFO), not a file";
    else if (fs::exists(status)) why = "is not a regular file";
    else if (is_link) why = "is a symbolic link to a missing file";
    // Paths are shown whole up to PATH_MAX (they are long legitimately), control bytes escaped.
    fail_at(ctx.file, node, key + ": file '" + shown(resolved.string(), 4096) + "' " + why);
  }
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
