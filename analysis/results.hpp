// analysis: what a simulation measured, and how it is summarised and printed (md, json, csv).
//
// The engine fills HostResult from the model (SimGrid clock, memory-manager counters); this
// folder only summarises and formats: percentiles, verdicts, side-by-side tables. Nothing here
// reaches back into the engine or the config layer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace headroom::analysis {

struct PrecomputedSummary;  // analysis/summary.hpp

// One request of an llm-server, as the engine observed it (simulated seconds).
struct RequestRecord {
  double arrival_s = 0;
  double admitted_s = -1;     // left the queue (got a batch slot and KV); < 0: never admitted
  double first_token_s = -1;  // < 0: never produced a token
  double finish_s = -1;       // < 0: did not complete
  std::uint32_t prompt_tokens = 0;
  std::uint32_t output_tokens = 0;     // requested
  std::uint32_t generated_tokens = 0;  // produced before the horizon or a failure
  bool failed = false;                 // killed by OOM, or rejected (e.g. context too long, wired limit)
  std::string failure;                 // why, when failed
};

// A workload kind's own raw records (e.g. models/workloads/process/result.hpp), filled by its
// engine side and read by its summary.
struct KindData {
  virtual ~KindData() = default;
};

struct Interval {
  double begin_s = 0;
  double end_s = 0;
};

struct WorkloadResult {
  std::string name;
  std::string kind;  // "llm-server"
  std::vector<RequestRecord> requests;
  // Intervals during which this workload waited on memory (major-fault I/O, direct reclaim).
  std::vector<Interval> memory_stall;
  // Intervals during which it had work to do (for PSI "full": every non-idle workload stalled).
  std::vector<Interval> busy;
  std::string status = "ok";  // ok | oom-killed | failed-to-start
  std::string status_detail;
  std::uint64_t weights_bytes = 0;
  std::uint64_t kv_budget_bytes = 0;
  std::string device;  // "gpu" | "cpu": where it computed
  std::uint64_t decode_steps = 0;
  std::uint64_t prefill_steps = 0;
  std::shared_ptr<KindData> data;  // the kind's own records; not in json output nor the parent/child transport yet
};

struct MemoryResult {
  std::uint64_t total_bytes = 0;
  std::uint64_t peak_file_bytes = 0;
  std::uint64_t peak_anon_bytes = 0;
  std::uint64_t peak_unevictable_bytes = 0;
  std::uint64_t peak_swap_bytes = 0;
  std::uint64_t major_faults = 0;
  std::uint64_t file_read_bytes = 0;
  std::uint64_t fault_read_ios = 0;  // SSD read requests issued by major faults (file + swap-in)
  std::uint64_t fault_waits = 0;     // device latencies a faulting thread waited (see TouchCost)
  std::uint64_t swap_in_bytes = 0;
  std::uint64_t swap_out_bytes = 0;
  std::uint64_t writeback_bytes = 0;
  std::uint64_t direct_reclaim_pages = 0;
  std::uint64_t kswapd_reclaim_pages = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t watermark_min_bytes = 0, watermark_low_bytes = 0, watermark_high_bytes = 0;
};

struct HostResult {
  std::string name;
  std::string description;
  std::uint64_t ram_bytes = 0;
  std::uint64_t page_bytes = 0;
  double mem_bw_effective_Bps = 0;
  double horizon_s = 0;  // simulated time the metrics cover
  std::string policy;
  MemoryResult memory;
  std::vector<WorkloadResult> workloads;
  // Set by analysis::summarised() where the host was simulated (a `compare` child): the figures
  // computed from the request records and intervals, which were then dropped, so that a child
  // ships a few KB instead of every request. summarize_host() uses them as they are.
  std::shared_ptr<const PrecomputedSummary> summary;
};

struct ScenarioResult {
  std::string scenario;  // name
  std::string description;
  std::string scenario_path;
  std::uint64_t seed = 0;
  double duration_s = 0;
  std::vector<HostResult> hosts;
};

}  // namespace headroom::analysis
