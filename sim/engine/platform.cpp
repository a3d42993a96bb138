#include "sim/engine/platform.hpp"

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

namespace sg4 = simgrid::s4u;

namespace headroom::engine {

std::unique_ptr<sg4::Engine> create_engine() {
  // Quiet before the engine exists, so that even its start-up messages are silenced.
  xbt_log_control_set("root.thres:critical");
  // No guard page below each actor's stack: SimGrid mprotects one for every actor it creates and
  // unprotects it when the actor ends, and the engine creates a short-lived actor per SSD transfer
  // (see host_memory.cpp): with guards those system calls cost more than the rest of the
  // simulation. The workload actors keep SimGrid's default 8 MiB stack, far above what they use.
  int argc = 2;
  char name[] = "headroom";
  char guard[] = "--cfg=contexts/guard-size:0";
  char* argv[] = {name, guard, nullptr};
  auto engine = std::make_unique<sg4::Engine>(&argc, argv);
  // The default network model scales latency and bandwidth and adds cross-traffic, which would
  // break the closed forms the tests check (bytes / bandwidth exactly).
  sg4::Engine::set_config("host/model:ptask_L07");
  sg4::Engine::set_config("network/crosstraffic:0");
  sg4::Engine::set_config("network/latency-factor:1");
  sg4::Engine::set_config("network/bandwidth-factor:1");
  return engine;
}

Platform build_platform(const config::HostSpec& host) {
  Platform p;
  auto* zone = sg4::create_full_zone("host");
  p.cpu = zone->create_host("cpu", host.cpu_flops);
  if (host.gpu_flops > 0)
    p.gpu = zone->create_host("gpu", host.gpu_flops);
  // The memory endpoint does no computing; its speed only has to be positive.
  p.dram = zone->create_host("dram", 1.0);
  p.membus = zone->create_link("membus", host.mem_bw_effective_Bps);
  p.membus->set_latency(0);
  // One shared bus: CPU and GPU of a unified-memory machine contend for the same DRAM bandwidth.
  zone->add_route(p.cpu->get_netpoint(), p.dram->get_netpoint(), nullptr, nullptr,
                  {sg4::LinkInRoute(p.membus)}, true);
  if (p.gpu)
    zone->add_route(p.gpu->get_netpoint(), p.dram->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(p.membus)}, true);
  p.ssd = p.cpu->create_disk("ssd", host.ssd_read_Bps, host.ssd_write_Bps);
  p.ssd->seal();
  zone->seal();
  p.ssd_latency_s = host.ssd_latency_s;
  return p;
}

void run_on_bus(const Platform& platform, sg4::Host* compute, double flops, double bus_bytes) {
  if (flops <= 0 && bus_bytes <= 0)
    return;
  // bytes matrix is row-major [src][dst] over {compute, dram}: compute -> dram carries the traffic.
  sg4::this_actor::parallel_execute({compute, platform.dram}, {flops, 0.0}, {0.0, bus_bytes, 0.0, 0.0});
}

}  // namespace headroom::engine
