// sim/cli/catalog_commands: `headroom hosts` and `headroom models` list the catalogs
// (models/catalog/, or $HEADROOM_CATALOG_DIR) as Markdown tables. Every figure comes from the
// catalog files through the config layer's own parsers. Header-only, included by sim/main.cpp alone.
#pragma once

#include <cstdio>
#include <string>

#include "analysis/number_format.hpp"
#include "sim/cli/commands.hpp"
#include "sim/config/catalog.hpp"

namespace headroom::cli {

inline config::Catalog load_catalog_or_fail() {
  try {
    return config::load_catalog(config::default_catalog_dir());
  } catch (const config::ConfigError& e) {
    throw CliError{e.what()};
  }
}

inline void print_text(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

inline std::uint64_t wired_limit_bytes(const config::HostTemplate& host) {
  if (!host.gpu_wired_limit_percent) return host.spec.gpu_wired_limit_bytes;
  const auto limit = static_cast<std::uint64_t>(static_cast<double>(host.spec.ram_bytes) *
                                                *host.gpu_wired_limit_percent / 100.0);
  return limit / host.spec.page_bytes * host.spec.page_bytes;  // whole pages, as the loader does
}

// "rtx-4090 (24 GiB, 806 GB/s)" per discrete GPU, comma-separated; "-" for none.
inline std::string gpu_list(const config::HostSpec& h) {
  std::string out;
  for (const config::GpuSpec& g : h.gpus)
    out += (out.empty() ? "" : ", ") + g.id + " (" + analysis::format_fixed(analysis::to_gib(g.vram_bytes), 0) +
           " GiB, " + analysis::format_fixed(g.vram_bw_effective_Bps / 1e9, 0) + " GB/s)";
  return out.empty() ? "-" : out;
}

inline void hosts_command() {
  using analysis::format_fixed;
  using analysis::to_gib;
  const config::Catalog catalog = load_catalog_or_fail();
  std::string out =
      "| host | RAM (GiB) | page (KiB) | mem bw spec / effective (GB/s) | GPU wired limit (GiB) | "
      "CPU / GPU (TFLOP/s) | SSD read (GB/s) | discrete GPUs | description |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n";
  for (const auto& [name, host] : catalog.hosts) {
    const config::HostSpec& h = host.spec;
    out += "| " + name + " | " + format_fixed(to_gib(h.ram_bytes), 0) + " | " +
           format_fixed(static_cast<double>(h.page_bytes) / 1024.0, 0) + " | " +
           format_fixed(h.mem_bw_spec_Bps / 1e9, 1) + " / " +
           format_fixed((host.mem_bw_effective_given ? h.mem_bw_effective_Bps : h.mem_bw_spec_Bps) / 1e9, 1) +
           " | " + format_fixed(to_gib(wired_limit_bytes(host)), 2) + " | " +
           format_fixed(h.cpu_flops / 1e12, 2) + " / " + format_fixed(h.gpu_flops / 1e12, 2) + " | " +
           format_fixed(h.ssd_read_Bps / 1e9, 2) + " | " + gpu_list(h) + " | " + h.description + " |\n";
  }
  print_text(out);
}

inline void models_command() {
  using analysis::format_fixed;
  using analysis::to_gib;
  const config::Catalog catalog = load_catalog_or_fail();
  std::string out = "| model | params (1e9) | active (1e9) | layers | KV f16 (KiB/token) | max context |";
  std::string rule = "|---|---:|---:|---:|---:|---:|";
  for (const auto& [quant, unused] : catalog.quants) {
    out += " " + quant + " (GiB) |";
    rule += "---:|";
  }
  out += "\n" + rule + "\n";
  for (const auto& [name, llm] : catalog.llms) {
    const double kv_bytes_per_token = 2.0 * llm.layers * llm.kv_heads * llm.head_dim * 2.0;
    out += "| " + name + " | " + format_fixed(llm.params / 1e9, 3) + " | " +
           format_fixed((llm.active_params > 0 ? llm.active_params : llm.params) / 1e9, 3) + " | " +
           std::to_string(llm.layers) + " | " + format_fixed(kv_bytes_per_token / 1024.0, 0) + " | " +
           std::to_string(llm.max_context) + " |";
    for (const auto& [quant_name, quant] : catalog.quants) {
      const double bpw = config::effective_bits_per_weight(llm, quant);
      out += ' ';  // appended piecewise: GCC 12 warns falsely (-Wrestrict) on " " + string&&
      out += format_fixed(to_gib(config::weights_bytes(llm.params, bpw)), 2);
      out += " |";
    }
    out += "\n";
  }
  out += "\nSizes are params x bits per weight / 8 (models/catalog/quantizations.yaml, per-model "
         "overrides in llms.yaml).\n";
  print_text(out);
}

}  // namespace headroom::cli
