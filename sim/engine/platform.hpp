// The SimGrid platform of one simulated host, built in code (no XML).
//
//   cpu, gpu ----- membus (mem_bw_effective_Bps) ----- dram        ssd: disk on `cpu`
//   cpu ----- pcieN (pcie_Bps) ----- gpuN ----- vramlinkN (vram_bw_effective_Bps) ----- vramN
//
// `gpu` is a unified-memory GPU (HostSpec::gpu_flops) on the shared bus; gpuN are the discrete GPUs
// (HostSpec::gpus), each with its own memory link and a PCIe link to the CPU.
//
// Compute runs as ptask_L07 parallel tasks {compute host, dram}: flops on the compute host and the
// bytes it streams over `membus`, so concurrent decode steps share the bus max-min fairly and each
// progresses at its bottleneck (roofline). Every page-in, swap I/O and writeback shares the one
// `ssd`. Only engine .cpp files include this; it keeps simgrid/s4u.hpp out of other headers.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include <simgrid/forward.h>

#include "sim/config/scenario.hpp"

namespace headroom::engine {

// The first exception an actor body let out, kept for simulate_host to report after the run.
struct ActorFailure {
  std::exception_ptr error;
  std::string actor;
};

// A discrete GPU: its compute host, its VRAM endpoint and link, its PCIe link to the CPU, and the
// VRAM the workloads of this run have reserved on it (VramReservation).
struct DiscreteGpu {
  config::GpuSpec spec;
  simgrid::s4u::Host* compute = nullptr;
  simgrid::s4u::Host* vram = nullptr;  // memory endpoint of vram_link
  simgrid::s4u::Link* vram_link = nullptr;
  simgrid::s4u::Link* pcie = nullptr;
  std::uint64_t vram_used_bytes = 0;
};

// VRAM one workload holds on a discrete GPU. VRAM does not swap: a workload reserves its working
// set when it starts (or fails to start) and gives it back when it ends or is killed. Released
// explicitly, never by a destructor: the workload object may outlive the platform.
class VramReservation {
 public:
  // What the other workloads of this run have left free on `gpu`.
  static std::uint64_t free_bytes(const DiscreteGpu& gpu) { return gpu.spec.vram_bytes - gpu.vram_used_bytes; }
  // "free VRAM F bytes of ID (V bytes, U reserved by other workloads)": the end of every
  // "VRAM exceeded" message.
  static std::string describe_free(const DiscreteGpu& gpu) {
    return "free VRAM " + std::to_string(free_bytes(gpu)) + " bytes of " + gpu.spec.id + " (" +
           std::to_string(gpu.spec.vram_bytes) + " bytes, " + std::to_string(gpu.vram_used_bytes) +
           " reserved by other workloads)";
  }
  // Holds `bytes` of `gpu`'s VRAM; false (nothing held) when they exceed its free VRAM.
  bool reserve(DiscreteGpu& gpu, std::uint64_t bytes) {
    if (bytes > free_bytes(gpu)) return false;
    release();
    gpu.vram_used_bytes += bytes;
    gpu_ = &gpu;
    bytes_ = bytes;
    return true;
  }
  // Gives the VRAM back (nothing when none is held).
  void release() {
    if (gpu_) gpu_->vram_used_bytes -= bytes_;
    gpu_ = nullptr;
    bytes_ = 0;
  }

 private:
  DiscreteGpu* gpu_ = nullptr;
  std::uint64_t bytes_ = 0;
};

struct Platform {
  simgrid::s4u::Host* cpu = nullptr;
  simgrid::s4u::Host* gpu = nullptr;  // nullptr when the host has no GPU (gpu_flops == 0)
  simgrid::s4u::Host* dram = nullptr;  // memory endpoint of the bus
  simgrid::s4u::Link* membus = nullptr;
  simgrid::s4u::Disk* ssd = nullptr;
  double ssd_latency_s = 0;  // per I/O request (paid as a sleep, see host_memory.cpp)
  std::vector<DiscreteGpu> gpus;  // one per HostSpec::gpus entry, in order
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

// One step of a model split by layers between the CPU (host memory) and a GPU, as llama.cpp runs a
// partial offload: in sequence per step, the CPU layers (cpu_flops, cpu_bus_bytes over membus), the
// activations crossing PCIe (pcie_bytes, discrete GPUs only), then the GPU layers (gpu_flops,
// gpu_bus_bytes over the GPU's memory: its VRAM link, or membus for a unified-memory GPU). Each part
// is a roofline max(flops / speed, bytes / bandwidth) shared max-min with concurrent activities, so
// alone the step takes the sum of the three parts.
struct SplitStep {
  double cpu_flops = 0, cpu_bus_bytes = 0;
  double pcie_bytes = 0;
  double gpu_flops = 0, gpu_bus_bytes = 0;
};
// `gpu`: the discrete GPU, or nullptr for the unified-memory GPU (platform.gpu, no PCIe part).
void run_split_step(const Platform& platform, const DiscreteGpu* gpu, const SplitStep& step);

}  // namespace headroom::engine
