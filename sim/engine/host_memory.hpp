// The engine's side of the memory manager: one mm::MemoryManager per host, the OOM killer's
// bookkeeping (which workload dies, who is told), and the conversion of a TouchCost into simulated
// time on the shared SSD. Workload actors call touch() for every range they use in a step, sum the
// costs, then pay() once, and run their compute with the resident bytes (hit_bytes).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/mm/memory_manager.hpp"

namespace headroom::engine {

struct Platform;

// ManagerConfig for `host` under the scenario's memory settings (readahead in pages, at least 1).
mm::ManagerConfig manager_config(const config::HostSpec& host, const config::MemorySpec& memory);

// Adds every counter of `c` to `into` (out_of_memory is or-ed).
void add_cost(mm::TouchCost& into, const mm::TouchCost& c);

class HostMemory {
 public:
  HostMemory(const config::HostSpec& host, const config::MemorySpec& memory, const Platform& platform);

  mm::MemoryManager& manager() { return manager_; }
  const mm::MemoryManager& manager() const { return manager_; }
  std::uint64_t page_bytes() const { return manager_.page_bytes(); }

  // A memory cgroup one level under the root (mm::MemoryManager::add_group).
  mm::GroupId add_group(const std::string& name, const mm::GroupLimits& limits);

  // A process whose memory the OOM killer may take. `on_killed` runs inside the actor whose touch
  // triggered the kill, right after the manager freed the victim's memory. Without `group`: the root.
  mm::OwnerId add_process(const std::string& name, int oom_score_adj, std::function<void()> on_killed);
  // Inside an `on_killed` callback: the group whose memory.max ran out (a group OOM), or nullopt
  // for the host's OOM killer.
  std::optional<mm::GroupId> killing_group() const { return kill_group_; }
  mm::OwnerId add_process(const std::string& name, int oom_score_adj, mm::GroupId group,
                          std::function<void()> on_killed);
  bool alive(mm::OwnerId owner) const;

  // A VM's reservation (models/workloads/common/box_run.cpp): before each touch by a process of
  // `group`, `make_room(length_bytes)` runs (the reservation shrinks by at most the bytes the touch
  // may allocate), and after it `settle()` (the reservation back to the guest's free RAM), so the
  // host never holds the reservation and the guest's new pages at once.
  void set_reservation(mm::GroupId group, std::function<void(std::uint64_t)> make_room, std::function<void()> settle);

  // The shared file `name` (one page cache for all its mappings), created on first use. A second
  // call with another size throws std::logic_error (the config layer refuses that first).
  mm::FileId file(const std::string& name, std::uint64_t bytes);
  mm::MappingId map_file(mm::OwnerId owner, mm::FileId file, mm::FileUse use);
  // MADV_DONTNEED / FADV_DONTNEED on a range (mm::MemoryManager::discard); dirty file pages it
  // writes back go to the SSD in the background (they take bandwidth; nobody waits).
  void discard(mm::MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes);
  // A workload that finished or reached stop_at: frees its memory like a kill (shared files stay
  // cached), counts no OOM, does not call on_killed; alive() is false afterwards.
  void stop(mm::OwnerId owner);

  struct GroupReport {
    std::string name;
    mm::GroupLimits limits;
    mm::GroupStats stats;
  };
  // The groups added with add_group, in order (the root is not listed: manager().group_stats(0)).
  std::vector<GroupReport> groups() const;

  // Throws mm::WiredLimitExceeded when a wired mapping does not fit under the wired limit.
  mm::MappingId map(mm::OwnerId owner, mm::Backing backing, const std::string& name, std::uint64_t bytes);

  void unmap(mm::MappingId mapping);

  // Touches [offset, offset + length) of `mapping` for `owner`. When the manager reports out of
  // memory, the OOM killer picks the highest-badness process, kills it and the touch is retried,
  // unless the victim is `owner` itself (or nobody may be killed, in which case `owner` dies). A
  // group OOM (TouchCost::oom_group: the group's memory.max is exhausted) picks inside that group only.
  // Returns the cost of all attempts; nullopt when `owner` is dead after the call.
  std::optional<mm::TouchCost> touch(mm::OwnerId owner, mm::MappingId mapping, std::uint64_t offset_bytes,
                                     std::uint64_t length_bytes,
                                     mm::AccessPattern pattern = mm::AccessPattern::sequential,
                                     bool write = false);

