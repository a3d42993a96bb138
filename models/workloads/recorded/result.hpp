// kind: recorded: what the engine records for one replayed series (run.cpp fills it into
// WorkloadResult::data; summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::models {

struct RecordedData : analysis::KindData {
  // As asked (the spec).
  std::string series, format, access;
  std::uint64_t series_samples = 0, skipped_rows = 0;
  std::uint64_t steps_in_horizon = 0;  // samples at or before the horizon (time_scale applied)
  // As done.
  double start_s = -1;
  std::uint64_t samples_replayed = 0;  // samples whose footprint was reached
  std::uint64_t hold_steps = 0;        // re-touches after the last sample (at_end: hold)
  std::uint64_t late_samples = 0;      // samples reached after the next one was due
  double max_lag_s = 0;                // the most a sample's work ended past the next one's time
  bool finished = false;               // at_end: exit, after the last sample
  double finish_s = -1;
  std::uint64_t peak_anon_bytes = 0, peak_file_bytes = 0;  // footprint reached (page-rounded)
  std::uint64_t peak_resident_bytes = 0;                   // the owner's resident pages after a step
  // Per sample replayed, after its step: the footprint asked and what the memory manager holds
  // (for comparing simulated with recorded; not printed in results).
  struct Point {
    double time_s = 0;                             // the step's end
    std::uint64_t anon_bytes = 0, file_bytes = 0;  // the footprint asked (page-rounded)
    std::uint64_t anon_resident_bytes = 0;         // its anonymous pages in memory
    std::uint64_t file_resident_bytes = 0;         // its private file's pages in the page cache
    std::uint64_t swap_bytes = 0;                  // its anonymous pages in swap
  };
  std::vector<Point> points;
};

}  // namespace headroom::models
