// The SimGrid platform of one simulated host, built in code (no XML).
//
//   cpu, gpu ----- membus (mem_bw_effective_Bps) ----- dram        ssd: disk on `cpu`
//
// Compute runs as ptask_L07 parallel tasks {compute host, dram}: flops on the compute host and the
// bytes it streams over `membus`, so concurrent decode steps share the bus max-min fairly and each
// progresses at its bottleneck (roofline). Every page-in, swap I/O and writeback shares the one
// `ssd`. Only engine .cpp files include this; it keeps simgrid/s4u.hpp out of other headers.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <simgrid/forward.h>

#include "sim/config/scenario.hpp"

namespace headroom::engine {

// The first exception an actor body let out, kept for simulate_host to report after the run.
struct ActorFailure {
  std::exception_ptr error;
  std::string actor;
};

struct Platform {
  simgrid::s4u::Host* cpu = nullptr;
  simgrid::s4u::Host* gpu = nullptr;  // nullptr when the host has no GPU (gpu_flops == 0)
  simgrid::s4u::Host* dram = nullptr;  // memory endpoint of the bus
  simgrid::s4u::Link* membus = nullptr;
  simgrid::s4u::Disk* ssd = nullptr;
  double ssd_latency_s = 0;  // per I/O request (paid as a sleep, see host_memory.cpp)
  std::shared_ptr<ActorFailure> failure = std::make_shared<ActorFailure>();  // set by create_actor
};

// Creates this process's single SimGrid engine, configured for exact analytic timings
// (ptask_L07 host model, no cross-traffic, latency and bandwidth factors 1) and silent logs.
std::unique_ptr<simgrid::s4u::Engine> create_engine();

// Builds the platform of `host` in the engine's root zone. Call once, after create_engine().
Platform build_platform(const config::HostSpec& host);

// Every actor of the simulation starts here: SimGrid aborts the process (SIGABRT) when an exception
// crosses an actor's stack, so `body` runs inside a catch-all that keeps the first exception in
// platform.failure and stops every actor; simulate_host then reports it as a result.
// stack_KiB: 0 for SimGrid's default stack (8 MiB), else the stack size of this actor.
simgrid::s4u::ActorPtr create_actor(const Platform& platform, const std::string& name, simgrid::s4u::Host* host,
                                    std::function<void()> body, unsigned stack_KiB = 0);

// Runs one activity needing `flops` on `compute` and `bus_bytes` over the memory bus; returns when
// it completes (simulated time advances by max(flops / speed, bytes / shared bandwidth)).
void run_on_bus(const Platform& platform, simgrid::s4u::Host* compute, double flops, double bus_bytes);

}  // namespace headroom::engine
