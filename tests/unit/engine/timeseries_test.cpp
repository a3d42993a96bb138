// `run --timeseries-interval`: the engine's time series against a closed form. A process holds
// 10 MiB of anonymous memory from 0 s, then 100 MiB plus a 64 MiB file mmap'd and read from 2 s
// (one step a second: the footprint changes at the step at 2 s); the host has nothing else
// anonymous or cached, so at the half-second samples the host's anon and file figures and the
// process's RSS are those sizes exactly. The cumulative counters end at the run's totals.
#include <doctest/doctest.h>

#include "engine_fixtures.hpp"
#include "models/workloads/process/spec.hpp"
#include "sim/engine/simulate.hpp"
#include "analysis/summary.hpp"

using namespace headroom;
using namespace headroom::test;

namespace {

analysis::HostResult run_sampled(double interval_s, double duration_s) {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(4 * GiB), duration_s);
  auto p = std::make_shared<config::ProcessSpec>();
  p->name = "proc";
  p->kind = "process";
  p->file = config::ProcessFileSpec{"data.bin", 64 * MiB, config::FileUse::mmap};
  p->steps = {{0, 10 * MiB, 0}, {2.0, 100 * MiB, 64 * MiB}};
  p->access.kind = config::AccessKind::sequential;
  p->steps_per_s = 1;
  p->bytes_per_step = 4 * KiB;
  p->cpu_per_step_s = 1e-3;
  sc.workloads = {p};
  sc.timeseries_interval_s = interval_s;
  return engine::simulate_host(sc, sc.hosts[0]);
}

}  // namespace

TEST_CASE("time series: host anon/file and the process's RSS at each half second, totals at the horizon") {
  const analysis::HostResult h = run_sampled(0.5, 5);
  // k x 0.5 s for k = 0..9 (before the 5 s horizon), then the horizon: 11 samples.
  REQUIRE(h.timeseries.size() == 11);
  CHECK(h.timeseries_interval_s == 0.5);
  for (std::size_t k = 0; k < h.timeseries.size(); ++k) CHECK(h.timeseries[k].time_s == doctest::Approx(0.5 * k));
  for (const double t : {0.5, 1.5}) {
    const analysis::TimeSample& s = h.timeseries[static_cast<std::size_t>(t * 2)];
    CAPTURE(t);
    CHECK(s.anon_bytes == 10 * MiB);
    CHECK(s.file_bytes == 0);
    CHECK(s.workload_rss_bytes == std::vector<std::uint64_t>{10 * MiB});
    CHECK(s.pgmajfault == 0);
  }
  for (const double t : {2.5, 3.5, 4.5, 5.0}) {
    const analysis::TimeSample& s = h.timeseries[static_cast<std::size_t>(t * 2)];
    CAPTURE(t);
    CHECK(s.anon_bytes == 100 * MiB);
    CHECK(s.file_bytes == 64 * MiB);
    CHECK(s.workload_rss_bytes == std::vector<std::uint64_t>{164 * MiB});  // mmap'd file pages count in RSS
    CHECK(s.swap_bytes == 0);
  }
  // Cumulative figures: never decreasing, ending at the run's totals.
  for (std::size_t k = 1; k < h.timeseries.size(); ++k) {
    CHECK(h.timeseries[k].pgmajfault >= h.timeseries[k - 1].pgmajfault);
    CHECK(h.timeseries[k].psi_some_s >= h.timeseries[k - 1].psi_some_s);
  }
  const analysis::TimeSample& last = h.timeseries.back();
  CHECK(last.pgmajfault == h.memory.major_faults);
  CHECK(last.pgmajfault > 0);  // the file's first read faulted
  CHECK(h.timeseries[5].pgmajfault == h.memory.major_faults);  // 2.5 s: all of them, at the 2 s step
  CHECK(last.pswpin == h.memory.swap_in_bytes / kPage);
  CHECK(last.pswpout == h.memory.swap_out_bytes / kPage);
  const analysis::Psi psi = analysis::memory_pressure(h.workloads, h.horizon_s);
  CHECK(last.psi_some_s == psi.some_s);
  CHECK(last.psi_full_s == psi.full_s);
  CHECK(psi.some_s > 0);  // reading 64 MiB from the SSD stalled it
  CHECK(h.timeseries[3].psi_some_s == 0);  // 1.5 s: no stall before the file
}

TEST_CASE("time series: none without the interval") {
  CHECK(run_sampled(0, 3).timeseries.empty());
}

TEST_CASE("time series: an interval longer than the horizon samples 0 and the horizon") {
  const analysis::HostResult h = run_sampled(10, 3);
  REQUIRE(h.timeseries.size() == 2);
  CHECK(h.timeseries[0].time_s == 0);
  CHECK(h.timeseries[1].time_s == 3);
  CHECK(h.timeseries[1].anon_bytes == 100 * MiB);
}
