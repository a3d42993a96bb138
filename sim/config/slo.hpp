// The `slo:` key of a workload (sim/config/README.md "SLO targets") and `headroom capacity --slo`:
// parsing and the checks that need the whole workload (which kinds may have which target).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sim/config/yaml_reader.hpp"
#include "sim/slo_spec.hpp"

namespace headroom::config {

struct ParseContext;
struct WorkloadSpec;

// Every key `slo:` accepts: <metric>_<stat> for metric ttft, tpot, e2e, queue_wait and stat p50,
// p90, p99, mean, then `deadline`.
const std::vector<std::string>& slo_keys();

// The `slo:` mapping at `node` (a located ConfigError for an unknown key, a bad duration, an empty
// mapping).
SloSpec parse_slo(const std::string& file, const YAML::Node& node);

// After the kind's parser: request targets only on a kind that serves requests, `deadline` only on
// one that finishes, and a deadline within the horizon (else it could never be judged).
void check_slo(const ParseContext& ctx, const YAML::Node& workload, const WorkloadSpec& spec);

// `--slo ttft_p99=2s,tpot_p50=100ms`: throws std::invalid_argument with "expected ..., found ...".
SloSpec parse_slo_text(std::string_view text);

}  // namespace headroom::config
