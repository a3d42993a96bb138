// Workload lifecycle in the engine (sim/engine/simulate.cpp): start_at, `after` chains, stop_at,
// dependants of a failed workload skipped, memory freed when a workload ends. Test-only kinds: a job
// that holds `bytes` of anonymous memory, touches it every 0.5 s and finishes after `work_s`, and
// one that fails to start.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <simgrid/s4u.hpp>

#include "engine_fixtures.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/simulate.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;
using namespace headroom;
using namespace headroom::test;
using analysis::WorkloadStatus;

namespace {

struct JobSpec : config::WorkloadSpec {
  double work_s = 1;
  std::uint64_t bytes = 0;
};

constexpr double kStep_s = 0.5;

void start_job(engine::WorkloadContext& ctx) {
  const auto& spec = dynamic_cast<const JobSpec&>(ctx.spec);
  const mm::OwnerId owner = ctx.add_process([] {});
  engine::create_actor(ctx.platform, spec.name, ctx.platform.cpu, [&ctx, &spec, owner] {
    const mm::MappingId mapping = ctx.memory.map(owner, mm::Backing::anon, spec.name + ":heap", spec.bytes);
    const double end_s = sg4::Engine::get_clock() + spec.work_s;
    while (sg4::Engine::get_clock() < end_s - 1e-9) {
      if (ctx.stopping() || !ctx.memory.alive(owner)) return;
      if (auto cost = ctx.memory.touch(owner, mapping, 0, spec.bytes, mm::AccessPattern::sequential, true))
        ctx.memory.pay(*cost, ctx.result.memory_stall);
      ctx.sample_memory();
      sg4::this_actor::sleep_for(kStep_s);
    }
    ctx.finished();
  });
}

void start_refusing(engine::WorkloadContext& ctx) {
  ctx.failed(WorkloadStatus::failed_to_start, analysis::Cause::wired_limit, "does not fit");
}

const WorkloadKinds::Registration register_job("test-job", "holds memory, finishes after work_s", nullptr, nullptr,
                                               &start_job);
const WorkloadKinds::Registration register_refusing("test-refuses", "fails to start", nullptr, nullptr,
                                                    &start_refusing);

std::shared_ptr<JobSpec> job(const std::string& name, double work_s, std::uint64_t bytes = 64 * MiB) {
  auto s = std::make_shared<JobSpec>();
  s->name = name;
  s->kind = "test-job";
  s->work_s = work_s;
  s->bytes = bytes;
  return s;
}

const analysis::WorkloadResult& named(const analysis::HostResult& r, const std::string& name) {
  for (const auto& w : r.workloads)
    if (w.name == name) return w;
  throw std::logic_error("no workload " + name);
}

}  // namespace

TEST_CASE("after: a chain starts in order at its predecessors' end times, each freeing its memory") {
  enable_invariant_checks();
  // 1 GiB host, 768 MiB usable: two 600 MiB jobs fit only one after the other, so the chain runs
  // without an OOM kill only if a finished job's memory is freed.
  config::Scenario sc = test_scenario(test_host(1 * GiB), 100);
  auto a = job("a", 5, 600 * MiB), b = job("b", 3, 600 * MiB), c = job("c", 2, 600 * MiB);
  b->after = {"a"};
  c->after = {"b"};
  sc.workloads = {c, b, a};  // declared out of order: the lifecycle follows `after`
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(r.memory.oom_kills == 0);
  CHECK(named(r, "a").start_s == 0);
  CHECK(named(r, "a").end_s == doctest::Approx(5));
  CHECK(named(r, "b").start_s == named(r, "a").end_s);
  CHECK(named(r, "b").end_s == doctest::Approx(8));
  CHECK(named(r, "c").start_s == named(r, "b").end_s);
  CHECK(named(r, "c").end_s == doctest::Approx(10));
  for (const char* name : {"a", "b", "c"}) {
    CHECK(named(r, name).status == WorkloadStatus::finished);
    CHECK(named(r, name).peak.anon_bytes == 600 * MiB);  // each touched its whole heap
  }
}

TEST_CASE("start_at delays a start, and after with start_at waits for both") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 100);
  auto a = job("a", 2), late = job("late", 1), both = job("both", 1);
  late->start_at_s = 3;
  both->after = {"a"};
  both->start_at_s = 6;  // a ends at 2: both waits until 6
  sc.workloads = {a, late, both};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(named(r, "late").start_s == 3);
  CHECK(named(r, "late").end_s == doctest::Approx(4));
  CHECK(named(r, "both").start_s == 6);
}

TEST_CASE("stop_at stops a running workload, frees its memory and releases its dependants") {
  enable_invariant_checks();
  config::Scenario sc = test_scenario(test_host(1 * GiB), 100);
  auto longrun = job("long", 50, 600 * MiB), next = job("next", 1, 600 * MiB);
  longrun->stop_at_s = 4;
  next->after = {"long"};
  sc.workloads = {longrun, next};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(named(r, "long").status == WorkloadStatus::stopped);
  CHECK(named(r, "long").end_s == doctest::Approx(4).epsilon(1e-12));
  CHECK(named(r, "next").status == WorkloadStatus::finished);
  CHECK(named(r, "next").start_s == named(r, "long").end_s);
  CHECK(r.memory.oom_kills == 0);  // the stop freed long's 600 MiB
}

TEST_CASE("dependants of a workload that failed to start are skipped, naming the predecessor") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 100);
  auto refuses = std::make_shared<JobSpec>();
  refuses->name = "gpu";
  refuses->kind = "test-refuses";
  auto b = job("b", 1), c = job("c", 1), free = job("free", 1);
  b->after = {"gpu"};
  c->after = {"b"};
  sc.workloads = {refuses, b, c, free};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(named(r, "gpu").status == WorkloadStatus::failed_to_start);
  CHECK(named(r, "b").status == WorkloadStatus::skipped);
  CHECK(named(r, "b").cause == analysis::Cause::predecessor_failed);
  CHECK(named(r, "b").status_detail == "predecessor 'gpu' failed-to-start");
  CHECK(named(r, "c").status == WorkloadStatus::skipped);
  CHECK(named(r, "c").status_detail == "predecessor 'b' skipped");
  CHECK(named(r, "b").start_s == -1);
  CHECK(named(r, "free").status == WorkloadStatus::finished);
}

TEST_CASE("a workload whose start is beyond the horizon is not-started, one still working is running") {
  config::Scenario sc = test_scenario(test_host(4 * GiB), 10);
  auto never = job("never", 1), busy = job("busy", 50);
  never->start_at_s = 20;
  sc.workloads = {never, busy};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(named(r, "never").status == WorkloadStatus::not_started);
  CHECK(named(r, "never").start_s == -1);
  CHECK(named(r, "busy").status == WorkloadStatus::running);
  CHECK(named(r, "busy").end_s == -1);
}

TEST_CASE("an OOM-killed workload's dependants are skipped") {
  // 1 GiB host: "hog" (900 MiB) cannot fit; the OOM killer takes it.
  config::Scenario sc = test_scenario(test_host(1 * GiB), 100);
  auto hog = job("hog", 10, 900 * MiB), after_hog = job("after-hog", 1);
  after_hog->after = {"hog"};
  sc.workloads = {hog, after_hog};
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);
  CHECK(r.memory.oom_kills == 1);
  CHECK(named(r, "after-hog").status == WorkloadStatus::skipped);
}
