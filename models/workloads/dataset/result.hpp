// kind: dataset: what the engine records for one dataset workload (run.cpp fills it into
// WorkloadResult::data; summary.cpp turns it into metrics). Plain data, no SimGrid.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/results.hpp"

namespace headroom::models {

struct DatasetData : analysis::KindData {
  std::string mode;
  std::uint64_t size_bytes = 0, epochs = 0;
  double start_s = -1, finish_s = -1;
  bool finished = false;
  std::uint64_t processed_bytes = 0;   // corpus bytes processed over all epochs
  std::vector<double> epoch_end_s;     // when each completed epoch ended
  std::uint64_t dedup_bytes = 0;       // the dedup table's size at the end (page-rounded)
  std::uint64_t peak_resident_bytes = 0;
};

}  // namespace headroom::models
