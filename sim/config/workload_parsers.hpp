// What a workload kind's parser (models/workloads/<kind>/parse.cpp, registered in
// sim/workload_kind.hpp) is given, and the helpers every parser shares. The scenario loader hands
// each `workloads:` entry to the parser its `kind:` names; an unknown kind is an error listing the
// known ones. Only front-end parsers include this header (it pulls in yaml-cpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/config/catalog.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/yaml_reader.hpp"

namespace headroom::config {

struct ParseContext {
  std::string file;      // scenario path as given (for error positions)
  std::string base_dir;  // directory of the scenario file, for relative input paths
  const Catalog& catalog;
  double duration_s = 0;  // the scenario's horizon, for checks that depend on it
  // The scenario's hosts, once parsed (workload parsers get them; null before): a container's or
  // VM's limits are checked against each host's RAM, as `groups:` are.
  const std::vector<HostSpec>* hosts = nullptr;
};

// Keys every kind accepts: name, kind, oom_score_adj, start_at, stop_at, after, group, slo. Parsers add their own to the allowed list.
const std::vector<std::string>& common_workload_keys();
void read_common_workload_fields(const MapReader& map, WorkloadSpec& spec);

// Where `node` stands in the scenario file (1-based), for checks made once every workload is read.
SourcePosition position_of(const YAML::Node& node);

// An input file named in the scenario: relative paths resolve against the scenario's directory.
// A missing file is an error at `node` showing the path as resolved (relative to the working
// directory when the scenario path was relative). Returns an absolute, normalised path.
std::string resolve_input_file(const ParseContext& ctx, const YAML::Node& node,
                               const std::string& key, const std::string& text);

// The same path as messages show it: relative to the working directory when the scenario path was
// relative (so that a message reads the same on every checkout).
std::string shown_input_path(const ParseContext& ctx, const std::string& text);

// "2.5GiB" style text for messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace headroom::config
