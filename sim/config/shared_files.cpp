#include "sim/config/shared_files.hpp"

#include <map>

#include <fmt/format.h>

#include "sim/config/error.hpp"
#include "sim/text.hpp"

namespace headroom::config {

void check_shared_files(const std::string& file, const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads) {
  std::map<std::string, const FileUseSpec*, std::less<>> first_use;  // by file name
  for (const auto& workload : workloads)
    for (const FileUseSpec& use : workload->files) {
      const auto [it, inserted] = first_use.try_emplace(use.name, &use);
      const FileUseSpec& first = *it->second;
      if (inserted || first.size_bytes == use.size_bytes) continue;
      throw ConfigError(file, use.position.line, use.position.column,
                        fmt::format("expected the size of file '{}' as given at {}:{} ({} bytes), found {} bytes",
                                    shown(use.name), first.position.line, first.position.column,
                                    first.size_bytes, use.size_bytes));
    }
}

}  // namespace headroom::config
