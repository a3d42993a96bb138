// The llm-server speed model (models/workloads/llm-server/speed_model.hpp): its closed form, and
// agreement between the pure function (what tests/validation/published predicts with) and a
// one-request llm-server simulation on an idle catalog host.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "engine_fixtures.hpp"
#include "models/workloads/llm-server/speed_model.hpp"
#include "sim/config/catalog.hpp"
#include "sim/config/scenario_loader.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
namespace speed = headroom::workloads::llm_server::speed;

namespace {

config::LlmSpec seven_b() {
  config::LlmSpec m;
  m.id = "seven";
  m.params = m.active_params = 7e9;
  m.layers = 32;
  m.hidden = 4096;
  m.heads = m.kv_heads = 32;
  m.head_dim = 128;
  m.max_context = 4096;
  return m;
}

config::BackendSpec round_backend() {
  config::BackendSpec b;
  b.id = "metal";
  b.decode_efficiency = {{"default", 0.5}, {"Q4_0", 0.8}};
  b.prefill_efficiency = {{"default", 0.5}};
  b.kv_efficiency = 0.25;
  b.attention_efficiency = 0.1;
  b.layer_fixed_s = 100e-6;
  b.moe_layer_fixed_s = 50e-6;
  b.moe_prefill_efficiency = 0.5;
  return b;
}

}  // namespace

TEST_CASE("speed model: a decode and a prefill step in closed form") {
  const config::BackendSpec b = round_backend();
  const speed::Device d{&b, 400e9, 10e12, 200e9};  // spec 400 GB/s, 10 TFLOP/s, link 200 GB/s
  const config::LlmSpec m = seven_b();
  // Decode at context 1000, 4 GB of Q4_0 weights, 0.5 MiB of KV per token:
  //   memory = 4e9 / (0.8 x 400e9) + 1000 x 524288 / (0.25 x 400e9) = 0.0125 + 0.00524288 s
  //   compute = 2 x 7e9 / (0.5 x 10e12) + 4 x 32 x 32 x 128 x 1000 / (0.1 x 10e12) = 0.0028 + 0.000524288 s
  //   fixed = 32 x 100 us = 3.2 ms; step = 3.2 ms + max(...) = 0.02094288 s
  const speed::StepShape s = speed::decode_shape(m, 4e9, 524288, 1000);
  const speed::StepCost c = speed::step_cost(d, m, "Q4_0", s);
  CHECK(close_rel(c.memory_s, 0.0125 + 0.00524288, 1e-12));
  CHECK(close_rel(c.compute_s, 0.0028 + 0.000524288, 1e-12));
  CHECK(close_rel(c.fixed_s, 0.0032, 1e-12));
  CHECK(close_rel(c.seconds(), 0.0032 + 0.01774288, 1e-12));
  // The activity: bytes over the 200 GB/s link take memory_s; FLOPs at 10 TFLOP/s take compute_s.
  CHECK(close_rel(c.bus_bytes, 0.01774288 * 200e9, 1e-12));
  CHECK(close_rel(c.flops, (0.0028 + 0.000524288) * 10e12, 1e-12));
  // Prefill of 512 tokens after 1000 (F16 = `default` shares):
  //   pairs = 512 x 1000 + 512 x 513 / 2 = 643,328
  //   compute = 2 x 7e9 x 512 / (0.5 x 10e12) + 4 x 32 x 32 x 128 x 643328 / (0.1 x 10e12) = 1.4336 + 0.33729... s
  const speed::StepCost p = speed::step_cost(d, m, "F16", speed::prefill_shape(m, 14e9, 524288, 512, 1000));
  CHECK(close_rel(p.compute_s, 1.4336 + 4.0 * 32 * 32 * 128 * 643328 / 1e12, 1e-12));
  CHECK(close_rel(p.memory_s, 14e9 / (0.5 * 400e9) + 1512 * 524288 / (0.25 * 400e9), 1e-12));
  // A mixture-of-experts model: fixed 32 x (100 + 50) us, matmuls at half the prefill share.
  config::LlmSpec moe = m;
  moe.experts = 8;
  moe.experts_per_token = 2;
  moe.active_params = 2e9;
  const speed::StepCost e = speed::step_cost(d, moe, "F16", speed::prefill_shape(moe, 14e9, 524288, 512, 0));
  CHECK(close_rel(e.fixed_s, 32 * 150e-6, 1e-12));
  CHECK(close_rel(e.compute_s, 2 * 2e9 * 512 / (0.25 * 10e12) + 4.0 * 32 * 32 * 128 * (512 * 513 / 2) / 1e12, 1e-12));
}

