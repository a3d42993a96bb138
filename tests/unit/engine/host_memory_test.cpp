// The engine's conversion of a TouchCost into simulated time on the shared SSD, the platform's
// exact timings, and the workload registry. Each test case runs in its own process.
#include <doctest/doctest.h>

#include <simgrid/s4u.hpp>
#include <tuple>

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

TEST_CASE("pay: the memory.high throttle is a sleep inside the stall") {
  auto engine = engine::create_engine();
  const config::HostSpec host = test_host(4 * GiB);
  engine::Platform platform = engine::build_platform(host);
  engine::HostMemory memory(host, config::MemorySpec{}, platform);
  std::vector<analysis::Interval> stalls;
  sg4::Actor::create("throttled", platform.cpu, [&] {
    sg4::this_actor::sleep_for(1);
    mm::TouchCost c;
    c.high_throttle_s = 0.25;
    c.fault_waits = 10;  // 10 x 100 us
    memory.pay(c, stalls);
  });
  engine->run();
  REQUIRE(stalls.size() == 1);
  CHECK(stalls[0].begin_s == 1.0);
  CHECK(close_rel(stalls[0].end_s, 1.0 + 0.001 + 0.25, 1e-12));
}

TEST_CASE("pay: zero fill per page after the stall, swap cost per page moved inside it, host fields and overrides") {
  auto engine = engine::create_engine();
  config::HostSpec host = test_host(4 * GiB);  // SSD 2 GB/s read, 1 GB/s write, 100 us; 4 KiB pages
  host.zero_fill_cost_s = 2e-6;
  host.swap_page_cost_s = 5e-6;
  engine::Platform platform = engine::build_platform(host);
  engine::HostMemory memory(host, config::MemorySpec{}, platform);
  config::MemorySpec overridden;
  overridden.swap_page_cpu_cost_s = 1e-6;  // the scenario's memory.swap_page_cpu_cost
  engine::HostMemory memory_overridden(host, overridden, platform);
  mm::TouchCost zero;
  zero.zero_fill_bytes = 1000 * kPage;  // 1000 pages x 2 us = 2 ms, after the stall
  // Swap: 100 pages in (409,600 B at 2 GB/s = 204.8 us) + 1 wait (100 us) + 150 pages of direct
  // reclaim written (614,400 B at 1 GB/s = 614.4 us); 250 pages moved x 5 us = 1.25 ms of kernel CPU.
  mm::TouchCost swap;
  swap.swap_in_bytes = 100 * kPage;
  swap.swap_in_ios = 1;
  swap.fault_waits = 1;
  swap.direct_write_bytes = 150 * kPage;
  const double io_s = 100.0 * kPage / 2e9 + 100e-6 + 150.0 * kPage / 1e9;
  std::vector<analysis::Interval> zero_stalls, swap_stalls, overridden_stalls;
  double zero_done_s = -1;
  sg4::Actor::create("w", platform.cpu, [&] {
    sg4::this_actor::sleep_for(1);
    memory.pay(zero, zero_stalls);
    zero_done_s = sg4::Engine::get_clock();
    sg4::this_actor::sleep_until(2);
    memory.pay(swap, swap_stalls);
    sg4::this_actor::sleep_until(3);
    memory_overridden.pay(swap, overridden_stalls);
  });
  engine->run();
  CHECK(zero_stalls.empty());  // zero fill is no memory stall (PSI)
  CHECK(close_rel(zero_done_s, 1.0 + 1000 * 2e-6, 1e-12));
  REQUIRE(swap_stalls.size() == 1);
  CHECK(close_rel(swap_stalls[0].end_s, 2.0 + io_s + 250 * 5e-6, 1e-12));
  // The scenario's memory.swap_page_cpu_cost overrides the host's: 250 x 1 us.
  REQUIRE(overridden_stalls.size() == 1);
  CHECK(close_rel(overridden_stalls[0].end_s, 3.0 + io_s + 250 * 1e-6, 1e-12));
  // Catalog hosts without the fields: 7 us per swapped page, 1 us per zero-filled page.
  CHECK(config::HostSpec{}.swap_page_cost_s == 7e-6);
  CHECK(config::HostSpec{}.zero_fill_cost_s == 1e-6);
}

TEST_CASE("readahead: the host's, unless the scenario's memory.readahead overrides every host's") {
  config::HostSpec host = test_host(4 * GiB);
  CHECK(engine::manager_config(host, config::MemorySpec{}).readahead_pages == 32);  // 128 KiB / 4 KiB
  host.readahead_bytes = 8 * MiB;
  CHECK(engine::manager_config(host, config::MemorySpec{}).readahead_pages == 2048);
  config::MemorySpec memory;
  memory.readahead_bytes = 256 * 1024;
  CHECK(engine::manager_config(host, memory).readahead_pages == 64);
  memory.readahead_bytes = 0;  // no readahead: one page
  CHECK(engine::manager_config(host, memory).readahead_pages == 1);
}

