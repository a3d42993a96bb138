// sim/engine: builds the SimGrid platform for one host, runs the scenario's workloads on it as
// actors sharing the CPU/GPU, the memory bus and the SSD, with one MemoryManager for the host,
// and returns what happened. One host per process: SimGrid allows one Engine per process, so
// `headroom compare` runs each host in a child process.
#pragma once

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/engine/module.hpp"  // InternalError

namespace headroom::engine {

// Simulates `host` for the whole scenario (until scenario.duration_s of simulated time).
// Must be called at most once per process. Throws config::ConfigError for bad input found while
// setting up (a trace row), and InternalError for anything else, including an exception an actor
// let out (caught at the actor's boundary, see create_actor, and reported after the run).
analysis::HostResult simulate_host(const config::Scenario& scenario, const config::HostSpec& host);

}  // namespace headroom::engine
