// The `recorded` kind against closed forms: with ample memory its footprint is the series' at every
// sample (anonymous pages resident, its private file's pages cached, to the page), a step costs the
// file growth read from the SSD plus the re-touch over the bus; under pressure the memory manager
// decides: a footprint over RAM without swap is OOM-killed at the sample that asks for it, one
// with swap keeps every page either resident or in swap and, re-touching its footprint each
// sample, swaps pages back in (access: growth does not). Every test case runs in its own process
// with the invariants checked.
#include <doctest/doctest.h>

#include <limits>

#include "engine_fixtures.hpp"
#include "models/workloads/recorded/result.hpp"
#include "models/workloads/recorded/spec.hpp"
#include "models/workloads/recorded/summary.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

std::shared_ptr<config::RecordedSpec> recorded(std::vector<config::RecordedStep> steps) {
  auto r = std::make_shared<config::RecordedSpec>();
  r->name = "db";
  r->kind = "recorded";
  r->series = "series.csv";
  r->format = "csv";
  r->steps = std::move(steps);
  for (const auto& s : r->steps) {
    r->peak_anon_bytes = std::max(r->peak_anon_bytes, s.anon_bytes);
    r->peak_file_bytes = std::max(r->peak_file_bytes, s.file_bytes);
  }
  r->series_samples = r->steps.size();
  r->file_name = "recorded:db";
  if (r->peak_file_bytes > 0) r->files.push_back({r->file_name, r->peak_file_bytes, {}});
  return r;
}

struct Run {
  analysis::HostResult host;
  const models::RecordedData* data = nullptr;
  models::RecordedMetrics metrics;
};

Run run(config::Scenario& sc, std::shared_ptr<config::RecordedSpec> spec) {
  enable_invariant_checks();
  sc.workloads = {spec};
  Run r{engine::simulate_host(sc, sc.hosts[0]), nullptr, {}};
  REQUIRE(r.host.workloads.size() == 1);
  r.data = dynamic_cast<const models::RecordedData*>(r.host.workloads[0].data.get());
  REQUIRE(r.data != nullptr);
  const auto m = models::compute_recorded_metrics(r.host.workloads[0], sc.duration_s);
  REQUIRE(m.has_value());
  r.metrics = *m;
  return r;
}

}  // namespace

TEST_CASE("with ample memory the footprint is the series' at every sample, up and down") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 4);
  // anon and file going up, then down (not whole pages: rounded up to 4 KiB)
  const std::vector<config::RecordedStep> steps = {
      {0, 256 * MiB, 128 * MiB}, {1, 1 * GiB + 100, 256 * MiB}, {2, 512 * MiB, 64 * MiB}, {3, 0, 192 * MiB}};
  const Run r = run(sc, recorded(steps));
  REQUIRE(r.data->points.size() == 4);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    INFO("sample " << i);
    const auto& p = r.data->points[i];
    CHECK(p.anon_resident_bytes == round_to_pages(steps[i].anon_bytes));
    CHECK(p.file_resident_bytes == round_to_pages(steps[i].file_bytes));
    CHECK(p.swap_bytes == 0);
    CHECK(p.time_s >= steps[i].at_s);
    CHECK(p.time_s < steps[i].at_s + 0.5);  // reached well before the next sample
  }
  CHECK(r.metrics.samples_replayed == 4);
  CHECK(r.metrics.late_samples == 0);
  CHECK(r.metrics.keeps_up);
  CHECK(r.metrics.peak_anon_bytes == round_to_pages(1 * GiB + 100));
  CHECK(r.metrics.peak_file_bytes == 256 * MiB);
  CHECK(r.host.memory.oom_kills == 0);
  CHECK(r.host.memory.peak_anon_bytes == round_to_pages(1 * GiB + 100));
}

TEST_CASE("a step costs the file growth read from the SSD plus the re-touch over the bus") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 2);
  const Run r = run(sc, recorded({{0, 256 * MiB, 128 * MiB}, {1, 1 * GiB, 256 * MiB}}));
  REQUIRE(r.data->points.size() == 2);
  // Sample 1: anon grows 768 MiB (zero fill, free on the test host), the file grows 128 MiB (one
  // sequential read: a latency + bytes / SSD bandwidth), then the 256 MiB anon + 128 MiB file held
  // before are re-touched: 384 MiB over the 100 GB/s bus.
  const double expected_s = 100e-6 + 128.0 * MiB / 2e9 + 384.0 * MiB / 100e9;
  CHECK(r.data->points[1].time_s - 1.0 == doctest::Approx(expected_s).epsilon(0.01));
  // Sample 0 has nothing to re-touch: the file read alone.
  CHECK(r.data->points[0].time_s == doctest::Approx(100e-6 + 128.0 * MiB / 2e9).epsilon(0.01));
}

TEST_CASE("a footprint over RAM without swap is OOM-killed at the sample that asks for it") {
  config::Scenario sc = test_scenario(test_host(1 * GiB), 5);
  const Run r = run(sc, recorded({{0, 256 * MiB, 0}, {1, 512 * MiB, 0}, {2, 2 * GiB, 0}, {3, 256 * MiB, 0}}));
  CHECK(r.host.workloads[0].status == analysis::WorkloadStatus::oom_killed);
  CHECK(r.host.memory.oom_kills == 1);
  CHECK(r.metrics.samples_replayed == 2);  // samples 0 and 1; killed growing to sample 2's 2 GiB
  CHECK(r.host.workloads[0].end_s >= 2.0);
  CHECK(r.host.workloads[0].end_s < 3.0);
  CHECK_FALSE(r.metrics.keeps_up);
}

