#include "analysis/results.hpp"

#include <array>

namespace headroom::analysis {

namespace {
constexpr std::array<const char*, 7> kStatusNames{"not-started", "skipped", "running", "finished",
                                                  "stopped", "failed-to-start", "oom-killed"};
// Request failure texts keep the words they always had.
constexpr std::array<const char*, 7> kCauseNames{"none",
                                                 "oom-killed",
                                                 "group-oom-killed",
                                                 "wired limit exceeded",
                                                 "context too long",
                                                 "kv budget exceeded",
                                                 "predecessor failed"};
static_assert(kCauseNames.size() == static_cast<std::size_t>(kLastCause) + 1);
}  // namespace

const char* to_string(WorkloadStatus status) {
  const auto i = static_cast<std::size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : "?";
}

std::optional<WorkloadStatus> workload_status_from(const std::string& text) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (text == kStatusNames[i]) return static_cast<WorkloadStatus>(i);
  return std::nullopt;
}

bool is_failure(WorkloadStatus status) {
  return status == WorkloadStatus::failed_to_start || status == WorkloadStatus::oom_killed ||
         status == WorkloadStatus::skipped;
}

const char* to_string(Cause cause) {
  const auto i = static_cast<std::size_t>(cause);
  return i < kCauseNames.size() ? kCauseNames[i] : "?";
}

std::optional<Cause> cause_from(const std::string& text) {
  for (std::size_t i = 0; i < kCauseNames.size(); ++i)
    if (text == kCauseNames[i]) return static_cast<Cause>(i);
  return std::nullopt;
}

bool is_memory_cause(Cause cause) {
  switch (cause) {
    case Cause::oom_kill:
    case Cause::group_oom_kill:
    case Cause::wired_limit:
    case Cause::kv_budget:  // the KV budget is memory the scenario gave the server
      return true;
    case Cause::none:
    case Cause::context_too_long:
    case Cause::predecessor_failed:
      return false;
  }
  return false;
}

}  // namespace headroom::analysis
