// A toy decoder for trainer tests (trainer_test.cpp, timeline_test.cpp), with round shapes: 1 layer,
// h = 1024, 8 heads of 128, 2 KV heads (GQA), SwiGLU f = 2048, vocab 1000, 16M params (counted as
// given, not from the shapes); 3 steps of sequence length 256.
#pragma once

#include <cstdint>
#include <memory>

#include "models/workloads/trainer/spec.hpp"

namespace headroom::test {

inline std::shared_ptr<workloads::TrainerSpec> toy_trainer(std::uint64_t micro_batch) {
  auto s = std::make_shared<workloads::TrainerSpec>();
  s->name = "train";
  s->kind = "trainer";
  s->model.id = "toy";
  s->model.params = s->model.active_params = 16e6;
  s->model.layers = 1;
  s->model.hidden = 1024;
  s->model.heads = 8;
  s->model.kv_heads = 2;
  s->model.head_dim = 128;
  s->model.max_context = 4096;
  s->model.ffn = 2048;
  s->model.vocab = 1000;
  s->micro_batch = micro_batch;
  s->seq_len = 256;
  s->steps = 3;
  return s;
}

}  // namespace headroom::test
