// The catalogs against the published figures they were built from. The expected values are copied
// from the project's reference sheet (facts.yaml) with their sources: tests never read it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "sim/config/catalog.hpp"
#include "sim/config/error.hpp"
#include "models/workloads/llm-server/spec.hpp"

using namespace headroom::config;
using namespace headroom::workloads;

namespace {

constexpr double kGiB = 1073741824.0;
constexpr double kGB = 1e9;
const std::string kCatalogDir = HEADROOM_SOURCE_DIR "/models/catalog";

struct PublishedSize {
  const char* model;  // catalog id
  const char* quant;
  double bytes;
  const char* source;
};

// Every GGUF size in facts.yaml `quantizations:` for a model and quant in the catalogs.
const PublishedSize kPublished[] = {
    // llama3_70b_gguf_gib: dranger003, llama.cpp PR #6745 comment, via XiongjieDai/GPU-Benchmarks-on-LLM-Inference
    {"llama-3.1-70b", "Q4_K_M", 39.60 * kGiB, "llama3_70b_gguf_gib"},
    {"llama-3.1-70b", "Q5_K_M", 46.52 * kGiB, "llama3_70b_gguf_gib"},
    {"llama-3.1-70b", "Q6_K", 53.91 * kGiB, "llama3_70b_gguf_gib"},
    {"llama-3.1-70b", "Q8_0", 69.83 * kGiB, "llama3_70b_gguf_gib"},
    {"llama-3.1-70b", "F16", 131.43 * kGiB, "llama3_70b_gguf_gib"},
    // llama3_1_70b_gguf_gb: huggingface.co/second-state/Meta-Llama-3.1-70B-Instruct-GGUF
    {"llama-3.1-70b", "Q4_0", 40 * kGB, "llama3_1_70b_gguf_gb"},
    {"llama-3.1-70b", "Q4_K_M", 42.5 * kGB, "llama3_1_70b_gguf_gb"},
    {"llama-3.1-70b", "Q5_K_M", 50 * kGB, "llama3_1_70b_gguf_gb"},
    // llama2_70b_gguf_gb: huggingface.co/mradermacher/Llama-2-70b-hf-GGUF, TheBloke/Llama-2-70B-GGUF;
    // F16 128.3 "GB" is llama.cpp's GiB (facts unit note)
    {"llama-2-70b", "Q4_0", 38.9 * kGB, "llama2_70b_gguf_gb"},
    {"llama-2-70b", "Q4_K_M", 41.4 * kGB, "llama2_70b_gguf_gb"},
    {"llama-2-70b", "Q5_K_M", 48.8 * kGB, "llama2_70b_gguf_gb"},
    {"llama-2-70b", "Q6_K", 56.6 * kGB, "llama2_70b_gguf_gb"},
    {"llama-2-70b", "Q8_0", 73.3 * kGB, "llama2_70b_gguf_gb"},
    {"llama-2-70b", "F16", 128.3 * kGiB, "llama2_70b_gguf_gb f16_reported"},
    {"llama-2-70b", "F16", 129.27 * kGiB, "llama2_70b_gguf_gb f16_reported"},
    // qwen2_5_72b_gguf_gb: huggingface.co/mradermacher/Qwen2.5-72B-Instruct-GGUF
    {"qwen2.5-72b", "Q4_K_M", 47.5 * kGB, "qwen2_5_72b_gguf_gb"},
    {"qwen2.5-72b", "Q5_K_M", 54.5 * kGB, "qwen2_5_72b_gguf_gb"},
    {"qwen2.5-72b", "Q6_K", 64.4 * kGB, "qwen2_5_72b_gguf_gb"},
    {"qwen2.5-72b", "Q8_0", 77.4 * kGB, "qwen2_5_72b_gguf_gb"},
    {"qwen2.5-72b", "F16", 145.5 * kGB, "qwen2_5_72b_gguf_gb source_gguf_f16"},
    // mixtral_8x7b_gguf_gib: github.com/ggml-org/llama.cpp/issues/5206
    {"mixtral-8x7b", "Q4_K_M", 24.62 * kGiB, "mixtral_8x7b_gguf_gib"},
    {"mixtral-8x7b", "Q5_K_M", 30.02 * kGiB, "mixtral_8x7b_gguf_gib"},
    // llama2_7b_gguf_gib: llama.cpp discussions/4167
    {"llama-2-7b", "F16", 12.55 * kGiB, "llama2_7b_gguf_gib"},
    {"llama-2-7b", "Q8_0", 6.67 * kGiB, "llama2_7b_gguf_gib"},
    {"llama-2-7b", "Q4_0", 3.56 * kGiB, "llama2_7b_gguf_gib"},
    // llama3_8b_gib (Llama 3 8B, same shapes as 3.1 8B): XiongjieDai/GPU-Benchmarks-on-LLM-Inference
    {"llama-3.1-8b", "Q4_K_M", 4.58 * kGiB, "llama3_8b_gib"},
    {"llama-3.1-8b", "F16", 14.96 * kGiB, "llama3_8b_gib"},
    // Sizes llama-bench printed in the published runs of tests/validation/published/measurements.yaml
    // (not in facts.yaml): ggml-org/llama.cpp benches/dgx-spark.md (build 2f68ce7cf) ...
    {"gpt-oss-20b", "MXFP4", 11.27 * kGiB, "llama.cpp benches/dgx-spark.md"},
    {"gpt-oss-120b", "MXFP4", 59.02 * kGiB, "llama.cpp benches/dgx-spark.md"},
    {"qwen3-30b-a3b", "Q8_0", 30.25 * kGiB, "llama.cpp benches/dgx-spark.md"},
    {"qwen2.5-coder-7b", "Q8_0", 7.54 * kGiB, "llama.cpp benches/dgx-spark.md"},
    // ... visorcraft/strix-halo-llm-perf BENCHMARKS.md ...
    {"qwen3-30b-a3b", "Q4_K_M", 17.28 * kGiB, "visorcraft/strix-halo-llm-perf"},
    {"qwen2.5-coder-7b", "Q6_K", 5.82 * kGiB, "visorcraft/strix-halo-llm-perf"},
    // ... and llama.cpp PR #4406 (Mixtral on an M2 Max).
    {"mixtral-8x7b", "Q6_K", 35.74 * kGiB, "llama.cpp PR #4406"},
    {"mixtral-8x7b", "Q8_0", 46.22 * kGiB, "llama.cpp PR #4406"},
    // ... and llama.cpp PR #8908 (Mistral-7B-v0.3 Q4_0 on a Threadripper PRO 5995WX).
    {"mistral-7b", "Q4_0", 3.83 * kGiB, "llama.cpp PR #8908"},
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Loads a copy of the catalog in which the file `name` holds `text`; returns the ConfigError's
// message, or "" when that catalog loads.
std::string catalog_error_with(const std::string& name, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("headroom-config-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const std::string file : {"llms.yaml", "quantizations.yaml", "hosts.yaml", "gpus.yaml", "backends.yaml"})
    if (file != name) fs::copy_file(kCatalogDir + "/" + file, dir / file);
  std::ofstream(dir / name) << text;
  std::string what;
  try {
    load_catalog(dir.string());
  } catch (const ConfigError& e) {
    what = e.what();
  }
  fs::remove_all(dir);
  return what;
}

}  // namespace

TEST_CASE("catalog: computed GGUF sizes are within 3% of every published size") {
  const Catalog catalog = load_catalog(kCatalogDir);
  int checked = 0;
  for (const auto& p : kPublished) {
    INFO(p.model << " " << p.quant << " (" << p.source << ")");
    REQUIRE(catalog.llms.count(p.model) == 1);
    REQUIRE(catalog.quants.count(p.quant) == 1);
    const LlmSpec& llm = catalog.llms.at(p.model);
    const double bpw = effective_bits_per_weight(llm, catalog.quants.at(p.quant));
    const double computed = static_cast<double>(weights_bytes(llm.params, bpw));
    const double deviation = std::abs(computed / p.bytes - 1.0);
    INFO("computed " << computed << " B, published " << p.bytes << " B, off by "
                     << deviation * 100 << "%");
    CHECK(deviation <= 0.03);
    ++checked;
  }
  CHECK(checked == 36);
}

TEST_CASE("catalog: model overrides are used only where the common bpw misses by more than 3%") {
  const Catalog catalog = load_catalog(kCatalogDir);
  // Without its overrides, Qwen2.5-72B Q4_K_M (47.5 GB) would be computed 7.8% small.
  const LlmSpec& qwen = catalog.llms.at("qwen2.5-72b");
  const double plain = static_cast<double>(weights_bytes(qwen.params, catalog.quants.at("Q4_K_M").bits_per_weight));
  CHECK(plain / 47.5e9 < 0.97);
  CHECK(qwen.bits_per_weight_overrides.at("Q4_K_M") == 5.227);
  CHECK(catalog.llms.at("mixtral-8x7b").bits_per_weight_overrides.at("Q4_K_M") == 4.53);
  CHECK(catalog.llms.at("llama-3.1-70b").bits_per_weight_overrides.empty());
}

TEST_CASE("catalog: weights bytes are exact for exact inputs") {
  // 70.554e9 x 8.5 / 8 = 74,963,625,000 B exactly; no extra byte from float rounding.
  CHECK(weights_bytes(70.554e9, 8.5) == 74'963'625'000ULL);
  CHECK(weights_bytes(6.738e9, 16) == 13'476'000'000ULL);
  CHECK(weights_bytes(3, 1) == 1);  // 3 bits need a whole byte
}

TEST_CASE("catalog: KV bytes per token match the published f16 figures") {
  const Catalog catalog = load_catalog(kCatalogDir);
  // facts.yaml models.*.kv_fp16_bytes_per_token (from each config.json)
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"llama-2-7b", 524288},   {"llama-2-13b", 819200},  {"llama-2-70b", 327680},
      {"llama-3.1-8b", 131072}, {"llama-3.1-70b", 327680}, {"mixtral-8x7b", 131072},
      {"qwen2.5-72b", 327680}};
  for (const auto& entry : expected) {
    const auto& [id, bytes] = entry;
    INFO(entry.first);  // not `id`: clang 14 (the sanitizer build) cannot capture a structured binding
    LlmServerSpec spec;
    spec.model = catalog.llms.at(id);
    CHECK(spec.kv_bytes_per_token() == bytes);
  }
  CHECK(catalog.llms.at("mixtral-8x7b").active_params == 12.9e9);
  CHECK(catalog.llms.at("llama-2-70b").active_params == catalog.llms.at("llama-2-70b").params);
}

TEST_CASE("catalog: hosts resolve to the published limits") {
  const Catalog catalog = load_catalog(kCatalogDir);
  const auto& m2 = catalog.hosts.at("m2-max-96").spec;
  const auto& m3 = catalog.hosts.at("m3-max-128").spec;
  const auto& strix = catalog.hosts.at("strix-halo-128").spec;
  const std::uint64_t GiB = 1ULL << 30;
  CHECK(m2.ram_bytes == 96 * GiB);
  CHECK(m2.page_bytes == 16384);
  // 75% of RAM: 73728 MiB reported on a 96 GB M2 Max, 98304 MiB on a 128 GB M3 Max.
  CHECK(m2.gpu_wired_limit_bytes == 73728ULL << 20);
  CHECK(m3.gpu_wired_limit_bytes == 98304ULL << 20);
  CHECK(strix.gpu_wired_limit_bytes == 96 * GiB);
  CHECK(strix.page_bytes == 4096);
  CHECK(strix.unified_memory);
  for (const char* desktop : {"ddr5-2x48", "ddr5-4x32"}) {
    const auto& h = catalog.hosts.at(desktop).spec;
    CHECK(h.gpu_flops == 0);
    CHECK(h.gpu_wired_limit_bytes == 0);
    CHECK_FALSE(h.unified_memory);
  }
  CHECK(catalog.hosts.at("ddr5-2x48").spec.mem_bw_spec_Bps == 89.6e9);
  CHECK(catalog.hosts.at("ddr5-4x32").spec.mem_bw_spec_Bps == 57.6e9);
  CHECK(catalog.hosts.at("ddr5-4x32").spec.ram_bytes == 128 * GiB);
  // Effective Apple bandwidth = llama.cpp F16 decode rate x file size (24.65 t/s x 12.55 GiB).
  CHECK(m2.mem_bw_effective_Bps == doctest::Approx(24.65 * 12.55 * GiB).epsilon(0.001));
  // Effective Apple GPU compute = pp512 rate x 2 x params (755.67 t/s x 2 x 6.738e9).
  CHECK(m2.gpu_flops == doctest::Approx(755.67 * 2 * 6.738e9).epsilon(0.001));
}

TEST_CASE("catalog: a host number without a source is rejected") {
  std::string hosts = read(kCatalogDir + "/hosts.yaml");
  // Drop the m2-max-96 swap assumption line.
  const std::string line =
      "      swap: \"macOS grows swap files on demand until the disk fills; 64 GiB stands for "
      "free disk space\"\n";
  const auto at = hosts.find(line);
  REQUIRE(at != std::string::npos);
  hosts.erase(at, line.size());
  const std::string what = catalog_error_with("hosts.yaml", hosts);
  INFO(what);
  CHECK(what.find("hosts.yaml:11:11: error: host 'm2-max-96': field 'swap' has no source; cite "
                  "one under source: or give the reason under assumption:") != std::string::npos);
}

TEST_CASE("catalog: discrete GPUs resolve to their spec-sheet figures, and desktop hosts carry one") {
  const Catalog catalog = load_catalog(kCatalogDir);
  const GpuSpec& g4090 = catalog.gpus.at("rtx-4090");
  CHECK(g4090.vram_bytes == 24 * 1073741824ULL);
  CHECK(g4090.vram_bw_spec_Bps == 1008 * kGB);           // 21 Gbit/s x 384 bit / 8
  CHECK(g4090.vram_bw_effective_Bps == 806 * kGB);       // 80% of spec, stated assumption
  // Spec dense FP16 tensor FLOP/s with FP16 accumulate: 128 SMs x 4 x 128 FMA x 2 x 2.52 GHz.
  CHECK(g4090.flops == doctest::Approx(330.3e12));
  CHECK(g4090.flops == doctest::Approx(128 * 4 * 128 * 2 * 2.52e9).epsilon(0.001));
  CHECK(catalog.gpus.at("rtx-3090").flops == doctest::Approx(82 * 4 * 128 * 2 * 1.695e9).epsilon(0.001));
  CHECK(catalog.gpus.at("a100-80gb").flops == doctest::Approx(312e12));
  CHECK(catalog.gpus.at("h100-pcie").flops == doctest::Approx(1513e12 / 2).epsilon(0.001));  // 1,513 sparse
  CHECK(g4090.pcie_Bps == 25 * kGB);
  CHECK(catalog.gpus.at("rtx-3090").vram_bw_spec_Bps == 936 * kGB);
  CHECK(catalog.gpus.at("rtx-6000-ada").vram_bytes == 48 * 1073741824ULL);
  CHECK(catalog.gpus.at("rtx-6000-ada").vram_bw_spec_Bps == 960 * kGB);
  for (const char* host : {"ddr5-2x48-4090", "ddr5-4x32-4090"}) {
    const HostSpec& h = catalog.hosts.at(host).spec;
    REQUIRE(h.gpus.size() == 1);
    CHECK(h.gpus[0].id == "rtx-4090");
    CHECK(h.has_gpu());
    CHECK_FALSE(h.unified_memory);
  }
  // Same DIMMs as the GPU-less pair: only the GPU differs.
  CHECK(catalog.hosts.at("ddr5-2x48-4090").spec.mem_bw_effective_Bps == catalog.hosts.at("ddr5-2x48").spec.mem_bw_effective_Bps);
  CHECK(catalog.hosts.at("ddr5-4x32-4090").spec.ram_bytes == catalog.hosts.at("ddr5-4x32").spec.ram_bytes);
  CHECK_FALSE(catalog.hosts.at("ddr5-2x48").spec.has_gpu());
  CHECK(catalog.hosts.at("m2-max-96").spec.has_gpu());
}

TEST_CASE("catalog: a GPU number without a source, or an effective bandwidth above the spec, is rejected") {
  const std::string gpus = read(kCatalogDir + "/gpus.yaml");
  // `from` up to the end of its line becomes `to`.
  auto error_with = [&](const std::string& from, const std::string& to) {
    std::string text = gpus;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, text.find('\n', at) - at, to);
    return catalog_error_with("gpus.yaml", text);
  };
  // The rtx-4090's pcie assumption line dropped.
  const std::string unsourced = error_with("      pcie: \"PCIe 4.0 x16 = 16 GT/s", "      # removed");
  INFO(unsourced);
  CHECK(unsourced.find("gpus.yaml:16:11: error: GPU 'rtx-4090': field 'pcie' has no source; cite one under "
                       "source: or give the reason under assumption:") != std::string::npos);
  CHECK(error_with("    pcie: 25GB/s", "    pcie: 25GB/s").empty());  // the catalog as it is loads
  const std::string above = error_with("    vram_bw_effective: 806GB/s", "    vram_bw_effective: 1009GB/s");
  CHECK(above.find("error: GPU 'rtx-4090': vram_bw_effective (1009GB/s) is above the spec vram_bw (1008GB/s)") !=
        std::string::npos);
}

TEST_CASE("catalog: the hosts of the published llama.cpp rows carry their derived figures") {
  const Catalog catalog = load_catalog(kCatalogDir);
  const std::uint64_t GiB = 1ULL << 30;
  // mem_bw_effective = #4167 F16 tg128 x 12.55 GiB; gpu_flops = F16 pp512 x 2 x 6.738e9.
  const struct {
    const char* host;
    double ram_gib, tg_f16, pp_f16;
  } apple[] = {{"m1-max-64", 64, 23.03, 599.53},      {"m1-ultra-128", 128, 37.01, 1168.89},
               {"m2-ultra-128", 128, 39.86, 1128.59}, {"m2-ultra-192", 192, 41.02, 1401.85},
               {"m4-max-128", 128, 31.64, 922.83}};
  for (const auto& a : apple) {
    INFO(a.host);
    const auto& h = catalog.hosts.at(a.host).spec;
    CHECK(h.ram_bytes == static_cast<std::uint64_t>(a.ram_gib) * GiB);
    CHECK(h.page_bytes == 16384);
    CHECK(h.gpu_wired_limit_bytes == h.ram_bytes / 4 * 3);
    CHECK(h.mem_bw_effective_Bps == doctest::Approx(a.tg_f16 * 12.55 * GiB).epsilon(0.001));
    CHECK(h.gpu_flops == doctest::Approx(a.pp_f16 * 2 * 6.738e9).epsilon(0.001));
  }
  // DGX Spark: 273 GB/s spec; Qwen2.5-Coder-7B Q8_0 tg32 29.30 t/s x 7.54 GiB effective; the GPU
  // may use the whole 128 GiB pool.
  const auto& spark = catalog.hosts.at("dgx-spark-128").spec;
  CHECK(spark.mem_bw_spec_Bps == 273e9);
  CHECK(spark.mem_bw_effective_Bps == doctest::Approx(29.30 * 7.54 * GiB).epsilon(0.001));
  CHECK(spark.gpu_wired_limit_bytes == 128 * GiB);
  CHECK(spark.page_bytes == 4096);
  CHECK(spark.unified_memory);
}

TEST_CASE("catalog: backends.yaml gives every backend's speed factors, and a bad factor is located") {
  const Catalog catalog = load_catalog(kCatalogDir);
  for (const char* name : {"metal", "cuda", "rocm", "vulkan", "cpu"}) {
    REQUIRE(catalog.backends.count(name) == 1);
    const BackendSpec& b = catalog.backends.at(name);
    CHECK(b.decode_efficiency.count("default") == 1);
    CHECK(b.prefill_efficiency.count("default") == 1);
    CHECK_FALSE(b.calibration.empty());
  }
  // Every unified-memory host names its GPU's backend: Apple metal, Strix Halo rocm, GB10 cuda.
  for (const auto& host : catalog.hosts) {  // not a structured binding: clang 14's INFO cannot capture one
    const std::string& id = host.first;
    const auto& entry = host.second;
    if (!entry.spec.unified_memory) continue;
    INFO(id);
    const std::string want = id == "strix-halo-128" ? "rocm" : id == "dgx-spark-128" ? "cuda" : "metal";
    CHECK(entry.spec.gpu_backend == want);
  }
  // cpu_mem_bw derived from a published llama.cpp CPU decode: 20.60 t/s x 8.03e9 x 5.5/8 bytes.
  CHECK(catalog.hosts.at("m2-max-96").spec.cpu_mem_bw_Bps == 113.7 * kGB);
  CHECK(20.60 * 8.03e9 * 5.5 / 8 == doctest::Approx(113.7e9).epsilon(0.001));
  CHECK(catalog.hosts.at("m2-max-96").spec.cpu_flops == doctest::Approx(56.93 * 2 * 6.738e9).epsilon(0.001));
  CHECK(catalog.hosts.at("ddr5-2x48").spec.cpu_bandwidth_Bps() == catalog.hosts.at("ddr5-2x48").spec.mem_bw_effective_Bps);
  CHECK(catalog.gpus.at("rtx-4090").backend == "cuda");

  auto error_with = [](const std::string& text) { return catalog_error_with("backends.yaml", text); };
  const std::string entry =
      "    decode_efficiency: {default: 0.9}\n    prefill_efficiency: {default: 0.5}\n"
      "    kv_efficiency: 0.5\n    attention_efficiency: 0.3\n    layer_fixed: 100us\n    calibration: \"test\"\n";
  std::string all;
  for (const char* name : {"metal", "cuda", "rocm", "vulkan", "cpu"}) all += std::string("  ") + name + ":\n" + entry;
  CHECK(error_with("backends:\n" + all).empty());
  const std::string missing = error_with("backends:\n  metal:\n" + entry);
  CHECK(missing.find("backends.yaml:2:3: error: backends: expected an entry for every backend (cuda is missing)") !=
        std::string::npos);
  const std::string above = error_with("backends:\n  metal:\n    decode_efficiency: {default: 1.2}\n" + entry.substr(entry.find("    prefill")));
  INFO(above);
  CHECK(above.find("backends.yaml:3:34: error: decode_efficiency default: expected a number above 0 and at most 1, "
                   "found '1.2'") != std::string::npos);
  const std::string no_default = error_with("backends:\n  metal:\n    decode_efficiency: {F16: 0.9}\n" + entry.substr(entry.find("    prefill")));
  CHECK(no_default.find("backends.yaml:3:24: error: decode_efficiency: expected a 'default' entry") != std::string::npos);
  const std::string quant = error_with("backends:\n  metal:\n    decode_efficiency: {default: 0.9, Q9_9: 0.5}\n" + entry.substr(entry.find("    prefill")));
  CHECK(quant.find("backends.yaml:3:39: error: decode_efficiency: unknown quantization 'Q9_9'") != std::string::npos);
  const std::string name = error_with("backends:\n  opencl:\n" + entry);
  CHECK(name.find("backends.yaml:2:3: error: backends: expected one of metal | cuda | rocm | vulkan | cpu, found 'opencl'") !=
        std::string::npos);
}