// 1 GiB of anonymous memory on a 1 GiB host (256 MiB reserve) with 2 GiB of swap, held 4 samples
// 20 s apart (a re-touch through swap takes seconds).
std::vector<config::RecordedStep> one_gib_held() {
  return {{0, 1 * GiB, 0}, {20, 1 * GiB, 0}, {40, 1 * GiB, 0}, {60, 1 * GiB, 0}};
}
config::HostSpec host_with_swap() {
  config::HostSpec host = test_host(1 * GiB);
  host.swap_bytes = 2 * GiB;
  return host;
}

TEST_CASE("with swap every page stays resident or swapped, and re-touching the footprint swaps it back in") {
  config::Scenario sc = test_scenario(host_with_swap(), 80);
  auto spec = recorded(one_gib_held());
  spec->at_end = config::RecordedEnd::exit;  // four samples, no holding after them
  const Run r = run(sc, spec);
  REQUIRE(r.data->points.size() == 4);
  for (const auto& p : r.data->points) CHECK(p.anon_resident_bytes + p.swap_bytes == 1 * GiB);
  const std::uint64_t out_first = r.data->points[0].swap_bytes;
  CHECK(out_first > 0);  // 1 GiB does not fit beside the 256 MiB reserve
  CHECK(r.data->points[3].swap_bytes == out_first);  // the same share out after every sweep
  CHECK(r.host.memory.oom_kills == 0);
  // Each later sample re-touches the whole GiB in order, a sweep larger than memory: under LRU
  // order every page was swapped out before its turn came, so every sweep swaps all of it back in,
  // 3 x 1 GiB (the classic sequential-scan pathology, as the kernel shows in kernel-anon-sweep).
  CHECK(r.host.memory.swap_in_bytes == 3 * GiB);
  CHECK(r.metrics.memory_stall_s > 0);
}

TEST_CASE("with swap and access: growth, pages written once are never swapped back in") {
  config::Scenario sc = test_scenario(host_with_swap(), 80);
  auto spec = recorded(one_gib_held());
  spec->access = config::RecordedAccess::growth;
  spec->at_end = config::RecordedEnd::exit;
  const Run r = run(sc, spec);
  CHECK(r.host.memory.swap_in_bytes == 0);
  CHECK(r.data->points.back().swap_bytes > 0);
  CHECK(r.data->points.back().swap_bytes == r.data->points[0].swap_bytes);  // nothing moved after the growth
  for (const auto& p : r.data->points) CHECK(p.anon_resident_bytes + p.swap_bytes == 1 * GiB);
}

TEST_CASE("after the last sample it holds the footprint, re-touched every mean interval") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 9);
  auto hold = recorded({{0, 64 * MiB, 0}, {2, 128 * MiB, 0}});
  hold->hold_period_s = 2.0;
  const Run h = run(sc, hold);
  CHECK(h.metrics.samples_replayed == 2);
  CHECK(h.metrics.hold_steps == 3);  // at 4, 6 and 8 s (the horizon is 9 s)
  CHECK(h.data->points.size() == 5);
  CHECK(h.host.workloads[0].status == analysis::WorkloadStatus::running);
}

TEST_CASE("with at_end: exit it finishes at the last sample and frees its memory") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto exit = recorded({{0, 64 * MiB, 0}, {2, 128 * MiB, 0}});
  exit->at_end = config::RecordedEnd::exit;
  const Run e = run(sc, exit);
  CHECK(e.host.workloads[0].status == analysis::WorkloadStatus::finished);
  CHECK(e.host.workloads[0].end_s == doctest::Approx(2.0).epsilon(0.01));
  CHECK(e.metrics.hold_steps == 0);
  CHECK(e.metrics.samples_replayed == 2);
}

TEST_CASE("a /proc/PID/status series maps its file memory: it counts in the workload's RSS") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 3);
  auto spec = recorded({{0, 256 * MiB, 128 * MiB}, {1, 256 * MiB, 192 * MiB}});
  spec->file_mapped = true;
  spec->at_end = config::RecordedEnd::exit;
  const Run r = run(sc, spec);
  REQUIRE(r.data->points.size() == 2);
  CHECK(r.data->points[1].file_resident_bytes == 192 * MiB);
  CHECK(r.metrics.peak_resident_bytes == 256 * MiB + 192 * MiB);  // anon + mapped file (read() would be 256 MiB)
}

TEST_CASE("an infinite hold period (a huge time_scale) holds without stepping again") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 5);
  auto spec = recorded({{0, 64 * MiB, 0}});
  spec->hold_period_s = std::numeric_limits<double>::infinity();
  const Run r = run(sc, spec);
  CHECK(r.metrics.samples_replayed == 1);
  CHECK(r.metrics.hold_steps == 0);
  CHECK(r.host.workloads[0].status == analysis::WorkloadStatus::running);
  CHECK(r.data->points[0].anon_resident_bytes == 64 * MiB);  // still held at the horizon
}
