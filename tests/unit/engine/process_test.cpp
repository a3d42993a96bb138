// The `process` kind against closed forms: a footprint ramp peaks at its top, uniform random
// access over a file twice the memory hits at the resident fraction, the asked step rate is met
// without pressure (and CPU-bound above it), and `work` finishes at work / steps_per_s. Every test
// case runs in its own process (one SimGrid engine per process) with the invariants checked.
#include <doctest/doctest.h>

#include <cmath>

#include "engine_fixtures.hpp"
#include "models/workloads/process/result.hpp"
#include "models/workloads/process/spec.hpp"
#include "models/workloads/process/summary.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

std::shared_ptr<config::ProcessSpec> anon_process(std::uint64_t anon_bytes, double steps_per_s,
                                                  std::uint64_t bytes_per_step) {
  auto p = std::make_shared<config::ProcessSpec>();
  p->name = "proc";
  p->kind = "process";
  p->steps = {{0, anon_bytes, 0}};
  p->access.kind = config::AccessKind::sequential;
  p->access.write = true;
  p->steps_per_s = steps_per_s;
  p->bytes_per_step = bytes_per_step;
  return p;
}

struct Run {
  analysis::HostResult host;
  models::ProcessMetrics metrics;
  const models::ProcessData* data = nullptr;
};

Run run(config::Scenario& sc, std::shared_ptr<config::ProcessSpec> spec) {
  enable_invariant_checks();
  sc.workloads = {spec};
  Run r{engine::simulate_host(sc, sc.hosts[0]), {}, nullptr};
  REQUIRE(r.host.workloads.size() == 1);
  r.data = dynamic_cast<const models::ProcessData*>(r.host.workloads[0].data.get());
  REQUIRE(r.data != nullptr);
  const auto m = models::compute_process_metrics(r.host.workloads[0], sc.duration_s);
  REQUIRE(m.has_value());
  r.metrics = *m;
  return r;
}

}  // namespace

TEST_CASE("a footprint ramp peaks at the ramp's top, rounded up to pages") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto p = anon_process(0, 10, 1 * MiB);
  p->steps.clear();
  constexpr std::uint64_t kTo = 1 * GiB + 100;  // not a whole page: the peak is 262,145 pages
  p->ramp = config::RampSpec{64 * MiB, kTo, 5.0};
  // The ramp itself, a pure function: linear between the ends, then flat.
  CHECK(p->footprint_at(0).anon_bytes == 64 * MiB);
  CHECK(p->footprint_at(2.5).anon_bytes == 64 * MiB + (kTo - 64 * MiB) / 2);  // (from + to) / 2, floored
  CHECK(p->footprint_at(5).anon_bytes == kTo);
  CHECK(p->footprint_at(9).anon_bytes == kTo);
  const Run r = run(sc, p);
  // Steps at 0, 0.1, ... 9.9 s; from 5 s on the footprint is the top, every page touched (growth
  // zero-fills it), nothing reclaimed on a 4 GiB host.
  CHECK(r.metrics.peak_anon_bytes == round_to_pages(kTo));
  CHECK(r.metrics.peak_resident_bytes == round_to_pages(kTo));
  CHECK(r.host.memory.peak_anon_bytes == round_to_pages(kTo));
  CHECK(r.metrics.steps_done == 100);
}

TEST_CASE("a shrinking ramp stops touching what it gave up (freed only when discard lands)") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto p = anon_process(0, 10, 1 * MiB);
  p->steps.clear();
  p->ramp = config::RampSpec{512 * MiB, 128 * MiB, 4.0};
  const Run r = run(sc, p);
  CHECK(r.metrics.peak_anon_bytes == 512 * MiB);
  CHECK(r.data->shrunk_bytes == 384 * MiB);  // 512 - 128 MiB given up, in page steps over 4 s
}

