// kind: container / vm: the scenario parser (front end, hr_config). A box provides the group of its
// own name (WorkloadSpec::provides_group); the loader adds it to Scenario::groups.
#include <memory>
#include <string>

#include "models/workloads/common/box.hpp"
#include "models/workloads/common/box_spec.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "sim/config/groups.hpp"
#include "sim/config/units.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {
namespace {

using config::GroupSpec;
using config::MapReader;

// "<key>: expected <relation> <what> (<bytes>), found '<as written>'" at key.
[[noreturn]] void fail_relation(const MapReader& map, const std::string& key, const std::string& relation,
                                std::uint64_t bytes) {
  map.fail(map.get(key), key + ": expected " + relation + " (" + config::format_exact_bytes(bytes) + "), found '" +
                             shown(map.get(key).Scalar()) + "'");
}

// A size at most every host's RAM (the same boxes run on every host of the scenario).
std::uint64_t size_within_hosts(const config::ParseContext& ctx, const MapReader& map, const std::string& key,
                                bool positive) {
  const std::uint64_t bytes = map.bytes(key, positive);
  for (const auto& host : *ctx.hosts)
    if (bytes > host.ram_bytes)
      fail_relation(map, key, "at most the RAM of host '" + shown(host.name) + "'", host.ram_bytes);
  return bytes;
}

void read_container(const config::ParseContext& ctx, const MapReader& map, BoxSpec& spec) {
  GroupSpec group = config::parse_group_limits(map, *ctx.hosts);
  if (map.has("overhead") && group.max_bytes && spec.overhead_bytes > *group.max_bytes)
    fail_relation(map, "overhead", "at most memory_max", *group.max_bytes);
  spec.provides_group = group;
}

void read_vm(const config::ParseContext& ctx, const MapReader& map, BoxSpec& spec) {
  spec.ram_bytes = size_within_hosts(ctx, map, "ram", true);
  for (const auto& host : *ctx.hosts)
    if (spec.ram_bytes < host.page_bytes)
      fail_relation(map, "ram", "at least one page of host '" + shown(host.name) + "'", host.page_bytes);
  if (spec.overhead_bytes >= spec.ram_bytes) fail_relation(map, "overhead", "below ram", spec.ram_bytes);
  if (map.has("balloon")) {
    const MapReader balloon(map.file(), map.get("balloon"), "balloon", {"min"});
    const std::uint64_t min_bytes = balloon.bytes("min", true);
    if (min_bytes >= spec.ram_bytes) fail_relation(balloon, "min", "below ram", spec.ram_bytes);
    if (min_bytes < spec.overhead_bytes)
      fail_relation(balloon, "min", "at least the overhead, which the balloon cannot take", spec.overhead_bytes);
    spec.balloon_min_bytes = min_bytes;
  }
  // The guest's RAM is the group's memory.max; the guest has no swap of its own (memory.swap.max 0:
  // at its RAM it reclaims its page cache, then its OOM killer acts), and its page cache is its own.
  // memory.min = ram: the host cannot reclaim what the guest uses (its pages are the VM process's
  // memory, not host page cache); host pressure takes the reservation (the guest's free RAM).
  GroupSpec group;
  group.max_bytes = spec.ram_bytes;
  group.min_bytes = spec.ram_bytes;
  group.swap_max_bytes = 0;
  group.private_page_cache = true;
  spec.provides_group = group;
}

}  // namespace

std::shared_ptr<const config::WorkloadSpec> parse_box(const config::ParseContext& ctx, const YAML::Node& node,
                                                      bool vm) {
  const std::vector<std::string> own = vm ? std::vector<std::string>{"ram", "overhead", "balloon"}
                                          : with_keys(config::group_limit_keys(), {"overhead"});
  std::vector<std::string> keys = config::common_workload_keys();
  keys.insert(keys.end(), own.begin(), own.end());
  const MapReader map(ctx.file, node, vm ? "vm workload" : "container workload", keys);
  auto spec = std::make_shared<BoxSpec>();
  config::read_common_workload_fields(map, *spec);
  spec->vm = vm;
  if (map.has("group"))
    map.fail(map.get("group"), std::string("group: a ") + (vm ? "vm" : "container") + " joins no group: it provides " +
                                   "the group '" + shown(spec->name) + "' that its workloads join (groups are one " +
                                   "level under the root)");
  if (map.has("overhead")) spec->overhead_bytes = size_within_hosts(ctx, map, "overhead", false);
  if (vm)
    read_vm(ctx, map, *spec);
  else
    read_container(ctx, map, *spec);
  spec->provides_group->name = spec->name;
  const config::SourcePosition at = config::position_of(map.get("name"));
  spec->provides_group->line = at.line;
  spec->provides_group->column = at.column;
  return spec;
}

}  // namespace headroom::workloads