TEST_CASE("a group OOM kills only inside the group, stop frees memory without an OOM") {
  enable_invariant_checks();
  auto engine = engine::create_engine();
  const config::HostSpec host = test_host(4 * GiB);  // no swap
  engine::Platform platform = engine::build_platform(host);
  engine::HostMemory memory(host, config::MemorySpec{}, platform);
  mm::GroupLimits limits;
  limits.max_bytes = 64 * MiB;  // 16384 pages
  const mm::GroupId box = memory.add_group("box", limits);
  std::vector<std::string> killed;
  const mm::OwnerId big = memory.add_process("big", 0, [&] { killed.push_back("big"); });
  const mm::OwnerId first = memory.add_process("first", 0, box, [&] { killed.push_back("first"); });
  const mm::OwnerId second = memory.add_process("second", 0, box, [&] { killed.push_back("second"); });
  const mm::OwnerId done = memory.add_process("done", 0, [&] { killed.push_back("done"); });
  std::optional<mm::TouchCost> retried;
  sg4::Actor::create("w", platform.cpu, [&] {
    // `big` (root group) holds 1 GiB: the host OOM killer's choice by far, but not a group OOM's.
    const mm::MappingId heap = memory.map(big, mm::Backing::anon, "big", GiB);
    REQUIRE(memory.touch(big, heap, 0, GiB));
    const mm::MappingId a = memory.map(first, mm::Backing::anon, "a", 32 * MiB);
    REQUIRE(memory.touch(first, a, 0, 32 * MiB));
    // 48 MiB more in the box: 8192 + 12288 pages > 16384 with nothing to swap: group OOM. `second`
    // holds 8192 pages when the killer looks (the 4096 it could not place were dropped), tying
    // `first`'s 8192: the lower owner id, `first`, dies; the retry then fits (12288 <= 16384).
    const mm::MappingId b = memory.map(second, mm::Backing::anon, "b", 48 * MiB);
    retried = memory.touch(second, b, 0, 48 * MiB);
    // A workload that ends frees its memory without an OOM kill or a callback.
    const mm::MappingId d = memory.map(done, mm::Backing::anon, "d", 16 * MiB);
    REQUIRE(memory.touch(done, d, 0, 16 * MiB));
    memory.stop(done);
  });
  engine->run();
  REQUIRE(retried.has_value());
  CHECK(killed == std::vector<std::string>{"first"});
  CHECK(memory.alive(big));
  CHECK_FALSE(memory.alive(first));
  CHECK(memory.alive(second));
  CHECK_FALSE(memory.alive(done));
  CHECK(memory.manager().owner_rss_bytes(second) == 48 * MiB);
  CHECK(memory.manager().owner_rss_bytes(big) == GiB);
  CHECK(memory.manager().owner_rss_bytes(done) == 0);
  CHECK(memory.result().oom_kills == 1);
  const std::vector<engine::HostMemory::GroupReport> groups = memory.groups();
  REQUIRE(groups.size() == 1);
  CHECK(groups[0].name == "box");
  CHECK(groups[0].limits.max_bytes == 64 * MiB);
  CHECK(groups[0].stats.events_oom == 1);
  CHECK(groups[0].stats.events_oom_kill == 1);
  CHECK(groups[0].stats.usage_pages == 12288);
  CHECK(groups[0].stats.peak_usage_pages == 16384);
  CHECK(memory.manager().group_stats(mm::kRootGroup).events_oom_kill == 0);
}

TEST_CASE("shared files: find-or-create by name, one copy for two processes, discard writes back") {
  auto engine = engine::create_engine();
  const config::HostSpec host = test_host(4 * GiB);
  engine::Platform platform = engine::build_platform(host);
  engine::HostMemory memory(host, config::MemorySpec{}, platform);
  const mm::FileId model = memory.file("model.gguf", 64 * MiB);
  CHECK(memory.file("model.gguf", 64 * MiB) == model);
  CHECK_THROWS_AS(memory.file("model.gguf", 32 * MiB), std::logic_error);
  const mm::OwnerId x = memory.add_process("x", 0, nullptr), y = memory.add_process("y", 0, nullptr);
  const mm::MappingId mx = memory.map_file(x, model, mm::FileUse::mapped);
  const mm::MappingId my = memory.map_file(y, model, mm::FileUse::mapped);
  double write_done_s = -1;
  sg4::Actor::create("w", platform.cpu, [&] {
    REQUIRE(memory.touch(x, mx, 0, 64 * MiB, mm::AccessPattern::sequential, /*write=*/true));
    const std::optional<mm::TouchCost> c = memory.touch(y, my, 0, 64 * MiB);
    REQUIRE(c);
    CHECK(c->hit_bytes == 64 * MiB);
    memory.discard(my, 0, 32 * MiB);  // 32 MiB dirty: written back in the background
    sg4::this_actor::sleep_for(1);
    write_done_s = sg4::Engine::get_clock();
  });
  engine->run();
  CHECK(memory.manager().stats().file_frames == 32 * MiB / kPage);
  CHECK(memory.result().writeback_bytes == 32 * MiB);
  CHECK(write_done_s == 1.0);  // nobody waited for the writeback
}

TEST_CASE("platform: a bus transfer and compute take the longer of the two, two share the bus") {
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

TEST_CASE("workload registry: llm-server is registered, an unknown kind is an internal error") {
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
                       "internal: simulation of host 'test' failed: no workload kind named 'no-such-kind' is registered in the engine",
                       std::runtime_error);
}
