// The `rl` and `dataset` kinds against closed forms: replay buffer bytes, a buffer twice the
// available memory sampled uniformly hits at the resident fraction, a vector step's time when it
// fits, a loaded corpus processed at process_rate, and a corpus stream beside an mmapped model
// raising the model's refaults under lru more than under scan-resistant policies. Every test case
// runs in its own process (one SimGrid engine per process) with the invariants checked.
#include <doctest/doctest.h>

#include <cmath>
#include <map>

#include "engine_fixtures.hpp"
#include "models/workloads/dataset/result.hpp"
#include "models/workloads/dataset/spec.hpp"
#include "models/workloads/rl/result.hpp"
#include "models/workloads/rl/spec.hpp"
#include "analysis/summary.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

std::shared_ptr<config::RlSpec> rl_spec(std::uint64_t capacity, std::uint64_t transition_bytes) {
  auto s = std::make_shared<config::RlSpec>();
  s->name = "dqn";
  s->kind = "rl";
  s->envs = 4;
  s->env_memory_bytes = 1 * MiB;
  s->env_cpu_per_step_s = 1e-3;
  s->capacity = capacity;
  s->transition_bytes = transition_bytes;
  s->batch = 32;
  s->update_every = 4;
  s->learning_starts = 32;
  s->policy_params = 1e6;
  return s;
}

std::shared_ptr<config::DatasetSpec> dataset_spec(std::uint64_t size_bytes, config::DatasetMode mode) {
  auto s = std::make_shared<config::DatasetSpec>();
  s->name = "corpus";
  s->kind = "dataset";
  s->file = "corpus.txt";
  s->size_bytes = size_bytes;
  s->mode = mode;
  s->process_rate_Bps = 1e9;
  s->chunk_bytes = 64 * MiB;
  s->record_bytes = 4096;
  return s;
}

}  // namespace

