// kind: process: what the engine records for one process (run.cpp fills it into
// WorkloadResult::data; summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <string>

#include "analysis/results.hpp"

namespace headroom::models {

struct ProcessData : analysis::KindData {
  // As asked (the spec).
  double asked_steps_per_s = 0;
  std::uint64_t work_steps = 0;  // 0: runs to the horizon
  std::string pattern;           // "sequential" | "strided" | "uniform" | "hot-cold"
  bool sampled = false;          // random touches were sampled (k pages per step drawn from a seeded generator)
  std::uint64_t step_bytes = 0;  // touched per step by the pattern on this host (page size known)
  // As done.
  std::uint64_t steps_done = 0;
  double start_s = -1;            // first step began
  double first_step_end_s = -1;   // end of the first step's period (cold: includes faulting in the footprint)
  double last_step_end_s = -1;    // end of the last completed step's period
  bool finished = false;          // did all work_steps
  double finish_s = -1;           // when, if finished
  std::uint64_t touched_bytes = 0;      // by the pattern and by growth, over the run
  std::uint64_t peak_anon_bytes = 0;    // largest anonymous footprint reached (page-rounded)
  std::uint64_t peak_file_bytes = 0;    // largest file range in use reached (page-rounded)
  std::uint64_t peak_resident_bytes = 0;  // the owner's resident pages after a step, at most
  std::uint64_t shrunk_bytes = 0;  // footprint given up by shrinking steps (discarded: freed)
};

}  // namespace headroom::models
