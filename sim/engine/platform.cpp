#include "sim/engine/platform.hpp"

#include <simgrid/Exception.hpp>
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
  // simulation. The workload actors keep SimGrid's default 8 MiB stack, far above what they use;
  // the sanitizer build below runs actors on threads, whose stacks keep their guard pages.
  char name[] = "headroom";
  char guard[] = "--cfg=contexts/guard-size:0";
#ifdef HEADROOM_SANITIZE
  // The sanitizer build (tests/sanitize/README.md) runs each actor on a thread of its own: Debian's
  // libsimgrid is not built with ASan's fiber hooks, so with its default stack-switching contexts
  // ASan cannot tell which stack is live (LeakSanitizer crashes at exit, exceptions on an actor's
  // stack unpoison the wrong range). Threads are slower but give the same simulation.
  char factory[] = "--cfg=contexts/factory:thread";
  char* argv[] = {name, guard, factory, nullptr};
  int argc = 3;
#else
  char* argv[] = {name, guard, nullptr};
  int argc = 2;
#endif
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
  for (std::size_t i = 0; i < host.gpus.size(); ++i) {
    const config::GpuSpec& spec = host.gpus[i];
    const std::string n = std::to_string(i);
    DiscreteGpu g;
    g.spec = spec;
    g.compute = zone->create_host("gpu" + n, spec.flops);
    g.vram = zone->create_host("vram" + n, 1.0);  // memory endpoint: no computing
    g.vram_link = zone->create_link("vramlink" + n, spec.vram_bw_effective_Bps);
    g.vram_link->set_latency(0);
    g.pcie = zone->create_link("pcie" + n, spec.pcie_Bps);
    g.pcie->set_latency(0);
    zone->add_route(g.compute->get_netpoint(), g.vram->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(g.vram_link)}, true);
    zone->add_route(p.cpu->get_netpoint(), g.compute->get_netpoint(), nullptr, nullptr,
                    {sg4::LinkInRoute(g.pcie)}, true);
    p.gpus.push_back(g);
  }
  p.ssd = p.cpu->create_disk("ssd", host.ssd_read_Bps, host.ssd_write_Bps);
  p.ssd->seal();
  zone->seal();
  p.ssd_latency_s = host.ssd_latency_s;
  return p;
}

sg4::ActorPtr create_actor(const Platform& platform, const std::string& name, sg4::Host* host,
                           std::function<void()> body, unsigned stack_KiB) {
  std::shared_ptr<ActorFailure> failure = platform.failure;
  sg4::ActorPtr actor = sg4::Actor::init(name, host);
  if (stack_KiB > 0) actor->set_stacksize(stack_KiB);
  actor->start([failure, name, body = std::move(body)] {
    try {
      body();
    } catch (const simgrid::ForcefulKillException&) {
      throw;  // SimGrid's own unwinding of a killed actor: it must pass
    } catch (...) {
      if (!failure->error) *failure = {std::current_exception(), name};
      sg4::Actor::kill_all();  // the run is void: stop it now (the issuer itself just returns)
    }
  });
  return actor;
}

void run_on_bus(const Platform& platform, sg4::Host* compute, double flops, double bus_bytes) {
  if (flops <= 0 && bus_bytes <= 0)
    return;
  // bytes matrix is row-major [src][dst] over {compute, dram}: compute -> dram carries the traffic.
  sg4::this_actor::parallel_execute({compute, platform.dram}, {flops, 0.0}, {0.0, bus_bytes, 0.0, 0.0});
}

void run_split_step(const Platform& platform, const DiscreteGpu* gpu, const SplitStep& step) {
  run_on_bus(platform, platform.cpu, step.cpu_flops, step.cpu_bus_bytes);
  if (!gpu) {
    run_on_bus(platform, platform.gpu, step.gpu_flops, step.gpu_bus_bytes);
    return;
  }
  if (step.pcie_bytes > 0)
    sg4::this_actor::parallel_execute({platform.cpu, gpu->compute}, {0.0, 0.0}, {0.0, step.pcie_bytes, 0.0, 0.0});
  if (step.gpu_flops > 0 || step.gpu_bus_bytes > 0)
    sg4::this_actor::parallel_execute({gpu->compute, gpu->vram}, {step.gpu_flops, 0.0},
                                      {0.0, step.gpu_bus_bytes, 0.0, 0.0});
}

}  // namespace headroom::engine
