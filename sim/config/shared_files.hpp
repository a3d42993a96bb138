// Files shared between workloads (a model's weights mapped by two servers, a table read by two
// jobs, the next issue's datasets): every workload kind lists the files it uses in
// WorkloadSpec::files, and the scenario loader checks here, once, that all uses of a file agree
// on its size (the engine keeps one page-cache copy per file name and refuses a second size).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"

namespace headroom::config {

// Throws ConfigError at the first use (in file order) that gives a file another size than its
// first use: "expected the size of file 'X' as given at LINE:COL (N bytes), found M bytes".
void check_shared_files(const std::string& file, const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads);

}  // namespace headroom::config
