// What a workload kind's engine side (models/workloads/<kind>/run.cpp) is given. Kinds are found by
// name in the one registry, sim/workload_kind.hpp; the engine never names a kind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "sim/config/scenario.hpp"
#include "sim/mm/memory_manager.hpp"
#include "sim/workload_kind.hpp"

namespace headroom::engine {

struct Platform;
class HostMemory;
class Lifecycle;  // simulate.cpp: starts, stops and releases workloads
class TimelineRecorder;  // sim/engine/timeline.hpp

// Objects workloads of one host run share, by key (WorkloadContext::shared): a router and its
// replicas meet on one (models/workloads/common/router_port.hpp) whatever their start order.
using SharedObjects = std::map<std::string, std::shared_ptr<void>>;

// Everything a workload may use; it outlives the simulation run.
struct WorkloadContext {
  const config::Scenario& scenario;
  const config::HostSpec& host;
  const config::WorkloadSpec& spec;  // the kind's own subclass of config::WorkloadSpec
  std::size_t index;                 // position in scenario.workloads (seeds per workload)
  Platform& platform;
  HostMemory& memory;
  analysis::WorkloadResult& result;  // filled by the workload's actors as they run
  Lifecycle* lifecycle = nullptr;    // null when a test starts a kind by hand

  std::vector<mm::OwnerId> owners;  // the workload's processes (add_process)
  mm::GroupId group = mm::kRootGroup;  // its memory cgroup (the scenario's `group:`)

  // A process of this workload (named after it): its memory is freed when the workload finishes
  // or is stopped. When the OOM killer takes it, `on_killed` runs (see HostMemory::add_process),
  // then the workload is failed(oom_killed, oom_kill, "killed by the OOM killer at T s").
  mm::OwnerId add_process(std::function<void()> on_killed);
  // The shared file `name` as this workload sees it (HostMemory::file): one page-cache copy for
  // every workload naming it, except inside a group with a private page cache (a VM's guest),
  // where the group has its own copy.
  mm::FileId file(const std::string& name, std::uint64_t bytes);
  // The kind's work is done: status finished, end_s now, its memory freed, its dependants released.
  void finished();
  // The kind could not run or was killed (failed-to-start, oom-killed): status, cause and detail
  // set, end_s now; its dependants are skipped.
  void failed(analysis::WorkloadStatus status, analysis::Cause cause, std::string detail);
  // True once stop_at was reached (the workload is stopped and its memory freed): the kind's actors
  // return at their next step.
  bool stopping() const;
  // Records the workload's current memory in result.peak (the kind calls it after each step).
  void sample_memory();
  // The workload has work to do from now (opens a busy interval, unless one is open) / has none
  // (closes it). An interval still open at the horizon ends there; an OOM kill closes it.
  void busy();
  void idle();
  bool busy_open = false;

  // The object shared under `key` by the workloads of this host run: find-or-create (an empty
  // pointer the first caller fills). simulate.cpp gives every context of a run the same map; a
  // context built by hand gets a map of its own on first use.
  std::shared_ptr<void>& shared(const std::string& key) {
    if (!shared_objects) shared_objects = std::make_shared<SharedObjects>();
    return (*shared_objects)[key];
  }
  std::shared_ptr<SharedObjects> shared_objects;
  // `run --timeline`: where the kind reports its steps and requests (sim/engine/timeline.hpp);
  // null when the option is off (the kind then records nothing).
  TimelineRecorder* timeline = nullptr;
};

}  // namespace headroom::engine
