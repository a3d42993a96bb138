// sim/engine: builds the SimGrid platform for one host, runs the scenario's workloads on it as
// actors sharing the CPU/GPU, the memory bus and the SSD, with one MemoryManager for the host,
// and returns what happened. One host per process: SimGrid allows one Engine per process, so
// `headroom compare` runs each host in a child process.
#pragma once

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::engine {

// Simulates `host` for the whole scenario (until scenario.duration_s of simulated time).
// Must be called at most once per process. Throws config::ConfigError-free std::runtime_error
// only on internal errors; scenario problems were caught by the config layer.
analysis::HostResult simulate_host(const config::Scenario& scenario, const config::HostSpec& host);

}  // namespace headroom::engine
