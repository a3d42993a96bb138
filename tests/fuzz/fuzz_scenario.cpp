// Fuzzes the scenario loader (sim/config/scenario_loader.hpp): YAML text in, validated Scenario out.
//   - bad input is a ConfigError located in the file ("FILE:LINE:COL: error: ..." or
//     "FILE: error: ..."), never a crash, a hang or another exception type;
//   - a scenario the loader accepts is one the engine can size: every host has RAM above its OS
//     reserve and a page size that divides nothing to zero, every llm-server has weights and a KV
//     cache of at least one byte, and weights + KV budget, context x KV bytes per token fit in
//     64 bits (the config layer is the only validation; the engine trusts these).
// Input: the scenario file's text, written to a temporary directory beside a link to
// scenarios/traces so the reference scenarios' relative trace paths resolve.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "sim/config/error.hpp"
#include "sim/config/scenario.hpp"
#include "sim/config/scenario_loader.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace config = headroom::config;
namespace workloads = headroom::workloads;
using headroom::fuzz::fail;

bool fits_u64_product(std::uint64_t a, std::uint64_t b) {
  return b == 0 || a <= std::numeric_limits<std::uint64_t>::max() / b;
}

void check_host(const config::HostSpec& h, const std::string& where) {
  if (h.ram_bytes == 0 || h.page_bytes == 0) fail("hosts have RAM and a page size", where + " host " + h.name);
  if (h.os_reserve_bytes >= h.ram_bytes) fail("OS reserve below RAM", where + " host " + h.name);
  if (!(h.mem_bw_effective_Bps > 0) || !std::isfinite(h.mem_bw_effective_Bps))
    fail("a positive finite memory bandwidth", where + " host " + h.name);
  if (!(h.cpu_flops > 0) || !std::isfinite(h.cpu_flops)) fail("a positive finite CPU FLOP/s", where + " host " + h.name);
}

void check_llm(const workloads::LlmServerSpec& w, const std::string& where) {
  const std::string name = where + " workload " + w.name;
  if (w.weights_bytes == 0) fail("weights of at least one byte", name);
  const double kv_per_token = 2.0 * w.model.layers * w.model.kv_heads * w.model.head_dim * w.kv_bytes_per_element;
  if (!(kv_per_token >= 1) || kv_per_token >= 0x1p64) fail("KV bytes per token in [1, 2^64)", name);
  const std::uint64_t kv_bytes_per_token = w.kv_bytes_per_token();
  if (!fits_u64_product(kv_bytes_per_token, w.context_tokens)) fail("context x KV bytes per token fits in 64 bits", name);
  if (w.kv_budget_bytes == 0) fail("a KV budget of at least one byte", name);
  if (w.weights_bytes > std::numeric_limits<std::uint64_t>::max() - w.kv_budget_bytes)
    fail("weights + KV budget fit in 64 bits", name);
  if (w.arrivals.kind == workloads::ArrivalSpec::Kind::poisson &&
      (!std::isfinite(w.arrivals.rate_per_s) || w.arrivals.rate_per_s < 0))
    fail("a finite non-negative arrival rate", name);
}

void check_scenario(const config::Scenario& s) {
  if (!std::isfinite(s.duration_s) || s.duration_s < 0) fail("a finite non-negative duration", s.path);
  for (const auto& h : s.hosts) check_host(h, s.path);
  for (const auto& w : s.workloads)
    if (const auto* llm = dynamic_cast<const workloads::LlmServerSpec*>(w.get())) check_llm(*llm, s.path);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::error_code ec;
  std::filesystem::create_directory_symlink(HEADROOM_SOURCE_DIR "/scenarios/traces",
                                            headroom::fuzz::work_dir() / "traces", ec);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = headroom::fuzz::write_input("scenario.yaml", headroom::fuzz::as_text(data, size));
  config::Scenario scenario;
  try {
    scenario = config::load_scenario(path);
  } catch (const config::ConfigError& e) {
    const std::string what = e.what();
    if (!headroom::fuzz::starts_with(what, path + ":") || what.find(": error: ") == std::string::npos)
      fail("a ConfigError names the file: 'FILE:LINE:COL: error: ...'", what);
    return 0;
  } catch (const std::exception& e) {
    fail("the loader throws only ConfigError", e.what());
  } catch (...) {
    fail("the loader throws only ConfigError", "a non-std exception");
  }
  check_scenario(scenario);
  return 0;
}
