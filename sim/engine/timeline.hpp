// sim/engine/timeline: `run --timeline`: the recorder a workload's actors report their steps to
// (WorkloadContext::timeline, null when the option is off, so a run without it does nothing more).
// It only copies what the kind already computed (times read from the clock, batch sizes): the run,
// and its report, are the same with or without it. At the end, the request records of the kinds
// that registered theirs are copied in (requests()). analysis/timeline.hpp renders the result.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/timeline.hpp"

namespace headroom::engine {

class TimelineRecorder {
 public:
  // Keeps at most max_events slices (the file's cap; the writer applies it to the whole file).
  explicit TimelineRecorder(std::size_t max_events) { timeline_.max_events = max_events; }

  // A complete slice [begin_s, end_s] on `workload`'s track; `name` and the arg keys are literals.
  void slice(std::size_t workload, std::string_view name, double begin_s, double end_s,
             std::initializer_list<std::pair<std::string_view, double>> args = {});
  // The kind's request records (in its KindData, alive until the result is), copied by finish().
  void requests(std::size_t workload, const std::vector<analysis::RequestRecord>* records);
  // After the run: the timeline with every registered request record as it stands at the horizon.
  std::shared_ptr<const analysis::Timeline> finish();

 private:
  std::uint32_t intern(std::string_view name);

  analysis::Timeline timeline_;
  std::vector<std::pair<std::size_t, const std::vector<analysis::RequestRecord>*>> sources_;
};

}  // namespace headroom::engine
