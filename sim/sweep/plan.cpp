#include "sim/sweep/plan.hpp"

#include <algorithm>

#include "sim/config/catalog.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/text.hpp"

namespace headroom::sweep {
namespace {

std::string names_of(const config::Scenario& scenario) {
  std::string out;
  for (const auto& h : scenario.hosts) out += (out.empty() ? "" : ", ") + h.name;
  return out;
}

bool has_host(const config::Scenario& scenario, const std::string& name) {
  return std::any_of(scenario.hosts.begin(), scenario.hosts.end(), [&](const auto& h) { return h.name == name; });
}

// --hosts names the scenario lacks but the catalog has are appended to its hosts ("hosts.+"), first,
// so that a `hosts.*` parameter reaches them too.
std::vector<config::Override> added_hosts(const config::Scenario& base, const PlanInput& input,
                                          const std::string& catalog_dir) {
  std::vector<config::Override> added;
  std::optional<config::Catalog> catalog;
  for (const std::string& name : input.hosts) {
    if (has_host(base, name)) continue;
    if (!catalog) catalog = config::load_catalog(catalog_dir);
    if (catalog->hosts.count(name) == 0)
      throw SweepError("error: --hosts: no host named '" + shown(name) + "' in " + input.scenario_path + " (hosts: " +
                       names_of(base) + ") or the catalog: " + config::unknown_name("host", name, catalog->hosts));
    added.push_back({"hosts.+", name});
  }
  return added;
}

}  // namespace

Plan make_plan(const PlanInput& input) {
  const std::string catalog_dir = input.catalog_dir.empty() ? config::default_catalog_dir() : input.catalog_dir;
  Plan plan;
  SweepSpec& spec = plan.spec;
  for (const std::string& set : input.sets) spec.parameters.push_back(parse_parameter(set));
  const config::Scenario base = config::load_scenario(input.scenario_path, catalog_dir);
  const std::vector<config::Override> hosts_added = added_hosts(base, input, catalog_dir);
  if (input.hosts.empty())
    for (const auto& h : base.hosts) spec.hosts.push_back(h.name);
  else
    spec.hosts = input.hosts;
  spec.points = expand_grid(spec.parameters, spec.hosts);
  spec.scenario_name = base.name;
  spec.scenario_path = input.scenario_path;
  spec.policy = input.policy;
  spec.timeseries_interval = input.timeseries_interval;
  const std::size_t per_combination = spec.hosts.size();
  for (std::size_t first = 0; first < spec.points.size(); first += per_combination) {
    const Point& point = spec.points[first];
    std::vector<config::Override> overrides = hosts_added;
    for (const auto& [path, value] : point.parameters) overrides.push_back({path, value});
    plan.scenarios.push_back(config::load_scenario(input.scenario_path, catalog_dir, overrides));
    const config::Scenario& scenario = plan.scenarios.back();
    for (std::size_t k = first; k < first + per_combination; ++k) {
      const std::string& host = spec.points[k].host;
      const auto found = std::find_if(scenario.hosts.begin(), scenario.hosts.end(),
                                      [&](const auto& h) { return h.name == host; });
      if (found == scenario.hosts.end())
        throw SweepError("error: point " + spec.points[k].id + ": no host named '" + shown(host) +
                         "' after its --set values (hosts: " + names_of(scenario) + ")");
      plan.host_index.push_back(static_cast<std::size_t>(found - scenario.hosts.begin()));
    }
  }
  return plan;
}

}  // namespace headroom::sweep
