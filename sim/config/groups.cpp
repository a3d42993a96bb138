#include "sim/config/groups.hpp"

#include <optional>
#include <set>

#include "sim/config/error.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"

namespace headroom::config {
namespace {

const std::vector<std::string>& group_keys() {
  static const std::vector<std::string> keys{"name", "memory_max", "memory_high", "memory_swap_max", "memory_min",
                                             "memory_low"};
  return keys;
}

}  // namespace

const std::vector<std::string>& group_limit_keys() {
  static const std::vector<std::string> keys{"memory_max", "memory_high", "memory_swap_max", "memory_min",
                                             "memory_low"};
  return keys;
}

namespace {

// A size as in every scenario (units.hpp) or, where `max_allowed`, the word `max` (no limit, as in
// the cgroup v2 files; returned as nullopt). Limits must be above zero (a group that may hold
// nothing is a slip; memory_swap_max: 0 is the usual "no swap").
std::optional<std::uint64_t> read_size(const MapReader& map, const std::string& key, bool max_allowed, bool positive) {
  const std::string text = map.scalar(key, max_allowed ? "a size or max" : "a size");
  if (text == "max") {
    if (max_allowed) return std::nullopt;
    map.fail(map.get(key), key + ": expected a size such as 96GiB or 512MB, found 'max' (max is for limits; " +
                               "a protection is a size)");
  }
  std::uint64_t value = 0;
  try {
    value = parse_bytes(text);
  } catch (const UnitError& e) {
    std::string message = e.what();
    static const std::string kExpected = "expected a size such as 96GiB or 512MB";
    if (max_allowed && message.rfind(kExpected, 0) == 0) message.insert(kExpected.size(), ", or max");
    map.fail(map.get(key), key + ": " + message);
  }
  if (positive && value == 0)
    map.fail(map.get(key), key + ": expected a size above zero" + std::string(max_allowed ? " or max" : "") +
                               ", found '" + shown(text) + "'");
  if (value > kMaxModelBytes) map.fail_above(key, format_exact_bytes(kMaxModelBytes));
  return value;
}

// A memory limit or protection above a host's RAM is a unit slip (or a host it was not meant for):
// the same groups run on every host of the scenario, so each must hold it.
void check_against_ram(const MapReader& map, const std::string& key, std::optional<std::uint64_t> bytes,
                       const std::vector<HostSpec>& hosts) {
  if (!bytes) return;
  for (const auto& host : hosts)
    if (*bytes > host.ram_bytes)
      map.fail(map.get(key), key + ": expected at most the RAM of host '" + shown(host.name) + "' (" +
                                 format_exact_bytes(host.ram_bytes) + "), found '" + shown(map.get(key).Scalar()) +
                                 "'");
}

// A limit below one page leaves the group nothing once rounded down to pages (as the kernel
// rounds): the same slip as 0.
void check_at_least_a_page(const MapReader& map, const std::string& key, std::optional<std::uint64_t> bytes,
                           const std::vector<HostSpec>& hosts) {
  if (!bytes) return;
  for (const auto& host : hosts)
    if (*bytes < host.page_bytes)
      map.fail(map.get(key), key + ": expected at least one page of host '" + shown(host.name) + "' (" +
                                 format_exact_bytes(host.page_bytes) + ") or max, found '" +
                                 shown(map.get(key).Scalar()) + "'");
}

}  // namespace

GroupSpec parse_group_limits(const MapReader& map, const std::vector<HostSpec>& hosts) {
  GroupSpec group;
  const auto size = [&](const std::string& key, bool max_allowed, bool positive) {
    return map.has(key) ? read_size(map, key, max_allowed, positive) : std::nullopt;
  };
  group.max_bytes = size("memory_max", true, true);
  group.high_bytes = size("memory_high", true, true);
  group.swap_max_bytes = size("memory_swap_max", true, false);
  group.min_bytes = size("memory_min", false, false).value_or(0);
  group.low_bytes = size("memory_low", false, false).value_or(0);
  check_at_least_a_page(map, "memory_max", group.max_bytes, hosts);
  check_at_least_a_page(map, "memory_high", group.high_bytes, hosts);
  check_against_ram(map, "memory_max", group.max_bytes, hosts);
  check_against_ram(map, "memory_high", group.high_bytes, hosts);
  check_against_ram(map, "memory_min", group.min_bytes, hosts);
  check_against_ram(map, "memory_low", group.low_bytes, hosts);
  // The kernel accepts memory.high above memory.max, but then high never acts: surely a slip.
  if (group.high_bytes && group.max_bytes && *group.high_bytes > *group.max_bytes)
    map.fail(map.get("memory_high"), "memory_high: expected at most memory_max (" +
                                         shown(map.get("memory_max").Scalar()) + "), found '" +
                                         shown(map.get("memory_high").Scalar()) + "'");
  // memory_min above memory_low is accepted, as the kernel does: min is the hard floor, low the
  // soft one, and each acts on its own.
  return group;
}

namespace {

GroupSpec parse_group(const MapReader& map, const std::vector<HostSpec>& hosts) {
  GroupSpec group = parse_group_limits(map, hosts);
  group.name = map.string("name");
  group.line = map.node().Mark().line + 1;
  group.column = map.node().Mark().column + 1;
  return group;
}

}  // namespace

std::vector<GroupSpec> parse_groups(const MapReader& root, const std::vector<HostSpec>& hosts) {
  std::vector<GroupSpec> groups;
  if (!root.has("groups")) return groups;
  const YAML::Node list = root.get("groups");
  expect_list(root.file(), list, "groups");
  std::set<std::string> names;
  for (const auto& item : list) {
    const MapReader map(root.file(), item, "group", group_keys());
    groups.push_back(parse_group(map, hosts));
    if (!names.insert(groups.back().name).second)
      map.fail(map.get("name"), "duplicate group name '" + shown(groups.back().name) + "'");
  }
  return groups;
}

void add_provided_groups(const std::string& file, std::vector<GroupSpec>& groups,
                         const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads) {
  for (const auto& workload : workloads) {
    if (!workload->provides_group) continue;
    const GroupSpec& provided = *workload->provides_group;
    for (const GroupSpec& g : groups)
      if (g.name == provided.name)
        throw ConfigError(file, provided.line, provided.column,
                          "duplicate group name '" + shown(provided.name) + "': " + workload->kind +
                              " '" + shown(workload->name) + "' provides a group of its name, and " +
                              "the group at line " + std::to_string(g.line) + " has it already");
    groups.push_back(provided);
  }
}

void check_workload_groups(const std::string& file, const std::vector<GroupSpec>& groups,
                           const std::vector<std::shared_ptr<const WorkloadSpec>>& workloads) {
  std::vector<std::string> names;
  std::string known;
  for (const auto& group : groups) {
    names.push_back(group.name);
    known += (known.empty() ? "" : ", ") + shown(group.name);
  }
  for (const auto& workload : workloads) {
    if (workload->group.empty() || std::find(names.begin(), names.end(), workload->group) != names.end()) continue;
    const std::string near = nearest_name(workload->group, names);
    throw ConfigError(file, workload->group_position.line, workload->group_position.column,
                      "group: unknown group '" + shown(workload->group) + "'" +
                          (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; " +
                          (known.empty() ? "the scenario defines none (list them under groups: at the top level)"
                                         : "known: " + known));
  }
}

}  // namespace headroom::config
