#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/config/scenario_loader.hpp"
#include "models/workloads/llm-server/spec.hpp"

using namespace headroom::config;
using namespace headroom::workloads;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kGiB = 1ULL << 30;
const std::string kSource = HEADROOM_SOURCE_DIR;
const std::string kFixtures = kSource + "/tests/unit/config/scenarios";
const std::string kCatalog = kSource + "/models/catalog";

const LlmServerSpec& llm(const Scenario& s, std::size_t i) {
  const auto* spec = dynamic_cast<const LlmServerSpec*>(s.workloads.at(i).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

std::string error_of(const std::string& path, const std::string& catalog = kCatalog) {
  try {
    load_scenario(path, catalog);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// A scratch directory of its own for each test case and process (ctest runs cases in parallel).
fs::path scratch(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("headroom-config-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("loader: catalog hosts with overrides and an inline host") {
  const Scenario s = load_scenario(kFixtures + "/overrides.yaml", kCatalog);
  CHECK(s.name == "overrides");
  CHECK(s.duration_s == 90);
  CHECK(s.seed == 7);
  CHECK(s.memory.policy == "lru");
  CHECK(s.memory.swappiness == 100);
  CHECK(s.memory.watermark_scale_factor == 50);
  CHECK(s.memory.min_free_bytes == 64ULL << 20);
  CHECK(s.memory.readahead_bytes == 256 * 1024);
  CHECK(s.memory.page_cluster == 0);
  REQUIRE(s.hosts.size() == 4);

  const HostSpec& m2 = s.hosts[0];
  CHECK(m2.name == "m2-max-96");
  CHECK(m2.catalog_id == "m2-max-96");
  CHECK(m2.gpu_wired_limit_bytes == 72 * kGiB);

  // The 75% wired limit follows the overridden RAM; effective bandwidth stays the catalog's.
  const HostSpec& m2_128 = s.hosts[1];
  CHECK(m2_128.name == "m2-at-128");
  CHECK(m2_128.catalog_id == "m2-max-96");
  CHECK(m2_128.ram_bytes == 128 * kGiB);
  CHECK(m2_128.gpu_wired_limit_bytes == 96 * kGiB);
  CHECK(m2_128.mem_bw_spec_Bps == 500e9);
  CHECK(m2_128.mem_bw_effective_Bps == m2.mem_bw_effective_Bps);
  CHECK(m2_128.page_bytes == 16384);

  const HostSpec& m3 = s.hosts[2];
  CHECK(m3.gpu_wired_limit_bytes == 96 * kGiB);
  CHECK(m3.swap_bytes == 0);
  CHECK(m3.ram_bytes == 128 * kGiB);

  const HostSpec& box = s.hosts[3];
  CHECK(box.catalog_id.empty());
  CHECK(box.ram_bytes == 64 * kGiB);
  CHECK(box.mem_bw_effective_Bps == 100e9);  // defaults to the spec bandwidth
  CHECK(box.ssd_latency_s == doctest::Approx(80e-6).epsilon(1e-12));
  CHECK(box.gpu_flops == 0);
  CHECK(box.swap_bytes == 0);
  CHECK(box.os_reserve_bytes == 0);
  CHECK_FALSE(box.unified_memory);
}

TEST_CASE("loader: llm-server specs derive weights and KV sizes") {
  const Scenario s = load_scenario(kFixtures + "/overrides.yaml", kCatalog);
  REQUIRE(s.workloads.size() == 3);

  const LlmServerSpec& chat = llm(s, 0);
  CHECK(chat.name == "chat");
  CHECK(chat.kind == "llm-server");
  CHECK(chat.oom_score_adj == -500);
  CHECK(chat.weights_mode == WeightsMode::wired);
  CHECK(chat.wired_fallback_cpu);
  CHECK(chat.weights_bytes == 74'963'625'000ULL);  // 70.554e9 x 8.5 / 8
  // Default KV budget: 8192 tokens x 4 sequences x 320 KiB/token = 10 GiB.
  CHECK(chat.kv_budget_bytes == 10 * kGiB);
  CHECK(chat.arrivals.kind == ArrivalSpec::Kind::poisson);
  CHECK(chat.arrivals.rate_per_s == 0.5);
  CHECK(chat.arrivals.prompt_tokens == 512);
  CHECK(chat.arrivals.output_tokens == 256);

  const LlmServerSpec& moe = llm(s, 1);
  CHECK(moe.model.max_context == 8192);
  CHECK(moe.model.active_params == 12.9e9);
  CHECK(moe.quant.bits_per_weight == 4.53);  // Mixtral's own Q4_K_M mix
  CHECK(moe.weights_bytes == 26'445'573'750ULL);  // 46.703e9 x 4.53 / 8
  CHECK(moe.weights_mode == WeightsMode::load);
  CHECK(moe.kv_bytes_per_element == 1.0625);
  CHECK(moe.kv_bytes_per_token() == 69632);  // 2 x 32 x 8 x 128 x 1.0625
  CHECK(moe.kv_budget_bytes == 2 * kGiB);
  CHECK(moe.arrivals.rate_per_s == doctest::Approx(2.0).epsilon(1e-15));

  const LlmServerSpec& tiny = llm(s, 2);
  CHECK(tiny.model.id == "toy");
  CHECK(tiny.quant.id == "custom4");
  CHECK(tiny.weights_bytes == 500'000'000ULL);
  CHECK(tiny.weights_mode == WeightsMode::mmap);
  CHECK_FALSE(tiny.wired_fallback_cpu);
  CHECK(tiny.max_batch == 1);
  CHECK(tiny.kv_budget_bytes == 2048ULL * 2 * 4 * 2 * 64 * 2);
}

TEST_CASE("loader: a relative trace path resolves against the scenario's directory") {
  const fs::path expected =
      fs::canonical(kSource + "/scenarios/traces/azure_code_2023.csv");
  // Absolute scenario path, from an unrelated working directory.
  fs::current_path(fs::temp_directory_path());
  const Scenario a = load_scenario(kFixtures + "/trace_relative.yaml", kCatalog);
  const LlmServerSpec& code = llm(a, 0);
  CHECK(code.arrivals.kind == ArrivalSpec::Kind::trace);
  CHECK(fs::path(code.arrivals.trace_path).is_absolute());
  CHECK(fs::canonical(code.arrivals.trace_path) == expected);
  CHECK(code.arrivals.time_scale == 0.5);
  CHECK(code.arrivals.max_requests == 1000);
  // The trace was read at load time: its requests before the horizon, gaps x time_scale.
  REQUIRE(code.arrivals.trace_requests != nullptr);
  REQUIRE(!code.arrivals.trace_requests->empty());
  CHECK(code.arrivals.trace_requests->front().arrival_s == 0);
  CHECK(code.arrivals.trace_requests->size() <= 1000);
  CHECK(code.arrivals.trace_requests->back().arrival_s < a.duration_s);
  // Relative scenario path from the repository root.
  fs::current_path(kSource);
  const Scenario b = load_scenario("tests/unit/config/scenarios/trace_relative.yaml", kCatalog);
  CHECK(fs::canonical(llm(b, 0).arrivals.trace_path) == expected);
  CHECK(b.path == "tests/unit/config/scenarios/trace_relative.yaml");
}

TEST_CASE("loader: the full example in sim/config/README.md loads") {
  std::ifstream readme(kSource + "/sim/config/README.md");
  std::stringstream text;
  text << readme.rdbuf();
  const std::string doc = text.str();
  const std::string heading = "## A full example";
  const auto start = doc.find("```yaml\n", doc.find(heading));
  REQUIRE(start != std::string::npos);
  const auto body = start + 8;
  const auto end = doc.find("```", body);
  const fs::path dir = scratch("readme");
  fs::create_directories(dir / "traces");
  fs::copy_file(kSource + "/scenarios/traces/azure_code_2023.csv", dir / "traces/azure_code_2023.csv");
  std::ofstream(dir / "example.yaml") << doc.substr(body, end - body);
  const Scenario s = load_scenario((dir / "example.yaml").string(), kCatalog);
  CHECK(s.name == "llama70b-q8-unified");
  CHECK(s.seed == 42);
  CHECK(s.duration_s == 600);
  CHECK(s.hosts.size() == 3);
  CHECK(s.workloads.size() == 2);
  CHECK(s.hosts[2].mem_bw_effective_Bps == doctest::Approx(67.2e9).epsilon(1e-15));
  fs::remove_all(dir);
}

TEST_CASE("loader: HEADROOM_CATALOG_DIR selects another catalog") {
  const fs::path dir = scratch("catalog-env");
  for (const char* name : {"hosts.yaml", "llms.yaml", "quantizations.yaml", "gpus.yaml", "backends.yaml"})
    fs::copy_file(kCatalog + "/" + name, dir / name);
  std::ofstream(dir / "hosts.yaml", std::ios::app)
      << "  tiny-box:\n    ram: 8GiB\n    page_size: 4KiB\n    mem_bw: 50GB/s\n"
         "    cpu_flops: 100GFLOP/s\n    ssd_read: 1GB/s\n    ssd_write: 1GB/s\n"
         "    ssd_latency: 100us\n    assumption: {ram: t, page_size: t, mem_bw: t, cpu_flops: t,"
         " ssd_read: t, ssd_write: t, ssd_latency: t}\n";
  std::ofstream(dir / "s.yaml")
      << "name: s\nduration: 1s\nhosts: [tiny-box]\nworkloads:\n"
         "  - {name: w, kind: llm-server, model: llama-2-7b, quant: Q4_0, context: 512,\n"
         "     arrivals: {poisson: 1/s, prompt_tokens: 10, output_tokens: 10}}\n";
  ::setenv("HEADROOM_CATALOG_DIR", dir.c_str(), 1);
  const Scenario s = load_scenario((dir / "s.yaml").string());
  ::unsetenv("HEADROOM_CATALOG_DIR");
  CHECK(s.hosts.at(0).ram_bytes == 8 * kGiB);
  // Without the variable, the source tree's catalog has no such host.
  CHECK(error_of((dir / "s.yaml").string()).find("unknown host 'tiny-box'") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("loader: file-level and structural errors") {
  CHECK(error_of("no/such/scenario.yaml") ==
        "no/such/scenario.yaml: error: cannot open scenario file: no such file");
  const fs::path dir = scratch("structure");
  const std::string path = (dir / "dup.yaml").string();
  std::ofstream(path) << "name: a\nname: b\nduration: 1s\n";
  CHECK(error_of(path) == path + ":2:1: error: duplicate key 'name' in scenario");
  std::ofstream(path) << "- just\n- a list\n";
  CHECK(error_of(path) == path + ":1:1: error: expected a scenario (a mapping with name:, duration:, "
                                 "hosts:, workloads:), found a list");
  std::ofstream(path) << "name: a\nduration: 1s\nhosts: [m2-max-96]\nworkloads: []\n";
  CHECK(error_of(path) ==
        path + ":4:12: error: workloads: expected at least one workload, found an empty list");
  const std::string bad_catalog = (dir / "missing-catalog").string();
  std::ofstream(path) << "name: a\nduration: 1s\nhosts: [m2-max-96]\nworkloads: []\n";
  CHECK(error_of(path, bad_catalog) ==
        bad_catalog + "/quantizations.yaml: error: cannot open catalog file: no such file");
  fs::remove_all(dir);
}

TEST_CASE("a scenario path that is not a regular file says what it is, not 'no such file'") {
  const fs::path dir = scratch("paths");
  const std::string loop = (dir / "loop.yaml").string();
  fs::create_symlink(dir / "loop.yaml", loop);
  const std::string dangling = (dir / "dangling.yaml").string();
  fs::create_symlink(dir / "nowhere.yaml", dangling);
  const std::string fifo = (dir / "fifo.yaml").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string missing = (dir / "missing.yaml").string();
  const std::string subdir = (dir / "sub").string();
  fs::create_directory(subdir);

  CHECK(error_of(missing) == missing + ": error: cannot open scenario file: no such file");
  CHECK(error_of(subdir) == subdir + ": error: cannot open scenario file: a directory");
  CHECK(error_of(loop) ==
        loop + ": error: cannot open scenario file: a symbolic link loop (too many levels of symbolic links)");
  CHECK(error_of(dangling) == dangling + ": error: cannot open scenario file: a symbolic link to a missing file");
  CHECK(error_of(fifo) == fifo + ": error: cannot open scenario file: a named pipe (FIFO), not a file");
  fs::remove_all(dir);
}

TEST_CASE("a scenario file past 4 MiB is refused before YAML parsing, at any size") {
  const fs::path dir = scratch("big");
  const std::string path = (dir / "big.yaml").string();
  {
    // 4 MiB + 1 byte: a comment line, so only the size can be what is refused.
    std::ofstream out(path, std::ios::binary);
    out << "# " << std::string((std::size_t{4} << 20) - 2, 'x') << "\n";
  }
  CHECK(fs::file_size(path) == (std::size_t{4} << 20) + 1);
  CHECK(error_of(path) == path + ": error: expected a scenario file of at most 4 MiB, found a larger file");
  fs::remove_all(dir);
}

TEST_CASE("loader: scenario hosts name discrete GPUs, and llm-server takes device, gpu_layers and lock") {
  const fs::path dir = scratch("gpus");
  std::ofstream(dir / "s.yaml")
      << "name: s\nduration: 1s\n"
         "hosts: [ddr5-2x48-4090, {use: ddr5-4x32, name: two-gpus, gpus: [rtx-3090, rtx-6000-ada]},\n"
         "        {use: ddr5-2x48-4090, name: bare, gpus: []}]\n"
         "workloads:\n"
         "  - {name: a, kind: llm-server, model: llama-3.1-70b, quant: Q4_K_M, context: 512, gpu_layers: 40,\n"
         "     lock: true, arrivals: {poisson: 1/s, prompt_tokens: 10, output_tokens: 10}}\n"
         "  - {name: b, kind: llm-server, model: llama-3.1-70b, quant: Q4_K_M, context: 512, device: cpu,\n"
         "     arrivals: {poisson: 1/s, prompt_tokens: 10, output_tokens: 10}}\n"
         "  - {name: c, kind: llm-server, model: llama-3.1-70b, quant: Q4_K_M, context: 512, gpu_layers: all,\n"
         "     device: gpu, arrivals: {poisson: 1/s, prompt_tokens: 10, output_tokens: 10}}\n";
  const Scenario s = load_scenario((dir / "s.yaml").string(), kCatalog);
  REQUIRE(s.hosts.size() == 3);
  REQUIRE(s.hosts[0].gpus.size() == 1);
  CHECK(s.hosts[0].gpus[0].id == "rtx-4090");
  REQUIRE(s.hosts[1].gpus.size() == 2);
  CHECK(s.hosts[1].gpus[1].vram_bytes == 48 * kGiB);
  CHECK(s.hosts[2].gpus.empty());
  CHECK_FALSE(s.hosts[2].has_gpu());
  CHECK(llm(s, 0).gpu_layers == 40u);
  CHECK(llm(s, 0).offloaded_layers() == 40u);
  CHECK(llm(s, 0).lock);
  CHECK_FALSE(llm(s, 0).device.has_value());  // resolved per host by the engine
  CHECK(llm(s, 1).device == Device::cpu);
  CHECK_FALSE(llm(s, 1).lock);
  CHECK_FALSE(llm(s, 2).gpu_layers.has_value());
  CHECK(llm(s, 2).offloaded_layers() == 80u);
  CHECK(llm(s, 2).device == Device::gpu);
}
