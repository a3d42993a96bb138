// kind: process: its metrics from the common WorkloadResult and its ProcessData (front end,
// compiled into hr_analysis). process_metrics() is what the summary registry will call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/results.hpp"

namespace headroom::models {

struct ProcessMetrics {
  std::string pattern;
  std::string touches;  // "sampled: ..." or "deterministic: ..."
  std::uint64_t steps_done = 0;
  double steps_per_s_asked = 0;
  double steps_per_s_achieved = 0;  // steps done / (time to finish, or horizon - start)
  std::optional<double> warm_step_s;  // mean period of the steps after the first (>= 2 steps)
  double memory_stall_s = 0;          // union of the stall intervals within the horizon
  std::uint64_t work_steps = 0;       // 0: none asked
  std::optional<double> progress;     // steps done / work, when work is asked
  std::optional<double> time_to_finish_s;  // finish - start, when finished
  std::uint64_t peak_anon_bytes = 0, peak_file_bytes = 0, peak_resident_bytes = 0;
  std::uint64_t shrunk_bytes = 0;
  bool keeps_up = false;  // achieved at least 99% of the asked rate (and finished, when work is asked and time allowed)
  std::string keeps_up_reason;
};

// nullopt when `w` holds no ProcessData (not a process, or a result that crossed the transport).
std::optional<ProcessMetrics> compute_process_metrics(const analysis::WorkloadResult& w, double horizon_s);

// The metrics as an ordered JSON object (keys in the order above; absent values are null).
nlohmann::ordered_json process_metrics(const analysis::WorkloadResult& w, double horizon_s);
// The same from metrics already computed.
nlohmann::ordered_json metrics_json(const ProcessMetrics& metrics);

}  // namespace headroom::models
