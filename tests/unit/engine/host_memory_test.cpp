// The engine's conversion of a TouchCost into simulated time on the shared SSD, the platform's
// exact timings, and the workload registry. Each test case runs in its own process.
#include <doctest/doctest.h>

#include <simgrid/s4u.hpp>

#include "engine_fixtures.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/simulate.hpp"
#include "sim/engine/workload_registry.hpp"

using namespace headroom;
using namespace headroom::test;
namespace sg4 = simgrid::s4u;

TEST_CASE("pay: fault reads with one latency per fault wait, then a synchronous direct-reclaim write") {
  enable_invariant_checks();
  auto engine = engine::create_engine();
  const config::HostSpec host = test_host(4 * GiB);  // SSD 2 GB/s read, 1 GB/s write, 100 us
  engine::Platform platform = engine::build_platform(host);
  config::MemorySpec io_only;
  io_only.swap_page_cpu_cost_s = 0;  // pure I/O timings (the swap CPU cost: kernel_measurements_test)
  engine::HostMemory memory(host, io_only, platform);
  std::vector<analysis::Interval> stalls;
  sg4::Actor::create("w", platform.cpu, [&] {
    sg4::this_actor::sleep_for(1);
    mm::TouchCost c;
    c.file_read_bytes = 1'000'000'000;  // 0.5 s at 2 GB/s
    c.file_read_ios = 7;
    c.swap_in_bytes = 1'000'000'000;  // read together with the file bytes: 0.5 s
    c.swap_in_ios = 3;
    c.fault_waits = 10;               // 10 waits x 100 us = 1 ms (requests do not add latency)
    c.direct_write_bytes = 500'000'000;  // 0.5 s at 1 GB/s
    memory.pay(c, stalls);
  });
  engine->run();
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].begin_s == 1.0);
  CHECK(close_rel(stalls[0].end_s, 1.0 + 0.001 + 1.0 + 0.5, 1e-12));
}

TEST_CASE("pay: kswapd's writes do not stall the caller but take disk bandwidth") {
  auto engine = engine::create_engine();
  const config::HostSpec host = test_host(4 * GiB);
  engine::Platform platform = engine::build_platform(host);
  engine::HostMemory memory(host, config::MemorySpec{}, platform);
  std::vector<analysis::Interval> stalls;
  double read_done_s = -1;
  sg4::Actor::create("kswapd-user", platform.cpu, [&] {
    mm::TouchCost c;
    c.background_write_bytes = 1'000'000'000;
    memory.pay(c, stalls);
  });
  sg4::Actor::create("reader", platform.cpu, [&] {
    platform.ssd->read(2'000'000'000);  // 1 s alone
    read_done_s = sg4::Engine::get_clock();
  });
  engine->run();
  CHECK(stalls.empty());
  CHECK(read_done_s > 1.0 + 1e-6);  // slowed by the background write sharing the disk
}

TEST_CASE("platform: a bus transfer and compute take the longer of the two; two share the bus") {
  auto engine = engine::create_engine();
  config::HostSpec host = test_host(4 * GiB);
  host.cpu_flops = 1e12;
  engine::Platform platform = engine::build_platform(host);
  double alone_s = -1, first_s = -1, second_s = -1, compute_bound_s = -1;
  sg4::Actor::create("steps", platform.cpu, [&] {
    engine::run_on_bus(platform, platform.cpu, 1e9, 40e9);  // 0.4 s of bus, 1 ms of compute
    alone_s = sg4::Engine::get_clock();
    engine::run_on_bus(platform, platform.cpu, 5e11, 1e9);  // 0.5 s of compute, 10 ms of bus
    compute_bound_s = sg4::Engine::get_clock() - alone_s;
    sg4::this_actor::sleep_until(10);
    engine::run_on_bus(platform, platform.cpu, 1e9, 40e9);
    first_s = sg4::Engine::get_clock() - 10;
  });
  sg4::Actor::create("other", platform.cpu, [&] {
    sg4::this_actor::sleep_until(10);
    engine::run_on_bus(platform, platform.cpu, 1e9, 40e9);
    second_s = sg4::Engine::get_clock() - 10;
  });
  engine->run();
  CHECK(close_rel(alone_s, 0.4, 1e-12));
  CHECK(close_rel(compute_bound_s, 0.5, 1e-12));
  // Two 40 GB transfers on a 100 GB/s bus, max-min fair: 0.8 s each (CPU at 2 x 1 GFLOP is no limit).
  CHECK(close_rel(first_s, 0.8, 1e-12));
  CHECK(close_rel(second_s, 0.8, 1e-12));
}

TEST_CASE("workload registry: llm-server is registered; an unknown kind is an internal error") {
  REQUIRE(WorkloadKinds::instance().find("llm-server") != nullptr);
  const bool has_start = WorkloadKinds::instance().find("llm-server")->start != nullptr;
  CHECK(has_start);
  const bool has_parse = WorkloadKinds::instance().find("llm-server")->parse != nullptr;
  CHECK(has_parse);
  const bool has_summarize = WorkloadKinds::instance().find("llm-server")->summarize != nullptr;
  CHECK(has_summarize);
  CHECK(WorkloadKinds::instance().find("no-such-kind") == nullptr);
  config::Scenario sc = test_scenario(test_host(4 * GiB), 1);
  auto odd = std::make_shared<config::WorkloadSpec>();
  odd->name = "odd";
  odd->kind = "no-such-kind";
  sc.workloads = {odd};
  CHECK_THROWS_WITH_AS(engine::simulate_host(sc, sc.hosts[0]),
                       "internal error: no workload kind named 'no-such-kind' is registered", std::runtime_error);
}
