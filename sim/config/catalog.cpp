#include "sim/config/catalog.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <set>
#include <sstream>

#include "sim/checked.hpp"
#include "sim/config/error.hpp"
#include "sim/config/units.hpp"

namespace headroom::config {
namespace {

std::vector<std::string> plus(std::vector<std::string> keys, std::initializer_list<const char*> more) {
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

// The node to point at for a cross-field problem: the key's value if given, else the mapping.
YAML::Node at(const MapReader& map, const std::string& key) {
  return map.has(key) ? map.get(key) : map.node();
}

void parse_wired_limit(const MapReader& map, HostTemplate& host) {
  const std::string key = "gpu_wired_limit";
  const std::string text = map.scalar(key, "a size or a percentage of ram");
  try {
    if (!text.empty() && text.back() == '%') {
      host.gpu_wired_limit_percent = parse_percent(text);
    } else {
      host.spec.gpu_wired_limit_bytes = parse_bytes(text);
      host.gpu_wired_limit_percent.reset();
      if (host.spec.gpu_wired_limit_bytes > kMaxModelBytes)
        map.fail_above(key, format_exact_bytes(kMaxModelBytes));
    }
  } catch (const UnitError& e) {
    map.fail(map.get(key), key + ": " + e.what());
  }
}

std::string format_GBps(double Bps) {
  std::ostringstream out;
  out.precision(6);
  out << Bps / 1e9 << "GB/s";
  return out.str();
}

// `key: NAME`, one of backend_names() (`cpu` only when allow_cpu: a GPU names a GPU backend).
std::string parse_backend(const MapReader& map, const std::string& key, bool allow_cpu) {
  const std::string name = map.scalar(key, "a llama.cpp backend");
  std::string names;
  for (const auto& known : backend_names()) {
    if (known == "cpu" && !allow_cpu) continue;
    if (known == name) return name;
    names += (names.empty() ? "" : " | ") + known;
  }
  map.fail(map.get(key), key + ": expected one of " + names + ", found '" + shown(name) + "'");
}

bool is_power_of_two(std::uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Every field of a catalog entry must be listed under exactly one of source: / assumption:.
void check_sources(const MapReader& entry, const std::vector<std::string>& fields,
                   const std::vector<std::string>& keys = host_field_keys()) {
  std::map<std::string, YAML::Node> cited;
  for (const char* section : {"source", "assumption"}) {
    if (!entry.has(section)) continue;
    const MapReader notes(entry.file(), entry.get(section), entry.what() + " " + section, keys);
    for (const auto& item : notes.node()) {
      const std::string field = item.first.Scalar();
      notes.string(field);  // non-empty text
      if (cited.count(field))
        notes.fail(item.first, "field '" + field + "' is under both source: and assumption:");
      cited[field] = item.first;
    }
  }
  for (const auto& field : fields)
    if (!cited.count(field))
      entry.fail(entry.get(field), entry.what() + ": field '" + field +
                                       "' has no source; cite one under source: or give the "
                                       "reason under assumption:");
  for (const auto& [field, key] : cited)
    if (!entry.has(field))
      entry.fail(key, entry.what() + ": source given for '" + field + "', which is not set");
}

void load_quants(const std::string& path, Catalog& catalog) {
  const MapReader root(path, load_yaml_file(path, "catalog file"), "quantization catalog",
                       {"quantizations"});
  const YAML::Node section = root.required("quantizations");
  expect_map(path, section, "quantizations");
  for (const auto& item : section) {
    const std::string id = scalar_text(path, item.first, "quantization name", "a name");
    const MapReader entry(path, item.second, "quantization '" + shown(id) + "'",
                          {"bits_per_weight", "source", "description"});
    entry.string("source");
    QuantSpec quant{id, entry.number("bits_per_weight", 0)};
    if (!catalog.quants.emplace(id, quant).second)
      entry.fail(item.first, "duplicate quantization '" + shown(id) + "'");
  }
}

void load_llms(const std::string& path, Catalog& catalog) {
  const MapReader root(path, load_yaml_file(path, "catalog file"), "LLM catalog", {"llms"});
  const YAML::Node section = root.required("llms");
  expect_map(path, section, "llms");
  for (const auto& item : section) {
    LlmSpec llm;
    llm.id = scalar_text(path, item.first, "model name", "a name");
    const MapReader entry(path, item.second, "model '" + shown(llm.id) + "'",
                          plus(llm_field_keys(), {"source", "bits_per_weight_source", "description"}));
    entry.string("source");
    if (entry.has("bits_per_weight")) entry.string("bits_per_weight_source");
    for (const char* key : {"params", "layers", "hidden", "heads", "kv_heads", "head_dim", "max_context"})
      entry.required(key);
    apply_llm_fields(entry, llm);
    finish_llm(entry, llm);
    for (const auto& [quant, unused] : llm.bits_per_weight_overrides)
      if (!catalog.quants.count(quant))
        entry.fail(entry.get("bits_per_weight"), "bits_per_weight: " + unknown_name("quantization", quant,
                                                                                    catalog.quants));
    if (!catalog.llms.emplace(llm.id, llm).second)
      entry.fail(item.first, "duplicate model '" + shown(llm.id) + "'");
  }
}

// A discrete GPU: every field required but vram_bw_effective (defaults to vram_bw), every field
// sourced. VRAM is at most kMaxModelBytes like every other size.
void load_gpus(const std::string& path, Catalog& catalog) {
  const MapReader root(path, load_yaml_file(path, "catalog file"), "GPU catalog", {"gpus"});
  const YAML::Node section = root.required("gpus");
  expect_map(path, section, "gpus");
  for (const auto& item : section) {
    GpuSpec gpu;
    gpu.id = scalar_text(path, item.first, "GPU name", "a name");
    const MapReader entry(path, item.second, "GPU '" + shown(gpu.id) + "'",
                          plus(gpu_field_keys(), {"description", "source", "assumption"}));
    entry.string_or("description", "");
    std::vector<std::string> given;
    for (const auto& key : gpu_field_keys()) {
      if (key != "vram_bw_effective" && key != "backend") entry.required(key);
      if (entry.has(key)) given.push_back(key);
    }
    check_sources(entry, given, gpu_field_keys());
    gpu.vram_bytes = entry.bytes("vram", true);
    gpu.vram_bw_spec_Bps = entry.rate_Bps("vram_bw", true);
    gpu.vram_bw_effective_Bps =
        entry.has("vram_bw_effective") ? entry.rate_Bps("vram_bw_effective", true) : gpu.vram_bw_spec_Bps;
    if (gpu.vram_bw_effective_Bps > gpu.vram_bw_spec_Bps)
      entry.fail(entry.get("vram_bw_effective"), "GPU '" + shown(gpu.id) + "': vram_bw_effective (" +
                                                     format_GBps(gpu.vram_bw_effective_Bps) +
                                                     ") is above the spec vram_bw (" +
                                                     format_GBps(gpu.vram_bw_spec_Bps) + ")");
    gpu.flops = entry.flops("flops", true);
    gpu.pcie_Bps = entry.rate_Bps("pcie", true);
    if (entry.has("backend")) gpu.backend = parse_backend(entry, "backend", false);
    if (!catalog.gpus.emplace(gpu.id, gpu).second)
      entry.fail(item.first, "duplicate GPU '" + shown(gpu.id) + "'");
  }
}

// `gpus: [rtx-4090, ...]`: catalog GPU names (an empty list removes a catalog host's GPUs).
void parse_gpu_list(const MapReader& map, HostSpec& spec, const std::map<std::string, GpuSpec>& gpus) {
  const YAML::Node list = map.get("gpus");
  expect_list(map.file(), list, "gpus");
  spec.gpus.clear();
  for (const auto& item : list) {
    const std::string name = scalar_text(map.file(), item, "gpus entry", "a GPU name");
    const auto found = gpus.find(name);
    if (found == gpus.end()) map.fail(item, "gpus: " + unknown_name("GPU", name, gpus));
    spec.gpus.push_back(found->second);
  }
}

// `measured:` (written by `headroom calibrate`): figures the model does not read, kept for the
// reader. A mapping of plain values; nothing in it is used.
void check_measured(const MapReader& entry) {
  if (!entry.has("measured")) return;
  const YAML::Node measured = entry.get("measured");
  expect_map(entry.file(), measured, "measured");
  for (const auto& item : measured) {
    const std::string key = scalar_text(entry.file(), item.first, "measured key", "a name");
    scalar_text(entry.file(), item.second, "measured: " + key, "a plain value");
  }
}

// `known` holds hosts loaded before (the catalog, earlier host files) and where each came from.
void load_hosts(const std::string& path, const std::string& what, Catalog& catalog,
                std::map<std::string, std::string>& known) {
  const MapReader root(path, load_yaml_file(path, what), what == "catalog file" ? "host catalog" : what,
                       {"hosts"});
  const YAML::Node section = root.required("hosts");
  expect_map(path, section, "hosts");
  for (const auto& item : section) {
    HostTemplate host;
    host.spec.name = host.spec.catalog_id = scalar_text(path, item.first, "host name", "a name");
    const MapReader entry(path, item.second, "host '" + shown(host.spec.name) + "'",
                          plus(host_field_keys(), {"description", "source", "assumption", "measured"}));
    if (const auto before = known.find(host.spec.name); before != known.end())
      entry.fail(item.first, "duplicate host '" + shown(host.spec.name) + "' (already defined in " +
                                 shown(before->second) + ")");
    host.spec.description = entry.string_or("description", "");
    check_measured(entry);
    apply_host_fields(entry, host, catalog.gpus);
    for (const auto& key : host_required_keys()) entry.required(key);
    check_sources(entry, host.fields_given);
    // Resolved for use by name; the template keeps its percentage and defaults, so an override
    // of ram or mem_bw re-derives gpu_wired_limit and mem_bw_effective.
    host.spec = finish_host(entry, host);
    if (!catalog.hosts.emplace(host.spec.name, host).second)
      entry.fail(item.first, "duplicate host '" + shown(host.spec.name) + "'");
    known.emplace(host.spec.name, path);
  }
}

}  // namespace

void load_host_file(const std::string& path, Catalog& catalog) {
  std::map<std::string, std::string> known;
  for (const auto& [name, unused] : catalog.hosts)
    known.emplace(name, "the host catalog");
  for (const auto& [name, file] : catalog.host_file_of) known[name] = file;
  load_hosts(path, "host file", catalog, known);
  for (const auto& [name, file] : known)
    if (file == path) catalog.host_file_of[name] = path;
}

std::string default_catalog_dir() {
  if (const char* dir = std::getenv("HEADROOM_CATALOG_DIR"); dir && *dir) return dir;
  return HEADROOM_SOURCE_DIR "/models/catalog";
}

Catalog load_catalog(const std::string& dir) {
  Catalog catalog;
  catalog.dir = dir;
  load_quants(dir + "/quantizations.yaml", catalog);
  load_llms(dir + "/llms.yaml", catalog);
  load_gpus(dir + "/gpus.yaml", catalog);
  std::map<std::string, std::string> known;
  load_hosts(dir + "/hosts.yaml", "catalog file", catalog, known);
  load_backends(dir + "/backends.yaml", catalog);
  return catalog;
}

const std::vector<std::string>& host_field_keys() {
  static const std::vector<std::string> keys{
      "ram", "page_size", "os_reserve", "swap", "unified_memory", "gpu_wired_limit", "mem_bw",
      "mem_bw_effective", "cpu_flops", "gpu_flops", "ssd_read", "ssd_write", "ssd_latency", "gpus",
      "readahead", "swap_page_cost", "zero_fill_cost", "gpu_backend", "cpu_mem_bw"};
  return keys;
}

const std::vector<std::string>& gpu_field_keys() {
  static const std::vector<std::string> keys{"vram", "vram_bw", "vram_bw_effective", "flops", "pcie", "backend"};
  return keys;
}

const std::vector<std::string>& host_required_keys() {
  static const std::vector<std::string> keys{"ram",       "page_size", "mem_bw",     "cpu_flops",
                                             "ssd_read",  "ssd_write", "ssd_latency"};
  return keys;
}

// A kernel CPU cost per page (swap_page_cost, zero_fill_cost): a page fault or a reclaimed page
// costs microseconds, so more than a millisecond is surely a unit slip.
static double per_page_cost_s(const MapReader& map, const char* key) {
  const double s = map.duration_s(key, false);
  if (s > 1e-3)
    map.fail(map.get(key), std::string(key) + ": expected at most 1ms per page, found '" +
                               shown(map.scalar(key, "a duration")) + "'");
  return s;
}

void apply_host_fields(const MapReader& map, HostTemplate& host, const std::map<std::string, GpuSpec>& gpus) {
  HostSpec& spec = host.spec;
  auto given = [&](const char* key) {
    if (!map.has(key)) return false;
    host.fields_given.emplace_back(key);
    return true;
  };
  if (given("ram")) spec.ram_bytes = map.bytes("ram", true);
  if (given("page_size")) {
    spec.page_bytes = map.bytes("page_size", true);
    if (spec.page_bytes < kMinPageBytes)
      map.fail(map.get("page_size"), "page_size: expected at least " + format_exact_bytes(kMinPageBytes) +
                                         " (the memory manager's smallest page), found '" +
                                         shown(map.get("page_size").Scalar()) + "'");
  }
  if (given("os_reserve")) spec.os_reserve_bytes = map.bytes("os_reserve", false);
  if (given("swap")) spec.swap_bytes = map.bytes("swap", false);
  if (given("unified_memory")) spec.unified_memory = map.boolean_or("unified_memory", false);
  if (given("gpu_wired_limit")) parse_wired_limit(map, host);
  if (given("mem_bw")) spec.mem_bw_spec_Bps = map.rate_Bps("mem_bw", true);
  if (given("mem_bw_effective")) {
    spec.mem_bw_effective_Bps = map.rate_Bps("mem_bw_effective", true);
    host.mem_bw_effective_given = true;
  }
  if (given("cpu_flops")) spec.cpu_flops = map.flops("cpu_flops", true);
  if (given("gpu_flops")) spec.gpu_flops = map.flops("gpu_flops", false);
  if (given("ssd_read")) spec.ssd_read_Bps = map.rate_Bps("ssd_read", true);
  if (given("ssd_write")) spec.ssd_write_Bps = map.rate_Bps("ssd_write", true);
  if (given("ssd_latency")) spec.ssd_latency_s = map.duration_s("ssd_latency", false);
  if (given("gpus")) parse_gpu_list(map, spec, gpus);
  if (given("readahead"))
    spec.readahead_bytes = map.bytes("readahead", false, std::numeric_limits<std::uint32_t>::max());
  if (given("swap_page_cost")) spec.swap_page_cost_s = per_page_cost_s(map, "swap_page_cost");
  if (given("zero_fill_cost")) spec.zero_fill_cost_s = per_page_cost_s(map, "zero_fill_cost");
  if (given("gpu_backend")) spec.gpu_backend = parse_backend(map, "gpu_backend", false);
  if (given("cpu_mem_bw")) spec.cpu_mem_bw_Bps = map.rate_Bps("cpu_mem_bw", true);
}

HostSpec finish_host(const MapReader& map, const HostTemplate& host) {
  HostSpec spec = host.spec;
  const std::string who = "host '" + shown(spec.name) + "'";
  if (!is_power_of_two(spec.page_bytes))
    map.fail(at(map, "page_size"), who + ": page_size must be a power of two bytes, found " +
                                       std::to_string(spec.page_bytes) + " B");
  if (spec.ram_bytes % spec.page_bytes != 0)
    map.fail(at(map, "ram"), who + ": ram must be a whole number of pages");
  // The memory manager needs room for its watermarks and a working set: at least 64 frames.
  if (spec.ram_bytes / spec.page_bytes < kMinRamPages)
    map.fail(at(map, map.has("page_size") ? "page_size" : "ram"),
             who + ": expected ram of at least " + std::to_string(kMinRamPages) + " pages of page_size " +
                 format_exact_bytes(spec.page_bytes) + " (" + format_exact_bytes(kMinRamPages * spec.page_bytes) +
                 "), found ram " + format_exact_bytes(spec.ram_bytes) + " (" +
                 std::to_string(spec.ram_bytes / spec.page_bytes) + " of them)");
  if (spec.os_reserve_bytes >= spec.ram_bytes)
    map.fail(at(map, "os_reserve"), who + ": os_reserve must be smaller than ram");
  if (host.gpu_wired_limit_percent) {
    // Whole pages, rounded down: the GPU can never wire more than the limit.
    // ram <= kMaxModelBytes and percent <= 100, so the page count converts exactly.
    const double limit = std::floor(static_cast<double>(spec.ram_bytes) *
                                    *host.gpu_wired_limit_percent / 100.0 /
                                    static_cast<double>(spec.page_bytes));
    spec.gpu_wired_limit_bytes = checked_to_u64(limit).value_or(0) * spec.page_bytes;
  }
  if (spec.gpu_wired_limit_bytes > spec.ram_bytes)
    map.fail(at(map, "gpu_wired_limit"), who + ": gpu_wired_limit is larger than ram");
  if ((spec.gpu_wired_limit_bytes > 0) != (spec.gpu_flops > 0))
    map.fail(at(map, spec.gpu_flops > 0 ? "gpu_wired_limit" : "gpu_flops"),
             who + ": a GPU needs both gpu_flops and gpu_wired_limit above zero; a host without "
                   "one sets both to 0");
  // A unified-memory GPU shares DRAM; a discrete one has its own VRAM. One host is one or the other.
  if (spec.unified_memory && !spec.gpus.empty())
    map.fail(at(map, "gpus"), who + ": gpus lists discrete GPUs, which need unified_memory: false "
                                    "(a unified-memory GPU is described by gpu_flops and gpu_wired_limit)");
  if (!host.mem_bw_effective_given) spec.mem_bw_effective_Bps = spec.mem_bw_spec_Bps;
  if (spec.cpu_mem_bw_Bps > spec.mem_bw_spec_Bps)
    map.fail(at(map, "cpu_mem_bw"), who + ": cpu_mem_bw (" + format_GBps(spec.cpu_mem_bw_Bps) +
                                        ") is above the spec mem_bw (" + format_GBps(spec.mem_bw_spec_Bps) + ")");
  if (spec.mem_bw_effective_Bps > spec.mem_bw_spec_Bps)
    map.fail(at(map, "mem_bw_effective"), who + ": mem_bw_effective (" +
                                              format_GBps(spec.mem_bw_effective_Bps) +
                                              ") is above the spec mem_bw (" +
                                              format_GBps(spec.mem_bw_spec_Bps) + ")");
  return spec;
}

const std::vector<std::string>& llm_field_keys() {
  static const std::vector<std::string> keys{"params",   "active_params", "experts", "experts_per_token",
                                             "layers",   "hidden",        "heads",   "kv_heads",
                                             "head_dim", "max_context",   "bits_per_weight",
                                             "ffn",      "vocab",         "architecture"};
  return keys;
}

void apply_llm_fields(const MapReader& map, LlmSpec& llm) {
  constexpr std::int64_t kMaxDim = 1 << 20;
  if (map.has("params")) llm.params = map.number("params", 0);
  if (map.has("active_params")) llm.active_params = map.number("active_params", 0);
  auto dim = [&](const char* key, int& field) {
    if (map.has(key)) field = static_cast<int>(map.integer(key, 1, kMaxDim));
  };
  dim("experts", llm.experts);
  dim("experts_per_token", llm.experts_per_token);
  dim("layers", llm.layers);
  dim("hidden", llm.hidden);
  dim("heads", llm.heads);
  dim("kv_heads", llm.kv_heads);
  dim("head_dim", llm.head_dim);
  if (map.has("max_context"))
    llm.max_context = static_cast<int>(map.integer("max_context", 1, 1 << 30));
  dim("ffn", llm.ffn);
  dim("vocab", llm.vocab);
  if (map.has("architecture")) {
    const std::string arch = map.scalar("architecture", "decoder or encoder");
    if (arch == "decoder")
      llm.encoder = false;
    else if (arch == "encoder")
      llm.encoder = true;
    else
      map.fail(map.get("architecture"), "architecture: expected decoder or encoder, found '" + shown(arch) + "'");
  }
  if (map.has("bits_per_weight")) {
    expect_map(map.file(), map.get("bits_per_weight"), "bits_per_weight");
    std::set<std::string> seen;
    for (const auto& item : map.get("bits_per_weight")) {
      const std::string quant = scalar_text(map.file(), item.first, "bits_per_weight key", "a name");
      if (!seen.insert(quant).second)
        map.fail(item.first, "duplicate key '" + shown(quant) + "' in bits_per_weight");
      const std::string text = scalar_text(map.file(), item.second, quant, "bits per weight");
      double bpw = 0;
      try {
        bpw = parse_number(text);
      } catch (const UnitError&) {
        bpw = -1;  // reported below with the range
      }
      if (!(bpw > 0 && bpw <= 32))
        map.fail(item.second, "bits_per_weight " + shown(quant) +
                                  ": expected a number above 0 and at most 32, found '" + shown(text) + "'");
      llm.bits_per_weight_overrides[quant] = bpw;
    }
  }
}

double effective_bits_per_weight(const LlmSpec& llm, const QuantSpec& quant) {
  const auto found = llm.bits_per_weight_overrides.find(quant.id);
  return found == llm.bits_per_weight_overrides.end() ? quant.bits_per_weight : found->second;
}

// The small subtraction absorbs binary rounding of decimal inputs (4.82 bpw, 6.738e9 params), so
// a product that is exact in decimal is not bumped up by one byte.
std::optional<std::uint64_t> checked_weights_bytes(double params, double bits_per_weight) {
  const auto bytes = checked_to_u64(std::ceil(params * bits_per_weight / 8.0 - 1e-6));
  if (!bytes || *bytes == 0 || *bytes > kMaxModelBytes) return std::nullopt;
  return bytes;
}

std::uint64_t weights_bytes(double params, double bits_per_weight) {
  const auto bytes = checked_weights_bytes(params, bits_per_weight);
  if (!bytes) throw std::range_error("weights of " + std::to_string(params) + " params at " +
                                     std::to_string(bits_per_weight) + " bits per weight are not a valid size");
  return *bytes;
}

void finish_llm(const MapReader& map, LlmSpec& llm) {
  const std::string who = "model '" + shown(llm.id) + "'";
  if (llm.active_params == 0) llm.active_params = llm.params;
  if (llm.active_params > llm.params)
    map.fail(at(map, "active_params"), who + ": active_params is above params");
  if ((llm.experts > 0) != (llm.experts_per_token > 0))
    map.fail(at(map, llm.experts > 0 ? "experts" : "experts_per_token"),
             who + ": experts and experts_per_token go together (a mixture-of-experts model needs both)");
  if (llm.experts_per_token > llm.experts)
    map.fail(at(map, "experts_per_token"), who + ": experts_per_token (" + std::to_string(llm.experts_per_token) +
                                               ") is above experts (" + std::to_string(llm.experts) + ")");
  if (llm.heads % llm.kv_heads != 0)
    map.fail(at(map, "kv_heads"), who + ": heads (" + std::to_string(llm.heads) +
                                      ") must be a multiple of kv_heads (" +
                                      std::to_string(llm.kv_heads) + ")");
}

}  // namespace headroom::config
