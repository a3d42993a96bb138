// kind: recorded: its metrics from the common WorkloadResult and its RecordedData (front end,
// compiled into hr_analysis).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/results.hpp"

namespace headroom::models {

struct RecordedMetrics {
  std::string series, format, access;
  std::uint64_t series_samples = 0, skipped_rows = 0, samples_in_horizon = 0;
  std::uint64_t samples_replayed = 0, hold_steps = 0, late_samples = 0;
  double max_lag_s = 0;
  double memory_stall_s = 0;  // union of the stall intervals within the horizon
  std::uint64_t peak_anon_bytes = 0, peak_file_bytes = 0, peak_resident_bytes = 0;
  bool keeps_up = false;  // every sample due was reached, none after the next was due
  std::string keeps_up_reason;
};

// nullopt when `w` holds no RecordedData.
std::optional<RecordedMetrics> compute_recorded_metrics(const analysis::WorkloadResult& w, double horizon_s);
nlohmann::ordered_json metrics_json(const RecordedMetrics& metrics);

}  // namespace headroom::models
