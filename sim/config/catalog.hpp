// Catalogs of hosts, LLMs and quantizations (models/catalog/*.yaml) and the field parsers shared by
// catalog entries and inline scenario entries, so an inline field means exactly what the same
// field means in the catalog. Only sim/config includes this header (it pulls in yaml-cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/scenario.hpp"
#include "sim/config/yaml_reader.hpp"
#include "sim/text.hpp"

namespace headroom::config {

// A host before its percentage fields are resolved against its (possibly overridden) RAM.
struct HostTemplate {
  HostSpec spec;
  std::optional<double> gpu_wired_limit_percent;  // "75%" of ram
  bool mem_bw_effective_given = false;             // defaults to mem_bw otherwise
  std::vector<std::string> fields_given;           // for the inline required-field check
};

struct Catalog {
  std::string dir;
  std::map<std::string, HostTemplate> hosts;
  std::map<std::string, LlmSpec> llms;
  std::map<std::string, QuantSpec> quants;
  std::map<std::string, GpuSpec> gpus;  // discrete GPUs (gpus.yaml), named by hosts' `gpus:`
  std::map<std::string, std::string> host_file_of;  // hosts added by load_host_file: their file
  std::map<std::string, BackendSpec> backends;  // llama.cpp speed factors (backends.yaml)
};

// The llama.cpp backends a host or GPU may name: metal, cuda, rocm, vulkan, cpu (backends.yaml must
// give factors for each).
const std::vector<std::string>& backend_names();
// backends.yaml: every backend of backend_names(), each factor sourced (`calibration:`).
void load_backends(const std::string& path, Catalog& catalog);

// GPU fields (gpus.yaml): vram, vram_bw, vram_bw_effective (default vram_bw), flops, pcie.
const std::vector<std::string>& gpu_field_keys();

// $HEADROOM_CATALOG_DIR if set, else the source tree's models/catalog.
std::string default_catalog_dir();
// Throws ConfigError naming the catalog file on any problem, including an unsourced number.
Catalog load_catalog(const std::string& dir);
// Adds the hosts of a catalog-format host file (`hosts: {ID: {...}}`, as `headroom calibrate`
// writes; a scenario's `host_files:`) to `catalog`. Errors name `path`; a host already in the
// catalog or in an earlier host file is refused. Entries may carry `measured:` (ignored).
void load_host_file(const std::string& path, Catalog& catalog);

// Host fields: ram, page_size, os_reserve, swap, unified_memory, gpu_wired_limit, mem_bw,
// mem_bw_effective, cpu_flops, gpu_flops, ssd_read, ssd_write, ssd_latency, gpus, readahead,
// swap_page_cost, zero_fill_cost (optional, defaults in HostSpec), gpu_backend, cpu_mem_bw.
const std::vector<std::string>& host_field_keys();
// Fields an inline host (no catalog `use:`) must give.
const std::vector<std::string>& host_required_keys();
// Present fields override; `gpus:` names entries of `gpus` (the catalog's discrete GPUs).
void apply_host_fields(const MapReader& map, HostTemplate& host, const std::map<std::string, GpuSpec>& gpus);
HostSpec finish_host(const MapReader& map, const HostTemplate& host);  // resolve + cross-check

// LLM fields: params, active_params, layers, hidden, heads, kv_heads, head_dim, max_context,
// bits_per_weight (per-quant overrides).
const std::vector<std::string>& llm_field_keys();
void apply_llm_fields(const MapReader& map, LlmSpec& llm);
void finish_llm(const MapReader& map, LlmSpec& llm);

// Bits per weight of `quant` for this model: its own override if it has one, else the quant's.
double effective_bits_per_weight(const LlmSpec& llm, const QuantSpec& quant);
// ceil(params x bpw / 8): the GGUF file size in bytes; nothing when it is not a whole number of
// bytes from 1 to kMaxModelBytes (params x bpw absurdly small or large).
std::optional<std::uint64_t> checked_weights_bytes(double params, double bits_per_weight);
// The same for inputs already validated (catalog entries): throws std::range_error otherwise.
std::uint64_t weights_bytes(double params, double bits_per_weight);

// "a, b, c" of a catalog section's names, for "unknown X; known: ..." errors.
template <typename T>
std::string known_names(const std::map<std::string, T>& section) {
  std::string out;
  for (const auto& [name, unused] : section) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// "unknown WHAT 'NAME' (did you mean 'X'?); known: a, b, c", the suggestion only when one is near.
template <typename T>
std::string unknown_name(const std::string& what, const std::string& name,
                         const std::map<std::string, T>& section) {
  std::vector<std::string> names;
  for (const auto& [known, unused] : section) names.push_back(known);
  const std::string near = nearest_name(name, names);
  return "unknown " + what + " '" + shown(name) + "'" +
         (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; known: " + known_names(section);
}

}  // namespace headroom::config