  // Spends in simulated time what the caller waits for in `cost`; appends the wait to `stalls`.
  // Reads (file faults + swap-ins) are one SSD read of their bytes after fault_waits x
  // ssd_latency_s: a faulting thread waits one latency per sequential miss run (async readahead
  // keeps later windows in flight), per random page and per swap-in cluster, while the bytes
  // share the disk bandwidth with every other I/O. Direct-reclaim writes are a synchronous SSD write. kswapd's writes are
  // an SSD write by a background actor: they take disk bandwidth but nobody waits for them.
  // The kernel's per-page CPU work for swap (the host's swap_page_cost, or the scenario's
  // memory.swap_page_cpu_cost for every host) is a sleep of the caller for each page swapped in
  // and each page of its direct-reclaim writes, inside the stall. Zero fill (the host's
  // zero_fill_cost per anonymous page first touched) is a sleep after the stall (PSI does not
  // count it as a memory stall). Both are sleeps, not simulated CPU work: the kernel runs them on
  // the faulting thread's own core, in its time, while the simulated CPU resource models the
  // workloads' compute shared over the whole host, so an execution there would slow other
  // workloads' compute that runs on other cores. Difference: with more busy threads than cores,
  // the kernel's fault work would also contend; here it never does. Scanning clean pages is not
  // modelled. The caller's transfers run in a short-lived actor it
  // waits for (SimGrid keeps every I/O in the starting actor's list until that actor ends; see
  // in_io_actor in host_memory.cpp), so workload actors must do SSD I/O through pay() and
  // read_from_ssd(), never on the disk directly. The memory.high throttle (high_throttle_s) is a
  // sleep after the I/O, inside the recorded stall.
  void pay(const mm::TouchCost& cost, std::vector<analysis::Interval>& stalls);

  // A plain synchronous SSD read (e.g. loading weights into anonymous or wired memory).
  void read_from_ssd(std::uint64_t bytes, std::uint64_t waits);

  // Calls the manager's check_invariants() when HEADROOM_CHECK_INVARIANTS is set (non-empty, not
  // "0") or the build defines HEADROOM_DEBUG_INVARIANTS: the frame, group and swap counts after
  // every memory event, and the per-interval laws (swapped, dirty, shadow and charge sets against
  // residency) once at least intervals / kPageLawEventsPerInterval events passed since they were
  // last checked, and at the end of the run (check_all). Why: those laws cost O(intervals), and
  // random single-page touches fragment the sets into hundreds of thousands of intervals, so
  // checking them after every touch made a checked run take minutes; amortised, a checked run
  // costs a small multiple of an unchecked one whatever the fragmentation.
  void check() const;
  void check_all() const;  // every law now (tests, end of run)
  bool checking() const { return checking_; }

  analysis::MemoryResult result() const;

 private:
  struct Process {
    std::string name;
    bool alive = true;
    std::function<void()> on_killed;
    mm::GroupId group = mm::kRootGroup;
  };
  struct Reservation {
    std::function<void(std::uint64_t)> make_room;
    std::function<void()> settle;
  };
  std::map<mm::GroupId, Reservation> reservations_;
  // touch() without the reservation hooks.
  std::optional<mm::TouchCost> touch_unreserved(mm::OwnerId owner, mm::MappingId mapping, std::uint64_t offset_bytes,
                                                std::uint64_t length_bytes, mm::AccessPattern pattern, bool write);
  // Runs the OOM killer (inside `group` for a group OOM); false when `owner` itself died.
  bool kill_for(mm::OwnerId owner, std::optional<mm::GroupId> group);
  std::optional<mm::GroupId> kill_group_;  // the group whose memory.max caused the kill in progress
  const Process* find_process(mm::OwnerId owner) const;  // nullptr when not registered
  Process& process(mm::OwnerId owner);

  const Platform& platform_;
  std::uint64_t ram_bytes_;
  double swap_page_cpu_cost_s_;  // memory.swap_page_cpu_cost, else the host's swap_page_cost
  double zero_fill_cost_s_;      // the host's zero_fill_cost
  mm::MemoryManager manager_;
  std::vector<Process> processes_;  // indexed by OwnerId order of creation
  std::vector<mm::OwnerId> owner_ids_;
  std::map<std::string, mm::FileId, std::less<>> files_;
  bool checking_ = false;
  static constexpr std::uint64_t kPageLawEventsPerInterval = 64;
  mutable std::uint64_t events_since_page_laws_ = 0;  // memory events since the last per-interval check
  std::uint64_t fault_waits_ = 0;
};

}  // namespace headroom::engine
