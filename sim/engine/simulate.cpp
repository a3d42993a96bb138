#include "sim/engine/simulate.hpp"

#include <deque>
#include <exception>
#include <stdexcept>
#include <string>

#include <simgrid/s4u.hpp>

#include "sim/config/error.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::engine {

namespace {

analysis::HostResult host_header(const config::Scenario& scenario, const config::HostSpec& host) {
  analysis::HostResult r;
  r.name = host.name;
  r.description = host.description;
  r.ram_bytes = host.ram_bytes;
  r.page_bytes = host.page_bytes;
  r.mem_bw_effective_Bps = host.mem_bw_effective_Bps;
  r.horizon_s = scenario.duration_s;
  r.policy = scenario.memory.policy;
  return r;
}

// Intervals still open when the horizon stopped the run (end < begin) end at the horizon.
void close_open_intervals(std::vector<analysis::Interval>& intervals, double horizon_s) {
  for (auto& i : intervals)
    if (i.end_s < i.begin_s)
      i.end_s = horizon_s;
}

}  // namespace

namespace {

// One line: an exception's text with its line breaks flattened.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return one_line(e.what());
  } catch (...) {
    return "an exception that is not a std::exception";
  }
}

analysis::HostResult simulate(const config::Scenario& scenario, const config::HostSpec& host) {
  // Declared first so it is destroyed last: actors stopped at the horizon still reference the rest.
  std::unique_ptr<sg4::Engine> engine = create_engine();
  Platform platform = build_platform(host);
  analysis::HostResult result = host_header(scenario, host);
  result.workloads.resize(scenario.workloads.size());
  HostMemory memory(host, scenario.memory, platform);

  std::deque<WorkloadContext> contexts;  // stable addresses for the actors
  for (std::size_t i = 0; i < scenario.workloads.size(); ++i) {
    const config::WorkloadSpec& spec = *scenario.workloads[i];
    const WorkloadKind* kind = WorkloadRegistry::instance().find(spec.kind);
    if (!kind)
      throw std::logic_error("no workload kind named '" + spec.kind + "' is registered");
    result.workloads[i].name = spec.name;
    result.workloads[i].kind = spec.kind;
    contexts.push_back({scenario, host, spec, i, platform, memory, result.workloads[i]});
    kind->start(contexts.back());
  }
  engine->run_until(scenario.duration_s);
  if (platform.failure->error) {
    try {
      std::rethrow_exception(platform.failure->error);
    } catch (const config::ConfigError&) {
      throw;  // bad input met by an actor stays bad input
    } catch (...) {
      throw InternalError("actor '" + platform.failure->actor + "': " + describe(platform.failure->error));
    }
  }

  for (auto& w : result.workloads) {
    close_open_intervals(w.busy, scenario.duration_s);
    close_open_intervals(w.memory_stall, scenario.duration_s);
  }
  memory.check_all();
  result.memory = memory.result();
  return result;
}

}  // namespace

analysis::HostResult simulate_host(const config::Scenario& scenario, const config::HostSpec& host) {
  const std::string prefix = "internal: simulation of host '" + host.name + "' failed: ";
  try {
    return simulate(scenario, host);
  } catch (const config::ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw InternalError(prefix + one_line(e.what()));
  } catch (...) {
    throw InternalError(prefix + "an exception that is not a std::exception");
  }
}

}  // namespace headroom::engine