TEST_CASE("uniform random access over a file twice the memory hits at the resident fraction") {
  // 128 MiB for the page cache (RAM - 256 MiB OS reserve, tiny watermarks) under a 256 MiB file.
  config::HostSpec host = test_host(256 * MiB + 128 * MiB + 128 * KiB);
  config::Scenario sc = test_scenario(host, 20.05);
  sc.memory.min_free_bytes = 128 * KiB;
  sc.memory.watermark_scale_factor = 1;
  auto p = std::make_shared<config::ProcessSpec>();
  p->name = "db";
  p->kind = "process";
  p->file = config::ProcessFileSpec{"table.db", 256 * MiB, config::FileUse::mmap};
  p->steps = {{0, 0, 256 * MiB}};
  p->access.kind = config::AccessKind::uniform;
  // MADV_RANDOM: every miss reads its page only, so the misses are exactly the pages read (with
  // read-around, the window's unused pages would count as misses here).
  p->access.advice = config::AccessAdvice::random;
  p->steps_per_s = 10;
  p->pages_per_step = 1000;
  const Run r = run(sc, p);
  const double file_pages = static_cast<double>(256 * MiB / kPage);  // 65,536
  // The first step reads the whole file (growth); from then on the cache is full: it holds between
  // capacity - (high - min) and capacity pages, capacity = 128 MiB + 128 KiB - 256 MiB reserve... =
  // RAM - reserve - min watermark = 32,768 pages.
  const double capacity_pages = static_cast<double>(128 * MiB / kPage);
  const double p_high = capacity_pages / file_pages;             // 0.5
  const double p_low = (capacity_pages - 64.0) / file_pages;     // kswapd's band: at most 64 pages here
  // Pattern touches: every distinct sampled page (about 1000 a step); misses are exactly the file
  // reads beyond the growth read (random touches have no readahead).
  const double growth_pages = file_pages;
  const double touched_pages = static_cast<double>(r.data->touched_bytes / kPage) - growth_pages;
  const double missed_pages = static_cast<double>(r.host.memory.file_read_bytes / kPage) - growth_pages;
  const double hit_fraction = (touched_pages - missed_pages) / touched_pages;
  // Hits ~ Binomial(n, p): 4 standard deviations of the fraction, sqrt(p (1 - p) / n), with
  // n = about 200,000 pages: 4 x 0.00112 = 0.0045. Seed 42 fixed, so the check is deterministic.
  const double four_sigma = 4.0 * std::sqrt(0.25 / touched_pages);
  MESSAGE("hit fraction " << hit_fraction << " over " << touched_pages << " pages; resident fraction in [" << p_low
                          << ", " << p_high << "], 4 sigma " << four_sigma);
  CHECK(touched_pages > 190000);
  CHECK(hit_fraction >= p_low - four_sigma);
  CHECK(hit_fraction <= p_high + four_sigma);
  CHECK(r.metrics.touches.rfind("sampled", 0) == 0);
}

TEST_CASE("without pressure a process runs at the asked rate: 100 steps/s asked, 2 ms of CPU each") {
  {
    config::Scenario sc = test_scenario(test_host(4 * GiB), 10.001);
    auto p = anon_process(64 * MiB, 100, 1 * MiB);
    p->cpu_per_step_s = 2e-3;
    const Run r = run(sc, p);
    // Steps begin every 1 / 100 s; the one at 10.000 s ends its 2 ms of work after the horizon.
    CHECK(r.metrics.steps_done == 1000);
    CHECK(close_rel(*r.metrics.warm_step_s, 1.0 / 100, 1e-9));
    CHECK(close_rel(r.metrics.steps_per_s_achieved, 1000 / 10.001, 1e-9));  // 99.99 steps/s
    CHECK(r.metrics.keeps_up);
    CHECK(r.metrics.memory_stall_s == 0);
  }
}