TEST_CASE("replay buffer and env and policy bytes are the closed forms (Atari 84x84x4 uint8 frames)") {
  auto s = rl_spec(1'000'000, 84 * 84 * 4);
  // facts.yaml rl.atari_replay_buffer_derived_gb.one_million_stacks_4x84x84_uint8 = 28.224 GB.
  CHECK(*s->replay_bytes() == 28'224'000'000ull);
  s->envs = 16;
  s->env_memory_bytes = 130 * MiB;
  CHECK(*s->envs_bytes() == 16 * 130 * MiB);
  CHECK(s->policy_bytes() == 16'000'000ull);  // 16 B x 1e6 params
  CHECK(s->inference_flops(16) == 2e6 * 16);
  CHECK(s->update_flops() == 6e6 * 32);
  s->capacity = std::uint64_t{1} << 40;
  s->transition_bytes = std::uint64_t{1} << 30;
  CHECK_FALSE(s->replay_bytes().has_value());  // 2^70: refused, never wrapped
}

TEST_CASE("an rl loop that fits: a vector step costs the envs' CPU plus the policy's FLOPs") {
  enable_invariant_checks();
  config::HostSpec host = test_host(4 * GiB);
  host.cpu_flops = 1e12;  // finite: the FLOPs decide the time (the bytes are tiny at 100 GB/s)
  config::Scenario sc = test_scenario(host, 100);
  auto s = rl_spec(10'000, kPage);
  s->work_steps = 4000;  // 1000 vector steps of 4 envs, one update each (update_every 4)
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::RlData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  CHECK(d.env_steps == 4000);
  CHECK(d.fill == 4000);
  // Updates start once 32 transitions are in: vector steps 8..1000 (fill after step k = 4k).
  CHECK(d.updates == 993);
  // Per vector step: 4 x 1 ms of CPU; inference 2 x 1e6 x 4 = 8e6 FLOP; an update 6 x 1e6 x 32 =
  // 1.92e8 FLOP, all at 1e12 FLOP/s, as one CPU activity; its bus bytes (at most 4 MB of
  // inference + 16 MB of update + 16 KiB of envs and transitions, 0.2 ms at 100 GB/s) take less
  // than its 4.2 ms of FLOPs, so the FLOPs decide: to 1e-9.
  const double expected_s = 1000 * (4e-3 + 8e6 / 1e12) + 993 * 1.92e8 / 1e12;
  CHECK(close_rel(d.finish_s - d.start_s, expected_s, 1e-9));
  CHECK(d.sampled_hit_bytes == d.sampled_bytes);  // everything resident
}

TEST_CASE("a replay buffer twice the available memory sampled uniformly hits at the resident fraction") {
  enable_invariant_checks();
  // 32 MiB for anonymous memory (RAM - 256 MiB OS reserve, tiny watermarks), swap for the rest;
  // a 64 MiB buffer of one-page transitions (16,384), page_cluster 0 (no swap readahead).
  config::HostSpec host = test_host(256 * MiB + 32 * MiB + 128 * KiB);
  host.swap_bytes = 1 * GiB;
  config::Scenario sc = test_scenario(host, 1e6);
  sc.memory.min_free_bytes = 128 * KiB;
  sc.memory.watermark_scale_factor = 1;
  sc.memory.page_cluster = 0;
  auto s = rl_spec(16'384, kPage);
  s->envs = 64;
  s->env_memory_bytes = kPage;
  s->policy_params = 256;  // 4 KiB of policy state
  s->update_every = 2;     // 32 updates of 32 samples per vector step: 1,024 samples a step
  s->work_steps = 16'384 + 64 * 300;  // 256 vector steps fill the ring, then 300 more
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::RlData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  REQUIRE(d.fill == 16'384);
  // Resident buffer pages once full: between the available 8,192 pages less the envs' (64), the
  // policy's (1) and kswapd's band (at most 64 pages here) and 8,192, of 16,384: p in [0.4921, 0.5].
  const double buffer_pages = 16'384;
  const double p_high = 8'192 / buffer_pages, p_low = (8'192 - 64 - 1 - 64) / buffer_pages;
  // The step that fills the ring samples after its writes: 301 full steps x 1,024 samples.
  const double samples = double(d.sampled_full_bytes / kPage);
  CHECK(samples == 301.0 * 1024);
  const double hit = double(d.sampled_full_hit_bytes) / double(d.sampled_full_bytes);
  // Bound: 5 standard deviations of a binomial at p = 0.5 over the samples (sd = 0.5 / sqrt(n) =
  // 0.00090), seed 42 fixed.
  const double sd = 0.5 / std::sqrt(samples);
  MESSAGE("sampled hit fraction " << hit << " in [" << p_low << ", " << p_high << "] +- " << 5 * sd);
  CHECK(hit >= p_low - 5 * sd);
  CHECK(hit <= p_high + 5 * sd);
}

TEST_CASE("a corpus loaded into RAM is processed at process_rate once loaded (closed form)") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(4 * GiB), 100);
  auto s = dataset_spec(1 * GiB, config::DatasetMode::load);
  s->epochs = 3;
  s->dedup_bytes_per_gb = 16 * MiB;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::DatasetData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  REQUIRE(d.epoch_end_s.size() == 3);
  CHECK(d.processed_bytes == 3 * GiB);
  // Epochs 2 and 3 run from RAM: 16 chunks of 64 MiB, each max(64 MiB / 1e9 B/s of CPU, 64 MiB /
  // 100e9 B/s of bus) = 64 MiB / 1e9 s: 2^30 / 1e9 = 1.073741824 s an epoch.
  CHECK(close_rel(d.epoch_end_s[1] - d.epoch_end_s[0], 1.073741824, 1e-9));
  CHECK(close_rel(d.epoch_end_s[2] - d.epoch_end_s[1], 1.073741824, 1e-9));
  // The first epoch also reads the file: 1 GiB at 2e9 B/s plus one latency per chunk's readahead run.
  CHECK(d.epoch_end_s[0] - d.start_s >= 1.073741824 + double(GiB) / 2e9);
  // Dedup table: 1 GiB x 16 MiB / 1e9 = 18,014,398 B, page-rounded: 4,399 pages.
  CHECK(d.dedup_bytes == round_to_pages(static_cast<std::uint64_t>(double(GiB) * double(16 * MiB) / 1e9)));
  CHECK(r.memory.peak_anon_bytes >= 1 * GiB + d.dedup_bytes);
}

namespace {

// A 1 GiB model mmapped on a 4 GiB host, serving one request at 0 s and one at 60 s; a 16 GiB
// corpus streamed through the page cache between them (starting at 5 s, at 2 GB/s of CPU). The
// model's pages age while it is idle; the stream's pages are used once. Returns the host's file
// refaults (the corpus is read once, so every file refault is the model's).
std::uint64_t model_refaults_beside_stream(const std::string& policy) {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(4 * GiB), 120);
  sc.memory.policy = policy;
  auto server = test_server("llm", 1 * GiB, workloads::WeightsMode::mmap);
  server->arrivals.kind = workloads::ArrivalSpec::Kind::trace;
  auto requests = std::make_shared<std::vector<workloads::Request>>();
  for (double t : {0.0, 20.0, 60.0}) requests->push_back({t, 4, 8, {}});
  server->arrivals.trace_requests = requests;
  server->arrivals.max_requests = 0;
  auto corpus = dataset_spec(16 * GiB, config::DatasetMode::stream);
  corpus->process_rate_Bps = 2e9;
  corpus->start_at_s = 5;
  sc.workloads = {server, corpus};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::DatasetData&>(*r.workloads.at(1).data);
  REQUIRE(d.finished);
  REQUIRE(llm(r.workloads.at(0)).requests.size() == 3);
  return r.memory.refault_file_bytes;
}

}  // namespace

