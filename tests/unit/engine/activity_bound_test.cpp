// The engine keeps SimGrid's per-actor bookkeeping bounded over a long run. SimGrid 3.32 keeps every
// I/O in the list of the actor that started it until that actor ends, and scans that list whenever
// one of the actor's executions completes: an actor that lives for the whole run and starts I/O
// makes every step slower than the last (a day-long scenario ran 10x slower per step at 36 h than at
// 6 h). These tests count, without timing anything, the I/Os each actor starts and the actors alive
// at once, on servers that fault on every step.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include <simgrid/s4u.hpp>

#include "engine_fixtures.hpp"
#include "sim/engine/simulate.hpp"

using namespace headroom;
using namespace headroom::test;
using workloads::WeightsMode;
namespace sg4 = simgrid::s4u;

namespace {

struct ActorCounts {
  std::map<long, std::uint64_t> ios_by_actor;  // pid -> I/Os it started (-1: outside any actor)
  std::uint64_t ios = 0;
  std::int64_t live_actors = 0, peak_live_actors = 0;
  std::uint64_t actors_created = 0;

  std::uint64_t max_ios_one_actor() const {
    std::uint64_t m = 0;
    for (const auto& [pid, n] : ios_by_actor)
      m = std::max(m, n);
    return m;
  }
};

// Connects the counters to SimGrid's signals; call once per process, before the simulation.
void count_actors(ActorCounts& c) {
  sg4::Io::on_start_cb([&c](const sg4::Io&) {
    const sg4::Actor* self = sg4::Actor::self();
    ++c.ios_by_actor[self ? self->get_pid() : -1];
    ++c.ios;
  });
  sg4::Actor::on_creation_cb([&c](sg4::Actor&) {
    ++c.actors_created;
    c.peak_live_actors = std::max(c.peak_live_actors, ++c.live_actors);
  });
  sg4::Actor::on_termination_cb([&c](const sg4::Actor&) { --c.live_actors; });
}

// A 64 MiB host with 256 MiB of swap and two servers whose weights (48 MiB each) do not fit
// together: one mmapped (file faults on every step), one loaded into anonymous memory (swap-ins,
// direct-reclaim and kswapd writes). `requests` requests of 8 output tokens each.
config::Scenario thrashing_pair(std::uint32_t requests) {
  config::HostSpec host = test_host(64 * MiB);
  host.os_reserve_bytes = 8 * MiB;
  host.swap_bytes = 256 * MiB;
  config::Scenario sc = test_scenario(host, 1e6);
  auto file = test_server("file", 48 * MiB, WeightsMode::mmap);
  auto anon = test_server("anon", 48 * MiB, WeightsMode::load);
  for (auto& s : {file, anon}) {
    s->arrivals.rate_per_s = 2;
    s->arrivals.max_requests = requests;
    s->arrivals.output_tokens = 8;
  }
  sc.workloads = {file, anon};
  return sc;
}

}  // namespace

TEST_CASE("no actor accumulates I/Os over a long run of faulting servers") {
  ActorCounts counts;
  count_actors(counts);
  config::Scenario sc = thrashing_pair(200);
  const analysis::HostResult r = engine::simulate_host(sc, sc.hosts[0]);

  std::uint64_t steps = 0;
  for (const auto& w : r.workloads)
    steps += llm(w).prefill_steps + llm(w).decode_steps;
  INFO("steps " << steps << ", I/Os " << counts.ios << ", max I/Os of one actor " << counts.max_ios_one_actor()
                << ", actors created " << counts.actors_created << ", peak live " << counts.peak_live_actors);
  // The run is long and faults on (nearly) every step, so the check below has something to bound.
  REQUIRE(steps >= 2 * 200 * 8);
  REQUIRE(r.memory.major_faults > steps);
  REQUIRE(counts.ios >= steps / 2);
  CHECK(r.memory.swap_in_bytes > 0);
  // Every I/O is started by a short-lived actor: a step's transfer actor (a read, then a
  // direct-reclaim write) or a kswapd writer. A server starting its own I/O would count thousands.
  CHECK(counts.max_ios_one_actor() <= 2);
  CHECK(counts.ios_by_actor.count(-1) == 0);
  // Transfer actors end when their transfer does: at most 2 servers, a transfer actor each, and
  // the kswapd writers still writing.
  CHECK(counts.peak_live_actors <= 8);
}
