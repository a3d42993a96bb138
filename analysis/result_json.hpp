// analysis/result_json: lossless JSON form of a HostResult, used to move a child process's
// simulation result to the parent (`headroom compare`). Doubles round-trip exactly. A child sends
// analysis::summarised(result) (summary.hpp): the figures, not every request record.
#pragma once

#include <string>

#include "analysis/results.hpp"

namespace headroom::analysis {

std::string host_result_to_json(const HostResult& host);
// Throws std::runtime_error when `text` is not a HostResult written by host_result_to_json.
HostResult host_result_from_json(const std::string& text);

}  // namespace headroom::analysis