// Measured (seed 42): lru 1 GiB (the whole model re-read once when the request at 20 s comes
// after the stream), mglru 1 GiB (the simplified MGLRU ages the idle model into its oldest
// generation like lru), linux 256 MiB (active/inactive lists: the model's twice-used pages are
// active, the stream's once-used pages are reclaimed from the inactive list first), arc 0 (the
// model is on the frequency list, the stream only ever enters the recency list).
TEST_CASE("stream beside an mmapped model: lru re-reads the whole model") {
  CHECK(model_refaults_beside_stream("lru") == 1 * GiB);
}
TEST_CASE("stream beside an mmapped model: mglru (simplified) does no better than lru") {
  CHECK(model_refaults_beside_stream("mglru") == 1 * GiB);
}
TEST_CASE("stream beside an mmapped model: linux re-reads under half the model") {
  CHECK(model_refaults_beside_stream("linux") < 1 * GiB / 2);
}
TEST_CASE("stream beside an mmapped model: arc keeps the model") { CHECK(model_refaults_beside_stream("arc") == 0); }

TEST_CASE("an rl policy on the GPU runs after the envs' CPU: the two times add") {
  enable_invariant_checks();
  config::HostSpec host = test_host(4 * GiB);
  host.cpu_flops = 1e12;
  host.gpu_flops = 1e11;  // slow enough that the GPU part is FLOP-bound too (16 MB / 100 GB/s < 1.92 ms)
  host.unified_memory = true;
  config::Scenario sc = test_scenario(host, 100);
  auto s = rl_spec(10'000, kPage);
  s->device = config::RlDevice::gpu;
  s->work_steps = 4000;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::RlData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  CHECK(d.device == "gpu");
  CHECK_FALSE(r.workloads.at(0).fell_back);
  // Per vector step 4 ms of env CPU, then 8e6 FLOP of inference at 1e11 (0.08 ms); 993 updates of
  // 1.92e8 FLOP at 1e11 (1.92 ms each).
  const double expected_s = 1000 * (4e-3 + 8e6 / 1e11) + 993 * 1.92e8 / 1e11;
  CHECK(close_rel(d.finish_s - d.start_s, expected_s, 1e-9));
}

TEST_CASE("an rl policy asked on the GPU of a host without one runs on the CPU and says so") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto s = rl_spec(10'000, kPage);
  s->device = config::RlDevice::gpu;
  s->work_steps = 400;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::RlData&>(*r.workloads.at(0).data);
  CHECK(d.finished);
  CHECK(d.device == "cpu");
  CHECK(r.workloads.at(0).fell_back);
  CHECK(r.workloads.at(0).status_detail == "policy asked on the GPU; this host has none, so it ran on the CPU");
}

namespace {
// test_host with one discrete GPU: 1e11 FLOP/s (the policy's FLOPs bind), 400 GB/s VRAM, 10 GB/s PCIe.
config::HostSpec rl_discrete_host(std::uint64_t vram_bytes) {
  config::HostSpec host = test_host(4 * GiB);
  host.cpu_flops = 1e12;
  return with_test_gpu(host, vram_bytes, 400e9, 1e11, 10e9);
}
}  // namespace

TEST_CASE("an rl policy on a discrete GPU: VRAM holds it, the envs' CPU, the frames over PCIe and the GPU add") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(rl_discrete_host(1 * GiB), 100);
  auto s = rl_spec(10'000, kPage);
  s->device = config::RlDevice::gpu;
  s->work_steps = 4000;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::RlData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  CHECK(d.device == "test-gpu");
  CHECK_FALSE(r.workloads.at(0).fell_back);
  // Per vector step 4 ms of env CPU, 4 observations of 4 KiB over PCIe, 8e6 FLOP of inference at
  // 1e11; 993 updates of 1.92e8 FLOP at 1e11 with 32 sampled transitions of 4 KiB over PCIe each.
  // The VRAM bytes (4 MB of weights read per step, 16 MB of policy state per update) never bind.
  const double expected_s =
      1000 * (4e-3 + 8e6 / 1e11) + 993 * 1.92e8 / 1e11 + (4000.0 + 993 * 32) * 4096 / 10e9;
  CHECK(close_rel(d.finish_s - d.start_s, expected_s, 1e-9));
  // The policy's 16 MB are in VRAM, not host memory: host RSS = envs (4 MiB) + the filled buffer.
  CHECK(d.peak_resident_bytes == 4 * MiB + 4000 * kPage);
}

TEST_CASE("an rl policy larger than a discrete GPU's VRAM fails to start with the figures") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(rl_discrete_host(15'000'000), 10);
  auto s = rl_spec(10'000, kPage);
  s->device = config::RlDevice::gpu;
  s->work_steps = 400;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(analysis::to_string(r.workloads.at(0).status) == std::string("failed-to-start"));
  CHECK(r.workloads.at(0).cause == analysis::Cause::vram_exceeded);
  CHECK(r.workloads.at(0).status_detail ==
        "VRAM exceeded: policy 16000000 bytes (16 B x params) > free VRAM 15000000 bytes of test-gpu (15000000 bytes, "
        "0 reserved by other workloads)");
}

TEST_CASE("a corpus read at random that fits: each page is read once and the CPU time is size x epochs / rate") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(4 * GiB), 100);
  auto s = dataset_spec(64 * MiB, config::DatasetMode::random);
  s->chunk_bytes = 1 * MiB;  // 256 records of 4 KiB a chunk
  s->epochs = 2;
  sc.workloads = {s};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  const auto& d = dynamic_cast<const models::DatasetData&>(*r.workloads.at(0).data);
  REQUIRE(d.finished);
  CHECK(d.processed_bytes == 128 * MiB);
  // 32,768 uniform draws with replacement over 16,384 records touch about 16,384 x (1 - e^-2) =
  // 14,167 distinct pages; the mmap read-around (no madvise) reads the 32-page window around a miss
  // while mmap_miss <= 100, one page after: at least those pages, at most the corpus, each page
  // once. Each miss is one request, one device wait and one pgmajfault, a window or a page; the
  // first misses are windows, so there are fewer requests than pages read.
  const std::uint64_t pages_read = r.memory.file_read_bytes / kPage;
  MESSAGE(pages_read << " pages read in " << r.memory.read_requests << " requests");
  CHECK(r.memory.fault_waits == r.memory.read_requests);
  CHECK(r.memory.major_faults == r.memory.read_requests);
  CHECK(r.memory.read_requests + 31 * 100 <= pages_read);  // at least the first 100 misses read 32 pages
  CHECK(pages_read <= 16'384);
  CHECK(pages_read >= 13'800);
  CHECK(r.memory.refault_file_bytes == 0);
  // Time = the stalls (the reads) + 128 chunks x 1 MiB / 1e9 B/s of CPU (bus: 10 us < 1.05 ms).
  const double stall_s = analysis::union_length_s(r.workloads.at(0).memory_stall, sc.duration_s);
  CHECK(close_rel(d.finish_s - d.start_s - stall_s, double(128 * MiB) / 1e9, 1e-9));
}