TEST_CASE("speed model: a one-request llm-server run takes what the pure function says") {
  // m2-max-96 (Metal), Llama-2-7B Q4_0 loaded into a wired buffer, one request of 512 prompt
  // tokens and 128 output tokens arriving at start; the host is otherwise idle.
  const auto dir = std::filesystem::temp_directory_path() / ("hr_speed_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "one.csv") << "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,512,128\n";
  std::ofstream(dir / "one.yaml") << "name: speed-agreement\nduration: 60s\nhosts: [m2-max-96]\n"
                                     "workloads:\n  - name: llama\n    kind: llm-server\n    model: llama-2-7b\n"
                                     "    quant: Q4_0\n    weights: load\n    context: 4096\n"
                                     "    arrivals: {trace: one.csv}\n";
  const std::string catalog_dir = std::string(HEADROOM_SOURCE_DIR) + "/models/catalog";
  const config::Scenario sc = config::load_scenario((dir / "one.yaml").string(), catalog_dir);
  const analysis::HostResult host = engine::simulate_host(sc, sc.hosts[0]);
  std::filesystem::remove_all(dir);
  const auto& data = dynamic_cast<const workloads::LlmServerData&>(*host.workloads.at(0).data);
  REQUIRE(data.requests.size() == 1);
  const analysis::RequestRecord& r = data.requests[0];
  REQUIRE(r.finish_s > 0);

  const config::Catalog catalog = config::load_catalog(catalog_dir);
  const config::LlmSpec& m = catalog.llms.at("llama-2-7b");
  const speed::Device d = speed::unified_gpu(catalog.hosts.at("m2-max-96").spec, catalog.backends);
  const double weights = static_cast<double>(config::weights_bytes(m.params, 4.5));
  const double kv_per_token = 2.0 * 32 * 32 * 128 * 2;
  // Prefill (compute-bound, so the fresh KV pages the simulation does not count as bus bytes do
  // not matter): the step between admission and the first token.
  const double prefill_s = speed::step_cost(d, m, "Q4_0", speed::prefill_shape(m, weights, kv_per_token, 512, 0)).seconds();
  CHECK(close_rel(r.first_token_s - r.admitted_s, prefill_s, 1e-9));
  // 127 decode steps at contexts 513..639 (prompt + tokens generated so far). The simulation's bus
  // bytes are resident bytes only: each step's newest KV page is fresh, a few hundred KiB of ~3.8 GB.
  double decode_s = 0;
  for (int generated = 1; generated < 128; ++generated)
    decode_s += speed::step_cost(d, m, "Q4_0", speed::decode_shape(m, weights, kv_per_token, 512 + generated)).seconds();
  INFO("simulated decode " << r.finish_s - r.first_token_s << " s, pure function " << decode_s << " s");
  CHECK(close_rel(r.finish_s - r.first_token_s, decode_s, 2e-3));
  // And llama-bench's tg figure from the same function is within 1% of the simulated mean.
  CHECK(close_rel(127.0 / (r.finish_s - r.first_token_s),
                  1.0 / speed::tg_seconds_per_token(d, m, "Q4_0", weights, kv_per_token, 127, 513), 1e-2));
}
