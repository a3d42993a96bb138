// kinds rl and dataset: what the parsers make of each key (models/workloads/rl/parse.cpp,
// models/workloads/dataset/parse.cpp); the bad values are in tests/malformed/rl_*.yaml, data_*.yaml.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/workloads/dataset/spec.hpp"
#include "models/workloads/rl/spec.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom::config;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t MiB = 1ULL << 20, GiB = 1ULL << 30;

Scenario load_text(const std::string& name, const std::string& workloads) {
  const fs::path dir = fs::temp_directory_path() / ("headroom-rl-data-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / (name + ".yaml");
  std::ofstream(path) << "name: p\nduration: 10min\nseed: 3\nhosts: [ddr5-2x48]\nworkloads:\n" << workloads;
  return load_scenario(path.string(), std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
}

}  // namespace

TEST_CASE("rl: frame 84x84x4 is 28224 bytes a transition and the defaults of batch update_every learning_starts device") {
  const Scenario s = load_text("rl",
                               "  - name: dqn\n    kind: rl\n    envs: 16\n    env_memory: 130MB\n"
                               "    env_cpu_per_step: 2ms\n    replay: {capacity: 1000000, frame: 84x84x4}\n"
                               "    policy: {params: 1693362}\n");
  const auto* rl = dynamic_cast<const RlSpec*>(s.workloads.at(0).get());
  REQUIRE(rl != nullptr);
  CHECK(rl->transition_bytes == 28'224);
  CHECK(*rl->replay_bytes() == 28'224'000'000ull);
  CHECK(*rl->envs_bytes() == 16 * 130'000'000ull);
  CHECK(rl->env_cpu_per_step_s == doctest::Approx(2e-3));
  CHECK(rl->batch == 32);
  CHECK(rl->update_every == 4);
  CHECK(rl->learning_starts == 32);
  CHECK(rl->device == RlDevice::cpu);
  CHECK(rl->work_steps == 0);
  CHECK(rl->policy_bytes() == 16 * 1'693'362ull);
}

TEST_CASE("rl: transition_bytes and gpu device and steps") {
  const Scenario s = load_text("rl2",
                               "  - name: sac\n    kind: rl\n    envs: 4\n    env_memory: 1GiB\n"
                               "    env_cpu_per_step: 1ms\n    replay: {capacity: 1000, transition_bytes: 1MiB}\n"
                               "    batch: 256\n    update_every: 2\n    learning_starts: 500\n"
                               "    policy: {params: 5e6, device: gpu}\n    steps: 4000\n");
  const auto* rl = dynamic_cast<const RlSpec*>(s.workloads.at(0).get());
  REQUIRE(rl != nullptr);
  CHECK(rl->transition_bytes == MiB);
  CHECK(rl->learning_starts == 500);
  CHECK(rl->device == RlDevice::gpu);
  CHECK(rl->work_steps == 4000);
  CHECK(rl->policy_params == 5e6);
}

TEST_CASE("dataset: the defaults (stream with 1 epoch of 64 MiB chunks from <name>.corpus) and every mode") {
  const Scenario s = load_text("ds",
                               "  - name: a\n    kind: dataset\n    size: 40GiB\n    process_rate: 200MB/s\n"
                               "  - name: b\n    kind: dataset\n    size: 10GiB\n    mode: load\n    epochs: 3\n"
                               "    process_rate: 1GB/s\n    chunk: 256MiB\n    dedup_bytes_per_gb: 64MiB\n    file: c.jsonl\n"
                               "  - name: c\n    kind: dataset\n    size: 10GiB\n    mode: random\n    record: 8KiB\n"
                               "    process_rate: 1GB/s\n    file: c.jsonl\n");
  const auto* a = dynamic_cast<const DatasetSpec*>(s.workloads.at(0).get());
  const auto* b = dynamic_cast<const DatasetSpec*>(s.workloads.at(1).get());
  const auto* c = dynamic_cast<const DatasetSpec*>(s.workloads.at(2).get());
  REQUIRE((a && b && c));
  CHECK(a->mode == DatasetMode::stream);
  CHECK(a->epochs == 1);
  CHECK(a->chunk_bytes == 64 * MiB);
  CHECK(a->file == "a.corpus");
  CHECK(a->chunks() == 640);
  CHECK(a->process_rate_Bps == 200e6);
  CHECK(b->mode == DatasetMode::load);
  CHECK(b->epochs == 3);
  CHECK(b->dedup_bytes(GiB) == 72'057'594);  // 2^30 x 2^26 / 1e9, floored
  CHECK(c->mode == DatasetMode::random);
  CHECK(c->record_bytes == 8192);
  CHECK(c->file == "c.jsonl");  // shared with b: one page-cache copy
}
