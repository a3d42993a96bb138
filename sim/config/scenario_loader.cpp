#include "sim/config/scenario_loader.hpp"

#include <filesystem>
#include <limits>
#include <set>

#include "sim/config/catalog.hpp"
#include "sim/config/groups.hpp"
#include "sim/config/lifecycle.hpp"
#include "sim/config/overrides.hpp"
#include "sim/config/shared_files.hpp"
#include "sim/config/workload_parsers.hpp"
#include "sim/config/units.hpp"
#include "sim/config/yaml_reader.hpp"
#include "sim/mm/watermarks.hpp"
#include "sim/text.hpp"
#include "sim/workload_kind.hpp"

namespace headroom::config {
using headroom::WorkloadKind;
using headroom::WorkloadKinds;
namespace {

std::vector<std::string> host_entry_keys() {
  std::vector<std::string> keys{"name", "use", "description"};
  const auto& fields = host_field_keys();
  keys.insert(keys.end(), fields.begin(), fields.end());
  return keys;
}

HostSpec parse_host(const ParseContext& ctx, const YAML::Node& node) {
  if (node.IsScalar()) {
    const auto found = ctx.catalog.hosts.find(node.Scalar());
    if (found == ctx.catalog.hosts.end())
      fail_at(ctx.file, node, unknown_name("host", node.Scalar(), ctx.catalog.hosts));
    return found->second.spec;  // catalog entries were resolved when loaded
  }
  const MapReader map(ctx.file, node, "host", host_entry_keys());
  HostTemplate host;
  if (map.has("use")) {
    const std::string base = map.string("use");
    const auto found = ctx.catalog.hosts.find(base);
    if (found == ctx.catalog.hosts.end())
      map.fail(map.get("use"), "use: " + unknown_name("host", base, ctx.catalog.hosts));
    host = found->second;
    host.spec.name = map.string_or("name", base);
  } else {
    host.spec.name = map.string("name");
    for (const auto& key : host_required_keys())
      if (!map.has(key))
        map.fail(map.node(), "host '" + shown(host.spec.name) + "' is missing required key '" + key +
                                 "' (an inline host without use: gives every required field)");
  }
  host.spec.description = map.string_or("description", host.spec.description);
  apply_host_fields(map, host, ctx.catalog.gpus);
  return finish_host(map, host);
}

// The node to blame for a host whose memory settings leave nothing free: the setting that differs
// from its default and, set back to the default, would fit; else the host's os_reserve (or entry).
YAML::Node watermark_culprit(const YAML::Node& host_node, const YAML::Node& memory_node,
                             const HostSpec& host, const MemorySpec& memory) {
  const auto fits = [&](std::optional<std::uint64_t> min_free, int scale_factor) {
    const mm::Watermarks w = mm::kernel_watermarks(host.ram_bytes, host.page_bytes, scale_factor, min_free);
    const std::uint64_t reserve_pages = (host.os_reserve_bytes + host.page_bytes - 1) / host.page_bytes;
    return reserve_pages + w.high_pages < host.ram_bytes / host.page_bytes;
  };
  const MemorySpec defaults;
  if (memory.min_free_bytes && fits(std::nullopt, memory.watermark_scale_factor)) return memory_node["min_free"];
  if (memory.watermark_scale_factor != defaults.watermark_scale_factor &&
      fits(memory.min_free_bytes, defaults.watermark_scale_factor))
    return memory_node["watermark_scale_factor"];
  if (memory.min_free_bytes && fits(std::nullopt, defaults.watermark_scale_factor)) return memory_node["min_free"];
  if (host_node.IsMap() && host_node["os_reserve"].IsDefined()) return host_node["os_reserve"];
  return host_node;
}

// The memory manager needs free frames above the kernel's high watermark beside the OS reserve;
// checked here, with the formula the manager uses (sim/mm/watermarks.hpp), so that a host the
// settings leave without memory is bad input at its place, not an internal error mid-run.
void check_watermarks(const ParseContext& ctx, const YAML::Node& host_node, const YAML::Node& memory_node,
                      const HostSpec& host, const MemorySpec& memory) {
  const mm::Watermarks w = mm::kernel_watermarks(host.ram_bytes, host.page_bytes, memory.watermark_scale_factor,
                                                 memory.min_free_bytes);
  const std::uint64_t total_pages = host.ram_bytes / host.page_bytes;
  const std::uint64_t reserve_pages = (host.os_reserve_bytes + host.page_bytes - 1) / host.page_bytes;
  if (reserve_pages + w.high_pages < total_pages) return;
  fail_at(ctx.file, watermark_culprit(host_node, memory_node, host, memory),
          "host '" + shown(host.name) + "': expected os_reserve plus the kernel's high watermark below ram (" +
              std::to_string(total_pages) + " pages of " + format_exact_bytes(host.page_bytes) + "), found " +
              std::to_string(reserve_pages) + " + " + std::to_string(w.high_pages) +
              " pages (high watermark from min_free " +
              format_exact_bytes(w.min_pages * host.page_bytes) + " and watermark_scale_factor " +
              std::to_string(memory.watermark_scale_factor) + "): no memory is left to use");
}

std::vector<HostSpec> parse_hosts(const ParseContext& ctx, const MapReader& root, const MemorySpec& memory) {
  const YAML::Node list = root.required("hosts");
  expect_list(ctx.file, list, "hosts");
  if (list.size() == 0) fail_at(ctx.file, list, "hosts: expected at least one host, found an empty list");
  std::vector<HostSpec> hosts;
  std::set<std::string> names;
  for (const auto& item : list) {
    hosts.push_back(parse_host(ctx, item));
    if (!names.insert(hosts.back().name).second)
      fail_at(ctx.file, item, "duplicate host name '" + shown(hosts.back().name) + "'");
    check_watermarks(ctx, item, root.get("memory"), hosts.back(), memory);
  }
  return hosts;
}

std::shared_ptr<const WorkloadSpec> parse_workload(const ParseContext& ctx, const YAML::Node& node) {
  expect_map(ctx.file, node, "workload");
  const YAML::Node kind = node["kind"];
  if (!kind.IsDefined()) fail_at(ctx.file, node, "workload is missing required key 'kind'");
  const std::string name = scalar_text(ctx.file, kind, "kind", "a workload kind");
  const WorkloadKind* parser = WorkloadKinds::instance().find(name);
  if (!parser || !parser->parse) {
    const std::vector<std::string> kinds = WorkloadKinds::instance().names();
    std::string known;
    for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
    const std::string near = nearest_name(name, kinds);
    fail_at(ctx.file, kind, "unknown workload kind '" + shown(name) + "'" +
                                (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; known kinds: " + known);
  }
  return parser->parse(ctx, node);
}

std::vector<std::shared_ptr<const WorkloadSpec>> parse_workloads(const ParseContext& ctx,
                                                                 const MapReader& root) {
  const YAML::Node list = root.required("workloads");
  expect_list(ctx.file, list, "workloads");
  if (list.size() == 0)
    fail_at(ctx.file, list, "workloads: expected at least one workload, found an empty list");
  std::vector<std::shared_ptr<const WorkloadSpec>> workloads;
  std::set<std::string> names;
  for (const auto& item : list) {
    workloads.push_back(parse_workload(ctx, item));
    if (!names.insert(workloads.back()->name).second)
      fail_at(ctx.file, item["name"], "duplicate workload name '" + shown(workloads.back()->name) + "'");
  }
  return workloads;
}

// `host_files: [FILE, ...]`: catalog-format host files (paths relative to the scenario), whose
// hosts are then named in `hosts:` like catalog hosts. Their errors name the host file.
void add_host_files(const ParseContext& ctx, const MapReader& root, Catalog& catalog) {
  if (!root.has("host_files")) return;
  const YAML::Node list = root.get("host_files");
  expect_list(ctx.file, list, "host_files");
  for (const auto& item : list) {
    const std::string text = scalar_text(ctx.file, item, "host_files entry", "a host file path");
    if (text.empty()) fail_at(ctx.file, item, "host_files: expected a host file path, found an empty value");
    resolve_input_file(ctx, item, "host_files", text);  // the missing-file error points here
    load_host_file(shown_input_path(ctx, text), catalog);
  }
}

MemorySpec parse_memory(const std::string& file, const MapReader& root) {
  MemorySpec memory;
  if (!root.has("memory")) return memory;
  const MapReader map(file, root.get("memory"), "memory",
                      {"policy", "swappiness", "watermark_scale_factor", "min_free", "readahead",
                       "page_cluster", "swap_page_cpu_cost"});
  memory.policy = map.string_or("policy", memory.policy);
  if (map.has("policy")) {
    const YAML::Mark at = map.get("policy").Mark();
    memory.policy_line = at.line + 1;
    memory.policy_column = at.column + 1;
  }
  // Ranges of the Linux sysctls these mirror (vm.swappiness 0..200, vm.watermark_scale_factor
  // 1..3000, vm.page-cluster is a log2 page count).
  memory.swappiness = static_cast<int>(map.integer_or("swappiness", memory.swappiness, 0, 200));
  memory.watermark_scale_factor = static_cast<int>(
      map.integer_or("watermark_scale_factor", memory.watermark_scale_factor, 1, 3000));
  if (map.has("min_free")) memory.min_free_bytes = map.bytes("min_free", true);
  if (map.has("readahead"))
    memory.readahead_bytes =
        static_cast<std::uint32_t>(map.bytes("readahead", false, std::numeric_limits<std::uint32_t>::max()));
  memory.page_cluster = static_cast<int>(map.integer_or("page_cluster", memory.page_cluster, 0, 20));
  if (map.has("swap_page_cpu_cost")) {
    memory.swap_page_cpu_cost_s = map.duration_s("swap_page_cpu_cost", false);
    // A page fault or a reclaimed page costs microseconds; a millisecond is surely a unit slip.
    if (*memory.swap_page_cpu_cost_s > 1e-3)
      map.fail(map.get("swap_page_cpu_cost"), "swap_page_cpu_cost: expected at most 1ms per page, found '" +
                                                  shown(map.scalar("swap_page_cpu_cost", "a duration")) + "'");
  }
  return memory;
}

Scenario load_document(const std::string& path, const std::string& catalog_dir, const YAML::Node& document);

}  // namespace

Scenario load_scenario(const std::string& path) { return load_scenario(path, default_catalog_dir()); }

Scenario load_scenario(const std::string& path, const std::string& catalog_dir) {
  return load_document(path, catalog_dir, load_yaml_file(path, "scenario file"));
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  return load_scenario(path, default_catalog_dir(), overrides);
}

// Overrides go into the tree before any check; a check that fails at a node an override brought in
// is reported at its `--set` argument (overrides.hpp).
Scenario load_scenario(const std::string& path, const std::string& catalog_dir,
                       const std::vector<Override>& overrides) {
  const YAML::Node document = load_yaml_file(path, "scenario file");
  if (!document.IsMap() || overrides.empty()) return load_document(path, catalog_dir, document);
  const std::vector<OverrideLines> lines = apply_overrides(path, document, overrides);
  try {
    return load_document(path, catalog_dir, document);
  } catch (const ConfigError& e) {
    rethrow_at_override(e, path, overrides, lines);
  }
}

namespace {
Scenario load_document(const std::string& path, const std::string& catalog_dir, const YAML::Node& document) {
  if (!document.IsMap())
    fail_at(path, document, "expected a scenario (a mapping with name:, duration:, hosts:, "
                            "workloads:), found " + describe(document));
  const MapReader root(path, document, "scenario",
                       {"name", "description", "duration", "seed", "memory", "host_files", "hosts", "groups",
                        "workloads"});
  Catalog catalog = load_catalog(catalog_dir);
  Scenario scenario;
  scenario.path = path;
  scenario.name = root.string("name");
  scenario.description = root.string_or("description", "");
  scenario.duration_s = root.duration_s("duration", true);
  const ParseContext ctx{path, std::filesystem::path(path).parent_path().string(), catalog,
                         scenario.duration_s};
  add_host_files(ctx, root, catalog);
  scenario.seed = static_cast<std::uint64_t>(
      root.integer_or("seed", 1, 0, std::numeric_limits<std::int64_t>::max()));
  scenario.memory = parse_memory(path, root);
  scenario.hosts = parse_hosts(ctx, root, scenario.memory);
  scenario.groups = parse_groups(root, scenario.hosts);
  ParseContext workload_ctx = ctx;
  workload_ctx.hosts = &scenario.hosts;
  scenario.workloads = parse_workloads(workload_ctx, root);
  // Containers and VMs provide groups of their own name, before `group:` names are resolved.
  add_provided_groups(path, scenario.groups, scenario.workloads);
  // Checks that need every workload: `group:` and `after:` names, shared files' sizes, cycles.
  check_workload_groups(path, scenario.groups, scenario.workloads);
  check_shared_files(path, scenario.workloads);
  scenario.start_order = start_order(path, scenario.workloads);
  // Each kind's own cross-workload checks (sim/workload_kind.hpp), in file order.
  for (const auto& workload : scenario.workloads) {
    const WorkloadKind* kind = WorkloadKinds::instance().find(workload->kind);
    if (kind && kind->check) kind->check(scenario, *workload);
  }
  return scenario;
}

}  // namespace

}  // namespace headroom::config
