// `run --timeline` (sim/engine/timeline.hpp): what the recorder holds after a run with an
// llm-server that batches, one whose every request is too long for its context, and a trainer.
// The slices are the kind's own step counters, one for one, in time order and never overlapping on
// a workload's track; the request records are the kind's; the cap bounds the slices kept. The
// published clock ends at the horizon. Every test case runs in its own process (one engine each).
#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "analysis/report.hpp"
#include "analysis/timeline.hpp"
#include "engine_fixtures.hpp"
#include "in_child.hpp"
#include "toy_trainer.hpp"
#include "models/workloads/trainer/data.hpp"
#include "models/workloads/trainer/spec.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::WeightsMode;

namespace {

// toy_trainer.hpp's decoder, 3 steps of 2 micro-steps.
std::shared_ptr<workloads::TrainerSpec> accumulating_trainer() {
  auto s = toy_trainer(1);
  s->grad_accum = 2;
  return s;
}

// chat: 20 requests/s of 4 + 20 tokens, 4 slots (requests queue and batch); long: 4 + 100 tokens
// in a 64-token context (every request fails at arrival); train: 3 steps of 2 micro-steps.
config::Scenario scenario(std::size_t max_events, std::atomic<double>* clock) {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(8 * GiB), 3);
  auto chat = poisson_server("chat", 256 * MiB, WeightsMode::mmap, 20);
  chat->max_batch = 4;
  chat->kv_budget_bytes = 4 * 64 * chat->kv_bytes_per_token();
  chat->arrivals.output_tokens = 20;
  auto longer = poisson_server("long", 64 * MiB, WeightsMode::mmap, 5);
  longer->arrivals.output_tokens = 100;
  sc.workloads = {chat, longer, accumulating_trainer()};
  sc.timeline_max_events = max_events;
  sc.clock_out_s = clock;
  return sc;
}

// Slices per (workload, name), checking order and overlap on each workload's track as it goes.
std::map<std::pair<std::uint32_t, std::string>, std::size_t> count_slices(const analysis::Timeline& t) {
  std::map<std::pair<std::uint32_t, std::string>, std::size_t> counts;
  std::map<std::uint32_t, double> track_end_s;
  for (const analysis::TimelineSlice& s : t.slices) {
    CHECK(s.begin_s <= s.end_s);
    if (track_end_s.count(s.workload)) CHECK(s.begin_s >= track_end_s[s.workload]);
    track_end_s[s.workload] = s.end_s;
    ++counts[{s.workload, t.names.at(s.name)}];
  }
  return counts;
}

}  // namespace

TEST_CASE("timeline: one slice per prefill, decode and training step, the requests as the kind recorded them") {
  std::atomic<double> clock{-1};
  config::Scenario sc = scenario(1'000'000, &clock);
  const analysis::HostResult h = engine::simulate_host(sc, sc.hosts[0]);
  REQUIRE(h.timeline != nullptr);
  const analysis::Timeline& t = *h.timeline;
  CHECK(clock.load() == 3);
  const auto counts = count_slices(t);
  const workloads::LlmServerData& chat = llm(h.workloads[0]);
  REQUIRE(chat.decode_steps > 10);
  CHECK(counts.at({0, "prefill"}) == chat.prefill_steps);
  CHECK(counts.at({0, "decode"}) == chat.decode_steps);
  const auto* train = dynamic_cast<const workloads::TrainerData*>(h.workloads[2].data.get());
  REQUIRE(train != nullptr);
  CHECK(train->steps_done == 3);
  CHECK(counts.at({2, "train step"}) == 3);
  CHECK(counts.size() == 3);  // the long server never ran a step
  CHECK(t.dropped_slices == 0);
  // Batches: a decode step's batch is at most the 4 slots, and some step batched several.
  double widest = 0;
  for (const analysis::TimelineSlice& s : t.slices) {
    if (t.names[s.name] != "decode") continue;
    REQUIRE(s.arg_keys[0] != analysis::TimelineSlice::kNoArg);
    CHECK(t.names[s.arg_keys[0]] == "batch");
    CHECK(s.arg_values[0] >= 1);
    CHECK(s.arg_values[0] <= 4);
    widest = std::max(widest, s.arg_values[0]);
  }
  CHECK(widest > 1);
  // The training steps end where the kind says its first and last steps ended.
  std::vector<const analysis::TimelineSlice*> steps;
  for (const analysis::TimelineSlice& s : t.slices)
    if (s.workload == 2) steps.push_back(&s);
  REQUIRE(steps.size() == 3);
  CHECK(steps.front()->end_s == train->first_step_end_s);
  CHECK(steps.back()->end_s == train->last_step_end_s);
  // Requests: both servers' records, as they stand at the horizon.
  REQUIRE(t.requests.size() == 2);
  CHECK(t.requests[0].workload == 0);
  CHECK(t.requests[0].requests.size() == chat.requests.size());
  for (std::size_t i = 0; i < chat.requests.size(); ++i) {
    CHECK(t.requests[0].requests[i].arrival_s == chat.requests[i].arrival_s);
    CHECK(t.requests[0].requests[i].finish_s == chat.requests[i].finish_s);
  }
  REQUIRE(!t.requests[1].requests.empty());
  for (const analysis::RequestRecord& r : t.requests[1].requests) CHECK(r.failure == "context too long");
}

TEST_CASE("timeline: the cap keeps the first slices and counts the rest") {
  // The same run uncapped, in a child: its slice count.
  const std::vector<double> uncapped = in_child([] {
    config::Scenario sc = scenario(1'000'000, nullptr);
    const analysis::HostResult h = engine::simulate_host(sc, sc.hosts[0]);
    return std::vector<double>{static_cast<double>(h.timeline->slices.size()), h.timeline->slices[9].end_s};
  });
  config::Scenario sc = scenario(10, nullptr);
  const analysis::HostResult h = engine::simulate_host(sc, sc.hosts[0]);
  REQUIRE(h.timeline != nullptr);
  CHECK(h.timeline->slices.size() == 10);
  CHECK(h.timeline->dropped_slices + 10 == static_cast<std::size_t>(uncapped.at(0)));
  CHECK(h.timeline->slices[9].end_s == uncapped.at(1));
  CHECK(h.timeline->first_dropped_s >= h.timeline->slices[9].begin_s);
}

TEST_CASE("timeline and the published clock change nothing in the report") {
  // The JSON report of the run without either, from a child, as the bytes of its hash.
  auto report = [](const analysis::HostResult& h) {
    analysis::ScenarioResult r;
    r.scenario = "engine-test";
    r.hosts = {h};
    return static_cast<double>(std::hash<std::string>{}(analysis::render(r, analysis::Format::json)) >> 12);
  };
  const std::vector<double> plain = in_child([&] {
    config::Scenario sc = scenario(0, nullptr);
    return std::vector<double>{report(engine::simulate_host(sc, sc.hosts[0]))};
  });
  // With both, and the time series `run --timeline` samples for its counters (left out of the
  // report again, as run_command does).
  std::atomic<double> clock{0};
  config::Scenario sc = scenario(1'000'000, &clock);
  sc.timeseries_interval_s = sc.duration_s / 2000;
  analysis::HostResult h = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(h.timeseries.size() >= 2001);  // k x 0.0015 s before the horizon, then the horizon
  h.timeseries.clear();
  h.timeseries_interval_s = 0;
  CHECK(report(h) == plain.at(0));
}
