// router's raw records in its WorkloadResult::data (engine writes, summary.cpp reads).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analysis/results.hpp"
#include "models/workloads/common/trace_rows.hpp"

namespace headroom::workloads {

// One request as the router saw it: times from its (original) arrival to the first token and the
// completion on the replica that served it last.
struct RoutedRecord : analysis::RequestRecord {
  int replica = -1;          // index in RouterData::replicas it was last sent to; -1 = never sent
  std::uint32_t sends = 0;   // 1 + retries
  bool dispatched = false;   // the router handled it (false: it arrived after the router stopped)
};

struct ReplicaLoad {
  std::string name;
  std::uint64_t sent = 0;       // requests sent to it (retries included)
  std::uint64_t completed = 0;  // completed on it
  std::uint64_t lost = 0;       // refused by it or lost when it died
};

struct RouterData : analysis::KindData {
  std::string policy;
  bool retry = true;
  std::vector<ReplicaLoad> replicas;  // in file order
  std::vector<RoutedRecord> requests;
  std::uint64_t retries = 0;  // sends after the first
  std::uint64_t concurrency = 0;  // the replicas' batch slots together
  TraceRowCounts trace_rows;      // its arrivals' trace rows read but not served
  // The requests it dispatched (those its summary counts as arrived).
  std::vector<analysis::RequestRecord> request_records() const override {
    std::vector<analysis::RequestRecord> out;
    for (const RoutedRecord& r : requests)
      if (r.dispatched) out.push_back(r);
    return out;
  }
};

}  // namespace headroom::workloads
