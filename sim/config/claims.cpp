#include "sim/config/claims.hpp"

#include <filesystem>
#include <set>

#include "sim/config/error.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/config/yaml_reader.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "a.b_c.p50": segments of lower-case letters, digits and '_' (the result JSON's keys).
bool is_metric_path(const std::string& text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && !(c == '.' && text[i + 1] != '.')) return false;
  }
  return true;
}

class ClaimsReader {
 public:
  explicit ClaimsReader(std::string path) : path_(std::move(path)) {
    folder_ = std::filesystem::path(path_).parent_path();
  }

  ClaimsFile read() {
    const YAML::Node root = load_yaml_file(path_, "claims file");
    const MapReader top(path_, root, "claims file", {"claims"});
    const YAML::Node list = top.required("claims");
    expect_list(path_, list, "claims");
    if (list.size() == 0) fail_at(path_, list, "claims: expected at least one claim, found an empty list");
    ClaimsFile file;
    file.path = path_;
    std::set<std::string> ids;
    for (const YAML::Node& node : list) {
      Claim claim = read_claim(node);
      if (!ids.insert(claim.id).second)
        fail_at(path_, node["id"], "duplicate claim id '" + shown(claim.id) + "'");
      file.claims.push_back(std::move(claim));
    }
    file.scenarios = std::move(scenarios_);
    return file;
  }

 private:
  Claim read_claim(const YAML::Node& node) {
    const MapReader map(path_, node, "claim", {"id", "claim", "scenario", "hosts", "cases", "capacity"});
    Claim claim;
    claim.id = map.string("id");
    claim.text = map.string("claim");
    claim.scenario_path = scenario_at(map, map.required("scenario"));
    read_hosts(map, claim);
    const YAML::Node cases = map.required("cases");
    expect_list(path_, cases, "cases");
    if (cases.size() == 0) fail_at(path_, cases, "cases: expected at least one case, found an empty list");
    std::set<std::string> names;
    for (const YAML::Node& item : cases) {
      ClaimCase one = read_case(item, claim);
      if (!names.insert(one.name).second)
        fail_at(path_, item["name"], "duplicate case name '" + shown(one.name) + "' in claim '" + claim.id + "'");
      claim.cases.push_back(std::move(one));
    }
    if (map.has("capacity")) claim.capacity = read_capacity(map.get("capacity"), claim.scenario_path);
    return claim;
  }

  // The scenario a `scenario:` node names, relative to the claims file's folder: loaded once.
  std::string scenario_at(const MapReader& map, const YAML::Node& node) {
    const std::string text = scalar_text(path_, node, "scenario", "a scenario file");
    if (text.empty()) fail_at(path_, node, "scenario: expected a scenario file, found ''");
    const std::string resolved = (folder_ / text).lexically_normal().string();
    if (scenarios_.count(resolved) != 0) return resolved;
    std::error_code error;
    if (!std::filesystem::is_regular_file(resolved, error))
      map.fail(node, "scenario: expected a scenario file (relative to the claims file's folder), found '" +
                         shown(text) + "' (" + resolved + " is not a readable file)");
    scenarios_.emplace(resolved, load_scenario(resolved));
    return resolved;
  }

  const HostSpec* find_host(const Scenario& scenario, const std::string& name) {
    for (const HostSpec& host : scenario.hosts)
      if (host.name == name) return &host;
    return nullptr;
  }

  // hosts: [96 GiB host, 128 GiB host], both in the scenario.
  void read_hosts(const MapReader& map, Claim& claim) {
    const YAML::Node hosts = map.required("hosts");
    expect_list(path_, hosts, "hosts");
    if (hosts.size() != 2)
      fail_at(path_, hosts, "hosts: expected two host names (the 96 GB host, then the 128 GB host), found " +
                                std::to_string(hosts.size()));
    const Scenario& scenario = scenarios_.at(claim.scenario_path);
    std::vector<std::string> known;
    for (const HostSpec& host : scenario.hosts) known.push_back(host.name);
    const std::uint64_t wanted_gib[2] = {96, 128};
    for (std::size_t k = 0; k < 2; ++k) {
      const std::string name = scalar_text(path_, hosts[k], "hosts", "a host name");
      const HostSpec* host = find_host(scenario, name);
      if (host == nullptr)
        fail_at(path_, hosts[k], "hosts: no host named '" + shown(name) + "' in " + claim.scenario_path +
                                     " (hosts: " + join_names(known) + ")");
      if (host->ram_bytes != wanted_gib[k] * kGiB)
        fail_at(path_, hosts[k], "hosts: expected the " + std::to_string(wanted_gib[k]) +
                                     " GiB host " + (k == 0 ? "first" : "second") + ", found '" + shown(name) +
                                     "' with " + std::to_string(host->ram_bytes) + " bytes of RAM");
      (k == 0 ? claim.host_96 : claim.host_128) = name;
    }
  }

  void check_workload(const YAML::Node& node, const std::string& name, const std::string& scenario_path) {
    const Scenario& scenario = scenarios_.at(scenario_path);
    std::vector<std::string> known;
    for (const auto& workload : scenario.workloads) {
      if (workload->name == name) return;
      known.push_back(workload->name);
    }
    fail_at(path_, node, "workload: no workload named '" + shown(name) + "' in " + scenario_path +
                             " (workloads: " + join_names(known) + ")");
  }

  ClaimCase read_case(const YAML::Node& node, const Claim& claim) {
    const MapReader map(path_, node, "case", {"name", "scenario", "workload", "metric", "unit", "better"});
    ClaimCase one;
    one.name = map.string("name");
    one.scenario_path = map.has("scenario") ? scenario_at(map, map.get("scenario")) : claim.scenario_path;
    if (map.has("scenario")) {
      // The claim's hosts must be in this scenario too.
      const Scenario& scenario = scenarios_.at(one.scenario_path);
      for (const std::string& host : {claim.host_96, claim.host_128})
        if (find_host(scenario, host) == nullptr)
          map.fail(map.get("scenario"), "scenario: " + one.scenario_path + " has no host named '" + host +
                                            "' (the claim's hosts must be in every scenario it names)");
    }
    if (map.has("workload")) {
      one.figure.workload = map.string("workload");
      check_workload(map.get("workload"), one.figure.workload, one.scenario_path);
    }
    const YAML::Node metric = map.required("metric");
    one.figure.metric = map.string("metric");
    if (!is_metric_path(one.figure.metric))
      map.fail(metric, "metric: expected a dotted path of result keys (a-z, 0-9, _), such as ttft_s.p50, found '" +
                           shown(one.figure.metric) + "'");
    one.figure.line = metric.Mark().line + 1;
    one.figure.column = metric.Mark().column + 1;
    one.figure.unit = map.string("unit");
    const std::string better = map.string("better");
    if (better != "higher" && better != "lower")
      map.fail(map.get("better"), "better: expected higher or lower, found '" + shown(better) + "'");
    one.figure.higher_is_better = better == "higher";
    return one;
  }

  ClaimCapacity read_capacity(const YAML::Node& node, const std::string& scenario_path) {
    const MapReader map(path_, node, "capacity", {"workload", "slo"});
    ClaimCapacity capacity;
    capacity.workload = map.string("workload");
    check_workload(map.get("workload"), capacity.workload, scenario_path);
    capacity.slo = map.string("slo");
    return capacity;
  }

  std::string path_;
  std::filesystem::path folder_;
  std::map<std::string, Scenario> scenarios_;
};

}  // namespace

ClaimsFile load_claims(const std::string& path) { return ClaimsReader(path).read(); }

}  // namespace headroom::config
