// kind: trainer: what the parser makes of each key (models/workloads/trainer/parse.cpp); the bad
// values are in tests/malformed/train_*.yaml.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "models/workloads/trainer/spec.hpp"
#include "sim/config/scenario_loader.hpp"

using namespace headroom;
namespace fs = std::filesystem;

namespace {

config::Scenario load_text(const std::string& name, const std::string& workloads) {
  const fs::path dir = fs::temp_directory_path() / ("headroom-trainer-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / (name + ".yaml");
  std::ofstream(path) << "name: t\nduration: 10min\nhosts: [ddr5-2x48]\nworkloads:\n" << workloads;
  return config::load_scenario(path.string(), std::string(HEADROOM_SOURCE_DIR) + "/models/catalog");
}

const workloads::TrainerSpec& trainer(const config::Scenario& s) {
  const auto* spec = dynamic_cast<const workloads::TrainerSpec*>(s.workloads.at(0).get());
  REQUIRE(spec != nullptr);
  return *spec;
}

}  // namespace

TEST_CASE("trainer: defaults are a full AdamW fine-tune, micro-batch 1 of 512 tokens, on the CPU") {
  const config::Scenario s = load_text("defaults", "  - {name: ft, kind: trainer, model: llama-2-7b}\n");
  const workloads::TrainerSpec& t = trainer(s);
  CHECK(t.method == workloads::TrainMethod::full);
  CHECK(t.optimizer == workloads::Optimizer::adamw);
  CHECK(t.micro_batch == 1);
  CHECK(t.seq_len == 512);
  CHECK(t.grad_accum == 1);
  CHECK(t.checkpointing == workloads::Checkpointing::none);
  CHECK(t.device == workloads::TrainDevice::cpu);
  CHECK_FALSE(t.offload_optimizer);
  CHECK(t.steps == 0);
  CHECK(t.dataloader.workers == 0);
  CHECK(t.model.ffn == 11008);
}

TEST_CASE("trainer: epochs of a dataset become ceil(E x S / (micro_batch x grad_accum)) steps") {
  const config::Scenario s = load_text("epochs",
                                       "  - name: ft\n    kind: trainer\n    model: bert-large\n    micro_batch: 8\n"
                                       "    grad_accum: 4\n    seq_len: 128\n    epochs: 1.5\n    dataset_samples: 1000\n"
                                       "    dataloader: {workers: 2, worker_memory: 100MiB}\n");
  const workloads::TrainerSpec& t = trainer(s);
  CHECK(t.steps == 47);  // 1500 / 32 = 46.875
  CHECK(t.dataset_samples == 1000);
  CHECK(t.sample_bytes() == 24 * 128);  // int64 input_ids, labels, attention_mask
  CHECK(t.dataloader.prefetch == 2);
  CHECK(t.dataloader_bytes(8) == 2 * (2 * 8 * 24 * 128 + 100 * (1ULL << 20)));
}

TEST_CASE("trainer: a LoRA on GPT-2 XL (GeLU MLP) adapts q, k, v, o, up and down by default, no gate") {
  const config::Scenario s = load_text("lora", "  - {name: ft, kind: trainer, model: gpt2-xl, method: lora, lora: {rank: 8}}\n");
  const workloads::TrainerSpec& t = trainer(s);
  CHECK_FALSE(t.gated_mlp());
  CHECK_FALSE(t.lora_targets.gate);
  // 8 x 48 layers x (4 x (1600 + 1600) + 2 x (1600 + 6400)) = 384 x 28,800
  CHECK(t.adapter_params() == 384ULL * 28'800ULL);
}

TEST_CASE("trainer: the sim/config/README.md example loads as documented") {
  const config::Scenario s = load_text("readme",
                                       "  - name: ft\n    kind: trainer\n    model: llama-2-13b\n    method: lora\n"
                                       "    optimizer: adamw\n    lora: {rank: 16, targets: [q, k, v, o, gate, up, down]}\n"
                                       "    micro_batch: 4\n    seq_len: 2048\n    grad_accum: 2\n"
                                       "    checkpointing: selective\n    device: gpu\n    offload: optimizer\n"
                                       "    dataloader: {workers: 4, prefetch: 2, sample_bytes: 48KiB, worker_memory: 300MiB}\n"
                                       "    steps: 100\n");
  const workloads::TrainerSpec& t = trainer(s);
  CHECK(t.method == workloads::TrainMethod::lora);
  CHECK(t.lora_rank == 16);
  CHECK(t.lora_targets.gate);
  CHECK(t.micro_batch == 4);
  CHECK(t.seq_len == 2048);
  CHECK(t.grad_accum == 2);
  CHECK(t.checkpointing == workloads::Checkpointing::selective);
  CHECK(t.device == workloads::TrainDevice::gpu);
  CHECK(t.offload_optimizer);
  CHECK(t.dataloader.workers == 4);
  CHECK(t.sample_bytes() == 48 * 1024);
  CHECK(t.dataloader.worker_memory_bytes == 300ULL << 20);
  CHECK(t.steps == 100);
}
