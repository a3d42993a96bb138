#include "sim/engine/timeline.hpp"

#include <algorithm>
#include <stdexcept>

namespace headroom::engine {

std::uint32_t TimelineRecorder::intern(std::string_view name) {
  // A handful of names (decode, prefill, train step, batch, ...): a linear search is enough.
  const auto found = std::find(timeline_.names.begin(), timeline_.names.end(), name);
  if (found != timeline_.names.end()) return static_cast<std::uint32_t>(found - timeline_.names.begin());
  timeline_.names.emplace_back(name);
  return static_cast<std::uint32_t>(timeline_.names.size() - 1);
}

void TimelineRecorder::slice(std::size_t workload, std::string_view name, double begin_s, double end_s,
                             std::initializer_list<std::pair<std::string_view, double>> args) {
  if (timeline_.slices.size() >= timeline_.max_events) {
    // Full: the memory stays bounded; the writer says from when slices are missing.
    if (timeline_.dropped_slices++ == 0) timeline_.first_dropped_s = begin_s;
    return;
  }
  if (args.size() > 2) throw std::logic_error("TimelineRecorder::slice: at most two args");
  analysis::TimelineSlice s;
  s.begin_s = begin_s;
  s.end_s = end_s;
  s.workload = static_cast<std::uint32_t>(workload);
  s.name = intern(name);
  std::size_t k = 0;
  for (const auto& [key, value] : args) {
    s.arg_keys[k] = intern(key);
    s.arg_values[k++] = value;
  }
  timeline_.slices.push_back(s);
}

void TimelineRecorder::requests(std::size_t workload, const std::vector<analysis::RequestRecord>* records) {
  sources_.emplace_back(workload, records);
}

std::shared_ptr<const analysis::Timeline> TimelineRecorder::finish() {
  for (const auto& [workload, records] : sources_)
    timeline_.requests.push_back({static_cast<std::uint32_t>(workload), *records});
  sources_.clear();
  return std::make_shared<analysis::Timeline>(std::move(timeline_));
}

}  // namespace headroom::engine
