// What the engine records for a container or VM (box_run.cpp fills it into WorkloadResult::data;
// box_summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <optional>

#include "analysis/results.hpp"

namespace headroom::workloads {

struct BoxData : analysis::KindData {
  // As asked.
  bool vm = false;
  std::optional<std::uint64_t> max_bytes, high_bytes, swap_max_bytes;  // nullopt = max
  std::uint64_t min_bytes = 0, low_bytes = 0;
  std::uint64_t overhead_bytes = 0;
  bool private_page_cache = false;
  std::uint64_t ram_bytes = 0;                     // vm
  std::optional<std::uint64_t> balloon_min_bytes;  // vm
  // As run (sampled every kBoxPeriod_s and at the end of the box or the horizon).
  std::uint64_t peak_usage_bytes = 0;     // the group's memory.peak (its pages: workloads + overhead)
  std::uint64_t peak_host_bytes = 0;      // vm: most the host held for it (reservation + guest usage)
  std::uint64_t host_bytes_now = 0;       // vm: held at the last check (the horizon, or the box's end)
  std::uint64_t reserved_at_start_bytes = 0;  // vm: the host memory taken when it started
  std::uint64_t oom_kills_inside = 0;     // the group's memory.events oom_kill
  std::uint64_t group_ooms = 0;           // the group's memory.events oom
  std::optional<double> balloon_inflated_s;  // vm: when the balloon inflated (host under pressure)
  std::uint64_t balloon_returned_bytes = 0;  // vm: reservation handed back to the host by the balloon
  std::uint64_t samples = 0;
};

}  // namespace headroom::workloads
