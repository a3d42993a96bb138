// sim/config: scenario file -> validated config. Parses YAML scenarios and the catalogs in
// models/catalog/, resolves catalog names with inline overrides, checks every value and unit, and
// reports the first problem as a ConfigError naming file:line:col, what was expected and what was
// found. Nothing downstream re-validates; nothing here knows about SimGrid.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/checked.hpp"
#include "sim/slo_spec.hpp"

namespace headroom::workloads {
struct ArrivalSpec;  // models/workloads/common/arrivals.hpp
}

namespace headroom::config {

// The largest size the simulator models (RAM, swap, min_free, a workload's weights, KV cache or
// both together): 1024 TiB. Far above any machine or model, and far enough below 2^64 that the
// engine's page arithmetic (frames x watermark_scale_factor, offsets + lengths, summed mappings)
// cannot wrap. The config layer refuses larger values with their location.
inline constexpr std::uint64_t kMaxModelBytes = std::uint64_t{1} << 50;
// The memory manager's smallest page and smallest RAM in pages (sim/mm checks the same).
inline constexpr std::uint64_t kMinPageBytes = 1024;
inline constexpr std::uint64_t kMinRamPages = 64;

// A discrete GPU (models/catalog/gpus.yaml): its own memory (VRAM) and bandwidth, reached from the
// host over PCIe. Unified-memory GPUs are not listed here (HostSpec::gpu_flops, gpu_wired_limit).
struct GpuSpec {
  std::string id;              // catalog name
  std::uint64_t vram_bytes = 0;
  double vram_bw_spec_Bps = 0;       // spec sheet
  double vram_bw_effective_Bps = 0;  // what a decode loop achieves (model input)
  double flops = 0;                  // effective dense FLOP/s
  double pcie_Bps = 0;               // host <-> GPU link, per direction, effective
  std::string backend = "cuda";      // llama.cpp backend it runs (`backend:`, backends.yaml)
};

// llama.cpp's speed on one compute backend (models/catalog/backends.yaml, fitted by
// tests/validation/published/): the factors of models/workloads/llm-server/speed_model.hpp.
struct BackendSpec {
  std::string id;  // metal, cuda, rocm, vulkan, cpu
  // Quant id -> share of the device's spec bandwidth a decode reaches on the weights (`default`
  // for a quant not listed).
  std::map<std::string, double> decode_efficiency;
  // Quant id -> share of the device's FLOP/s (host gpu_flops / GPU flops / cpu_flops) a prefill
  // reaches end to end (`default` as above).
  std::map<std::string, double> prefill_efficiency;
  double kv_efficiency = 1;         // attention's KV reads: share of the spec bandwidth
  double attention_efficiency = 1;  // attention's FLOPs: share of the device's FLOP/s
  double layer_fixed_s = 0;      // per layer per step: kernel launches, synchronisation
  double moe_layer_fixed_s = 0;  // more per mixture-of-experts layer per step: routing, gathers
  // A mixture-of-experts model's matmuls reach this share of prefill_efficiency (each expert gets a
  // slice of the batch: smaller, less efficient matmuls).
  double moe_prefill_efficiency = 1;
  std::string calibration;  // what the factors were fitted on (`calibration:`)
  static double of(const std::map<std::string, double>& table, const std::string& quant) {
    const auto found = table.find(quant);
    return found != table.end() ? found->second : table.at("default");
  }
};

struct HostSpec {
  std::string name;        // as the scenario calls it; unique within the scenario
  std::string catalog_id;  // catalog entry it came from; empty when given inline only
  std::string description;
  std::uint64_t ram_bytes = 0;  // installed DRAM; a "96 GB" host has 96 GiB
  std::uint64_t page_bytes = 4096;
  std::uint64_t os_reserve_bytes = 0;  // kernel + OS, unevictable
  std::uint64_t swap_bytes = 0;
  bool unified_memory = false;              // CPU and GPU share DRAM (Apple Silicon, Strix Halo)
  std::uint64_t gpu_wired_limit_bytes = 0;  // unified memory: most the GPU may wire; 0 = no GPU
  double mem_bw_spec_Bps = 0;               // spec sheet
  double mem_bw_effective_Bps = 0;          // what a decode loop achieves (model input)
  double cpu_flops = 0;                     // effective dense FLOP/s of the CPU
  double gpu_flops = 0;                     // effective dense FLOP/s of the GPU; 0 = none
  double ssd_read_Bps = 0;
  double ssd_write_Bps = 0;
  double ssd_latency_s = 0;  // per I/O request
  // Kernel mechanisms (issue 9; optional in the catalog, defaults here, sim/config/README.md):
  // readahead: the disk's read_ahead_kb (ra_pages); default 128 KiB, the kernel's VM_READAHEAD_PAGES
  // (include/linux/mm.h) that block devices start with.
  std::uint64_t readahead_bytes = 128 * 1024;
  // swap_page_cost: kernel CPU per page swapped in or out (fault, swap cache, LRU isolation, unmap
  // and TLB flush, one bio per page); default 7 us, calibrated on this project's VM (the 1.5 GiB
  // anonymous sweep under a 1 GiB cgroup, tests/unit/engine/kernel_measurements_test.cpp), an
  // assumption for every other host.
  double swap_page_cost_s = 7e-6;
  // zero_fill_cost: CPU per anonymous page zero-filled on its first touch, fault included; default
  // 1 us, an assumption for bare metal (a 4 KiB clear_page at ~10 GB/s is 0.4 us plus the fault's
  // entry and exit); the project's 2-core VM measured 28.6 us (median of 7 first-touch passes over
  // 256 MiB, CPU pressure some avg10 89%), so a calibrated host file gives a VM its own figure.
  double zero_fill_cost_s = 1e-6;
  std::vector<GpuSpec> gpus;  // discrete GPUs (`gpus: [rtx-4090]`); empty = none
  // The unified-memory GPU's llama.cpp backend (`gpu_backend:` metal | cuda | rocm | vulkan).
  std::string gpu_backend = "metal";
  // What llama.cpp's CPU thread pool reads from DRAM (`cpu_mem_bw:`); 0 = mem_bw_effective. On a
  // unified-memory host the CPU cores cannot pull the GPU's share of the bus.
  double cpu_mem_bw_Bps = 0;
  double cpu_bandwidth_Bps() const { return cpu_mem_bw_Bps > 0 ? cpu_mem_bw_Bps : mem_bw_effective_Bps; }
  // An llm-server's device default: a GPU (unified or discrete) when the host has one.
  bool has_gpu() const { return gpu_flops > 0 || !gpus.empty(); }
};

struct LlmSpec {
  std::string id;
  double params = 0;         // total parameters
  double active_params = 0;  // per token (MoE); equals params for dense models
  int experts = 0;            // MoE: routed experts per layer; 0 = dense
  int experts_per_token = 0;  // MoE: experts each token is routed to
  // Expected share of the weights a step over `tokens` tokens reads: the shared (non-expert)
  // weights plus every expert at least one token is routed to, assuming independent uniform
  // routing: shared + expert x (1 - (1 - k/E)^tokens). From params = S + X and
  // active = S + X k/E. Dense models read everything.
  double weight_read_fraction(double tokens) const {
    if (experts <= 0 || experts_per_token <= 0 || experts_per_token >= experts || active_params >= params)
      return 1.0;
    const double routed = static_cast<double>(experts_per_token) / experts;
    const double expert_params = (params - active_params) / (1.0 - routed);
    const double shared_params = params - expert_params;
    const double touched = 1.0 - std::pow(1.0 - routed, std::max(1.0, tokens));
    return (shared_params + expert_params * touched) / params;
  }
  int layers = 0, hidden = 0, heads = 0, kv_heads = 0, head_dim = 0;
  int max_context = 0;
  // Feed-forward width and vocabulary (config.json intermediate_size, vocab_size); 0 = not given.
  // Training's activation and embedding formulas need them (models/workloads/trainer).
  int ffn = 0, vocab = 0;
  bool encoder = false;  // `architecture: encoder` (BERT): no KV cache, no decode
  std::map<std::string, double> bits_per_weight_overrides;  // quant id -> bpw for this model
};

struct QuantSpec {
  std::string id;  // Q4_K_M, Q5_K_M, Q6_K, Q8_0, F16
  double bits_per_weight = 0;
};

// Where a value stands in the scenario file (1-based; 0 when it was not read from a file), kept for
// the checks that can only run once the whole scenario is known (an `after:` name, a cycle).
struct SourcePosition {
  int line = 0, column = 0;
};

// A file on disk a workload uses (a model's weights, a database's table, a dataset), named by its
// identity (any string; never opened). Every workload naming the same file shares one page-cache
// copy, so the scenario loader checks once that they all give it the same size
// (sim/config/shared_files.hpp); `position` is where this workload gives the size (or the key it
// derives from).
struct FileUseSpec {
  std::string name;
  std::uint64_t size_bytes = 0;
  SourcePosition position;
};

// A memory cgroup (cgroup v2 knobs, one level under the root). nullopt = "max" (no limit).
// Sizes are as written (bytes); the memory manager rounds them to pages as the kernel does.
struct GroupSpec {
  std::string name;                            // unique within the scenario
  std::optional<std::uint64_t> max_bytes;      // memory.max
  std::optional<std::uint64_t> high_bytes;     // memory.high (<= memory.max)
  std::optional<std::uint64_t> swap_max_bytes; // memory.swap.max
  std::uint64_t min_bytes = 0;                 // memory.min (hard protection)
  std::uint64_t low_bytes = 0;                 // memory.low (best-effort protection)
  int line = 0, column = 0;                    // the group's entry in `groups:` (1-based)
  // Files read or mapped inside the group have their own page cache (a VM's guest kernel): the
  // same file name in another group or on the host is another copy (WorkloadContext::file).
  bool private_page_cache = false;
};

// Base of every workload kind's validated config; each kind's own spec (models/workloads/<kind>/
// spec.hpp) derives from it, and kinds register by name (sim/workload_kind.hpp).
struct WorkloadSpec {
  virtual ~WorkloadSpec() = default;
  std::string name;  // unique within the scenario
  std::string kind;  // registry name (the scenario's `kind:`)
  int oom_score_adj = 0;
  // Lifecycle (sim/config/README.md, "Lifecycle"): start_at is the earliest start (simulated
  // seconds from t=0; unset = 0); with `after` the workload starts at max(start_at, the end of the
  // last of those workloads). stop_at is an absolute time, > start_at; unset = runs to the horizon.
  std::optional<double> start_at_s, stop_at_s;
  std::vector<std::string> after;  // names of other workloads of the scenario, checked, no cycle
  std::string group;  // "" = root; else the name of one of Scenario::groups
  std::vector<SourcePosition> after_positions;  // one per `after` entry
  SourcePosition group_position;
  std::vector<FileUseSpec> files;  // the files it uses, filled by the kind's parser
  // A container or VM provides a memory group named after it, which other workloads join with
  // `group: <its name>`; the loader adds it to Scenario::groups (names unique among both).
  std::optional<GroupSpec> provides_group;
  // `slo:` (sim/config/slo.hpp): request targets on kinds that serve requests, a deadline on kinds
  // that finish; empty when not given. The engine copies it into the workload's result.
  SloSpec slo;
  // Which `slo:` targets the kind can have (checked by config::check_slo after the kind's parser).
  virtual bool serves_requests() const { return false; }
  // A request-serving kind's own arrivals (Poisson, trace, or a router's replica), for `headroom
  // capacity`, which scales their rate; nullptr for other kinds.
  virtual const workloads::ArrivalSpec* request_arrivals() const { return nullptr; }
  virtual bool can_finish() const { return false; }
};

struct MemorySpec {
  std::string policy = "linux";
  // Where the scenario's `policy:` value stands (1-based; 0 when defaulted), so that the check
  // against the policy registry, made where the registry is linked, can point at it.
  int policy_line = 0, policy_column = 0;
  int swappiness = 60;
  int watermark_scale_factor = 10;
  std::optional<std::uint64_t> min_free_bytes;
  // Scenario-wide override of every host's readahead (HostSpec::readahead_bytes) when given.
  std::optional<std::uint32_t> readahead_bytes;
  int page_cluster = 3;
  // Kernel CPU time per page moved through swap (fault, swap cache, LRU isolation, unmap and TLB
  // flush, one 4 KiB bio per page), paid by the workload for each page it swaps in and each page
  // its own (direct) reclaim writes out. Lumps every per-page cost the I/O model lacks; the default
  // is calibrated on the design notes' measurement (1.5 GiB anonymous sweep under a 1 GiB cgroup
  // limit: 9.5 s per sweep vs 3.99 s of modelled I/O = 14 us per page round trip, see
  // tests/unit/engine/kernel_measurements_test.cpp). File faults do not pay it: they are cheap.
  // When given, overrides every host's swap_page_cost (HostSpec::swap_page_cost_s, same default).
  std::optional<double> swap_page_cpu_cost_s;
};

struct Scenario {
  std::string path;  // as given on the command line
  std::string name;
  std::string description;
  double duration_s = 0;  // simulated horizon; arrivals after it are not generated
  std::uint64_t seed = 1;
  std::vector<HostSpec> hosts;
  MemorySpec memory;
  std::vector<std::shared_ptr<const WorkloadSpec>> workloads;
  std::vector<GroupSpec> groups;  // in file order; workloads name them by `group:`
  // Indices into `workloads`: a topological order of the `after:` graph (every workload comes after
  // those it names), ties broken by file order (sim/config/lifecycle.hpp).
  std::vector<std::size_t> start_order;
  // `run --timeseries-interval`: the engine samples the host's memory every this many simulated
  // seconds (analysis::HostResult::timeseries); 0 = no time series (the command line sets it, no
  // YAML key, so a scenario's report is unchanged without the option).
  double timeseries_interval_s = 0;
  // `run --timeline`: the engine records steps and requests (analysis::HostResult::timeline), at
  // most this many events; 0 = no timeline (command line only, as above).
  std::size_t timeline_max_events = 0;
  // Where the engine publishes its simulated clock (seconds) as time advances, for the command
  // line's progress line (a compare child's points into a mapping its parent shares); null: nowhere.
  // Publishing reads the clock only: the run is the same with or without it.
  std::atomic<double>* clock_out_s = nullptr;
};

}  // namespace headroom::config
