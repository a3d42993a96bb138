// analysis: what a simulation measured, and how it is summarised and printed (md, json, csv).
//
// The engine fills HostResult from the model (SimGrid clock, memory-manager counters); this
// folder only summarises and formats: percentiles, verdicts, side-by-side tables. Nothing here
// reaches back into the engine or the config layer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/slo_spec.hpp"

namespace headroom::analysis {

struct PrecomputedSummary;  // analysis/summary.hpp
struct Timeline;            // analysis/timeline.hpp

// One request served by a workload (an llm-server today), as the engine observed it (simulated
// seconds). Kinds that serve requests keep these in their KindData.
struct RequestRecord {
  double arrival_s = 0;
  double admitted_s = -1;     // left the queue (got a batch slot and KV); < 0: never admitted
  double first_token_s = -1;  // < 0: never produced a token
  double finish_s = -1;       // < 0: did not complete
  std::uint32_t prompt_tokens = 0;
  std::uint32_t output_tokens = 0;     // requested
  std::uint32_t generated_tokens = 0;  // produced before the horizon or a failure
  bool failed = false;                 // killed by OOM, or rejected (e.g. context too long, wired limit)
  std::string failure;                 // why, when failed (to_string of a Cause)
};

struct Interval {
  double begin_s = 0;
  double end_s = 0;
};

// Where a workload stands at the horizon (strings in to_string):
enum class WorkloadStatus : std::uint8_t {
  not_started,      // "not-started": its start condition was not met by the horizon
  skipped,          // "skipped": a predecessor in `after` failed, so it never starts
  running,          // "running": still running at the horizon
  finished,         // "finished": did all its work
  stopped,          // "stopped": reached its stop_at
  failed_to_start,  // "failed-to-start"
  oom_killed,       // "oom-killed"
};
const char* to_string(WorkloadStatus status);
std::optional<WorkloadStatus> workload_status_from(const std::string& text);
// Statuses in which a workload did not do what it was there for (its dependants are skipped).
bool is_failure(WorkloadStatus status);

// Why a workload (or one of its requests) failed.
enum class Cause : std::uint8_t {
  none,
  oom_kill,            // "oom-killed": the host's OOM killer
  group_oom_kill,      // "group-oom-killed": its memory group's memory.max OOM
  wired_limit,         // "wired limit exceeded": the GPU wired limit refused its memory
  context_too_long,    // "context too long": a request longer than the context
  kv_budget,           // "kv budget exceeded": a request whose KV does not fit the budget
  predecessor_failed,  // "predecessor failed": a workload in its `after` list failed
  vram_exceeded,       // "VRAM exceeded": a discrete GPU's memory cannot hold its layers
  no_gpu,              // "no GPU": device gpu on a host without one
};
inline constexpr Cause kLastCause = Cause::no_gpu;
const char* to_string(Cause cause);
std::optional<Cause> cause_from(const std::string& text);
// Whether the host's memory decided it (the memory verdict counts it); a request too long for its
// context says nothing about memory.
bool is_memory_cause(Cause cause);

// Peak of each kind of memory the workload's processes held at once (bytes).
struct PeakMemory {
  std::uint64_t anon_bytes = 0, file_mapped_bytes = 0, wired_bytes = 0, swap_bytes = 0;
};

// A kind's own raw records (llm-server: its requests, steps, device); the kind's summarize()
// reads them. They stay where the host was simulated: a `compare` child ships the summary instead.
struct KindData {
  virtual ~KindData() = default;
  // The requests a request-serving kind received (those that count as arrived), for SLO targets
  // (analysis/slo.hpp); empty for other kinds.
  virtual std::vector<RequestRecord> request_records() const { return {}; }
};

// The common result of one workload, for every kind: the verdict reads only this and the kind's
// ServiceSummary.
struct WorkloadResult {
  std::string name;
  std::string kind;   // the scenario's `kind:`
  std::string group;  // memory group; "" = the root
  WorkloadStatus status = WorkloadStatus::not_started;
  Cause cause = Cause::none;  // why it failed, was skipped or fell back
  std::string status_detail;
  bool fell_back = false;  // ran, but not where asked (e.g. CPU after the wired limit); see detail
  double start_s = -1, end_s = -1;  // -1: did not start / did not end by the horizon
  // Intervals during which it had work to do (for PSI "full": every non-idle workload stalled).
  std::vector<Interval> busy;
  // Intervals during which this workload waited on memory (major-fault I/O, direct reclaim).
  std::vector<Interval> memory_stall;
  PeakMemory peak;
  std::shared_ptr<KindData> data;
  SloSpec slo;  // the scenario's `slo:` for it (empty: none), judged by analysis/slo.hpp
};

struct MemoryResult {
  std::uint64_t total_bytes = 0;
  std::uint64_t peak_file_bytes = 0;
  std::uint64_t peak_anon_bytes = 0;
  std::uint64_t peak_unevictable_bytes = 0;
  std::uint64_t peak_swap_bytes = 0;
  // The kernel's pgmajfault (mm::TouchCost::major_faults): faults on mapped pages that waited for
  // I/O; read() page-cache misses and zero fills are not major faults.
  std::uint64_t major_faults = 0;
  std::uint64_t file_read_bytes = 0;
  // SSD read requests of faults and read()s (file readahead and read-around windows, single-page
  // random reads, swap-in clusters): what major_faults counted before issue 9.
  std::uint64_t read_requests = 0;
  std::uint64_t fault_waits = 0;     // device latencies a faulting thread waited (see TouchCost)
  std::uint64_t swap_in_bytes = 0;
  std::uint64_t swap_out_bytes = 0;
  std::uint64_t writeback_bytes = 0;
  std::uint64_t direct_reclaim_pages = 0;
  std::uint64_t kswapd_reclaim_pages = 0;
  std::uint64_t oom_kills = 0;
  // Pages read back in after they had been evicted, in bytes (the memory manager's true count, as
  // the kernel's workingset_refault): file pages faulted in over a shadow entry, and anonymous
  // pages swapped in. A first read (a model's weights, a corpus read once) is no refault.
  std::uint64_t refault_file_bytes = 0, refault_anon_bytes = 0;
  std::uint64_t refault_bytes() const { return refault_file_bytes + refault_anon_bytes; }
  std::uint64_t watermark_min_bytes = 0, watermark_low_bytes = 0, watermark_high_bytes = 0;
};

// One memory cgroup of the host at the horizon (the kernel's memory.* files), in bytes where the
// manager counts pages. Limits: nullopt = "max" (no limit).
struct GroupResult {
  std::string name;
  std::optional<std::uint64_t> max_bytes, high_bytes, swap_max_bytes;  // memory.max, .high, .swap.max
  std::uint64_t min_bytes = 0, low_bytes = 0;                          // memory.min, memory.low
  std::uint64_t usage_bytes = 0, peak_usage_bytes = 0;  // memory.current, memory.peak (file + anon)
  std::uint64_t file_bytes = 0, anon_bytes = 0;        // memory.stat file, anon (now)
  std::uint64_t swap_bytes = 0, peak_swap_bytes = 0;   // memory.swap.current, memory.swap.peak
  std::uint64_t major_faults = 0;                      // memory.stat pgmajfault
  std::uint64_t read_requests = 0;                     // read requests of its tasks (MemoryResult::read_requests)
  std::uint64_t refault_file_bytes = 0, refault_anon_bytes = 0;  // workingset_refault_file/_anon
  std::uint64_t reclaim_bytes = 0;  // pgsteal: reclaimed from the group, any reason
  std::uint64_t events_low = 0, events_high = 0, events_max = 0, events_oom = 0, events_oom_kill = 0;
  double high_throttle_s = 0;  // memory.high penalty its tasks slept
  std::uint64_t refault_bytes() const { return refault_file_bytes + refault_anon_bytes; }
};

// The host's memory at one simulated instant (`run`/`compare --timeseries-interval`, `run --timeline`), the figures a capture
// records on a real machine (sim/capture) so the two can be compared (`run --against`).
struct TimeSample {
  double time_s = 0;
  std::uint64_t anon_bytes = 0, file_bytes = 0, swap_bytes = 0;  // now: anon frames, page cache, swap slots used
  std::uint64_t pgmajfault = 0;                                  // cumulative major faults (MemoryResult::major_faults)
  std::uint64_t pswpin = 0, pswpout = 0;                         // cumulative pages swapped in / out
  double psi_some_s = 0, psi_full_s = 0;                         // cumulative PSI stall since 0 (analysis::memory_pressure)
  std::vector<std::uint64_t> workload_rss_bytes;                 // per HostResult::workloads entry: anon + file-mapped + wired now
  // Now: unevictable frames (the OS reserve, wired GPU buffers, mlocked pages; MemoryResult::
  // peak_unevictable_bytes is their peak) and free frames. anon + file + unevictable + free = RAM.
  std::uint64_t unevictable_bytes = 0, free_bytes = 0;
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
  std::vector<GroupResult> groups;  // the scenario's memory cgroups, in order (the root is not listed)
  std::vector<WorkloadResult> workloads;
  // Every timeseries_interval_s of simulated time from 0, and at the horizon; empty unless asked.
  double timeseries_interval_s = 0;
  std::vector<TimeSample> timeseries;
  // Set by analysis::summarised() where the host was simulated (a `compare` child): the figures
  // computed from the request records and intervals, which were then dropped, so that a child
  // ships a few KB instead of every request. summarize_host() uses them as they are.
  std::shared_ptr<const PrecomputedSummary> summary;
  // `run --timeline`: the steps and requests the engine recorded (analysis/timeline.hpp); null
  // unless asked. Stays in the process that simulated it (not in the child transport's JSON).
  std::shared_ptr<const Timeline> timeline;
};

struct ScenarioResult {
  std::string scenario;  // name
  std::string description;
  std::string scenario_path;
  std::uint64_t seed = 0;
  double duration_s = 0;
  std::vector<std::string> start_order;  // workload names in the order they are started (`after`)
  std::vector<HostResult> hosts;
};

}  // namespace headroom::analysis
