// kind: process: its metrics from a hand-made ProcessData (models/workloads/process/summary.cpp).
#include <doctest/doctest.h>

#include <memory>

#include "models/workloads/process/result.hpp"
#include "models/workloads/process/summary.hpp"

using namespace headroom;

namespace {

analysis::WorkloadResult with_data(const models::ProcessData& d) {
  analysis::WorkloadResult w;
  w.name = "p";
  w.kind = "process";
  w.data = std::make_shared<models::ProcessData>(d);
  return w;
}

}  // namespace

TEST_CASE("process metrics: rates, warm step, progress, stall, keeps up") {
  models::ProcessData d;
  d.asked_steps_per_s = 10;
  d.pattern = "uniform";
  d.sampled = true;
  d.step_bytes = 4096000;
  d.start_s = 2;
  d.steps_done = 40;
  d.first_step_end_s = 3;
  d.last_step_end_s = 42;  // 39 warm steps in 39 s
  d.work_steps = 100;
  d.peak_anon_bytes = 1 << 20;
  analysis::WorkloadResult w = with_data(d);
  w.memory_stall = {{5, 7}, {6, 8}, {50, 60}};  // union inside the 42 s horizon: 3 s
  const auto m = models::compute_process_metrics(w, 42);
  REQUIRE(m.has_value());
  CHECK(m->steps_per_s_achieved == doctest::Approx(40.0 / 40));  // 40 steps in 42 - 2 s
  CHECK(*m->warm_step_s == doctest::Approx(1.0));
  CHECK(m->memory_stall_s == doctest::Approx(3.0));
  CHECK(*m->progress == doctest::Approx(0.4));
  CHECK_FALSE(m->time_to_finish_s.has_value());
  CHECK_FALSE(m->keeps_up);  // 1/s of 10/s asked
  CHECK(m->keeps_up_reason == "achieved 1.000/s of 10.000/s asked; 40 of 100 steps of work done by the horizon");
  CHECK(m->touches.rfind("sampled: 4096000 bytes of pages per step", 0) == 0);
  const nlohmann::ordered_json j = models::process_metrics(w, 42);
  CHECK(j.begin().key() == "pattern");
  CHECK(j["steps_done"] == 40);
  CHECK(j["time_to_finish_s"].is_null());
  CHECK(j["peak_anon_bytes"] == 1 << 20);
}

TEST_CASE("process metrics: finished work keeps up at the asked rate, no data, no metrics") {
  models::ProcessData d;
  d.asked_steps_per_s = 100;
  d.pattern = "sequential";
  d.start_s = 0;
  d.steps_done = 250;
  d.work_steps = 250;
  d.finished = true;
  d.finish_s = 2.5;
  const auto m = models::compute_process_metrics(with_data(d), 10);
  REQUIRE(m.has_value());
  CHECK(*m->time_to_finish_s == doctest::Approx(2.5));
  CHECK(m->steps_per_s_achieved == doctest::Approx(100));
  CHECK(m->keeps_up);
  CHECK(m->touches.rfind("deterministic", 0) == 0);
  analysis::WorkloadResult llm;
  llm.kind = "llm-server";
  CHECK_FALSE(models::compute_process_metrics(llm, 10).has_value());
  CHECK(models::process_metrics(llm, 10).is_null());
}