// One engine per process: a second case rather than a subcase.
TEST_CASE("above what its CPU allows a process is CPU-bound: 1000 steps/s asked, 2 ms each, 500 done") {
  {
    config::Scenario sc = test_scenario(test_host(4 * GiB), 10.001);
    auto p = anon_process(64 * MiB, 1000, 1 * MiB);
    p->cpu_per_step_s = 2e-3;
    const Run r = run(sc, p);
    // Each step: max(2e15 FLOP / 1e18 FLOP/s, 1 MiB / 100e9 B/s) = 2 ms (roofline); no sleep.
    CHECK(close_rel(*r.metrics.warm_step_s, 2e-3, 1e-9));
    CHECK(r.metrics.steps_done == 5000);  // 10.001 s / 2 ms, the step cut by the horizon not done
    CHECK(close_rel(r.metrics.steps_per_s_achieved, 500, 1e-3));
    CHECK_FALSE(r.metrics.keeps_up);
  }
}

TEST_CASE("work: N steps finishes at N / steps_per_s and frees its memory") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto p = anon_process(256 * MiB, 100, 1 * MiB);
  p->cpu_per_step_s = 1e-3;
  p->work_steps = 250;
  const Run r = run(sc, p);
  CHECK(r.data->finished);
  CHECK(r.metrics.steps_done == 250);
  CHECK(close_rel(*r.metrics.time_to_finish_s, 250.0 / 100, 1e-9));  // 2.5 s
  CHECK(*r.metrics.progress == 1.0);
  CHECK(close_rel(r.metrics.steps_per_s_achieved, 100, 1e-9));
  CHECK(r.metrics.keeps_up);
  // The peak was the whole array; the busy time ends with the last step's work.
  CHECK(r.host.memory.peak_anon_bytes == 256 * MiB);
  REQUIRE_FALSE(r.host.workloads[0].busy.empty());
  CHECK(r.host.workloads[0].busy.back().end_s < 2.5);
}

TEST_CASE("work not done by the horizon: progress fraction, no time to finish") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1.0005);
  auto p = anon_process(16 * MiB, 100, 1 * MiB);
  p->work_steps = 400;
  const Run r = run(sc, p);
  CHECK_FALSE(r.data->finished);
  CHECK_FALSE(r.metrics.time_to_finish_s.has_value());
  CHECK(r.metrics.steps_done == 101);  // steps at 0, 0.01, ..., 1.00 s; their work takes no time
  CHECK(close_rel(*r.metrics.progress, 101.0 / 400, 1e-12));
}

TEST_CASE("a process growing past memory with no swap is OOM-killed, the other process keeps running") {
  // 1 GiB for both (RAM - 256 MiB reserve), no swap: the ramp to 2 GiB cannot be held.
  config::Scenario sc = test_scenario(test_host(1 * GiB + 256 * MiB), 10);
  auto small = anon_process(128 * MiB, 10, 1 * MiB);
  small->name = "editor";
  auto big = anon_process(0, 10, 1 * MiB);
  big->name = "leak";
  big->steps.clear();
  big->ramp = config::RampSpec{64 * MiB, 2 * GiB, 4.0};
  enable_invariant_checks();
  sc.workloads = {small, big};
  const analysis::HostResult host = engine::simulate_host(sc, sc.hosts[0]);
  REQUIRE(host.workloads.size() == 2);
  CHECK(host.memory.oom_kills == 1);
  CHECK(host.workloads[1].status == analysis::WorkloadStatus::oom_killed);  // the largest badness: the leak
  CHECK(host.workloads[0].status == analysis::WorkloadStatus::running);
  const auto editor = models::compute_process_metrics(host.workloads[0], sc.duration_s);
  const auto leak = models::compute_process_metrics(host.workloads[1], sc.duration_s);
  REQUIRE(editor.has_value());
  REQUIRE(leak.has_value());
  CHECK(editor->steps_done == 100);  // every step of the 10 s at 10/s
  CHECK(leak->steps_done < 20);      // killed before 2 s: 64 MiB + 1984 MiB x t / 4 s passes 1 GiB at t < 2 s
  CHECK_FALSE(leak->keeps_up);
}
