#include "analysis/results.hpp"

#include <array>

namespace headroom::analysis {

namespace {
constexpr std::array<const char*, 7> kStatusNames{"not-started", "skipped", "running", "finished",
                                                  "stopped", "failed-to-start", "oom-killed"};
// Request failure texts keep the words they always had.
constexpr std::array<const char*, 9> kCauseNames{"none",
                                                 "oom-killed",
                                                 "group-oom-killed",
                                                 "wired limit exceeded",
                                                 "context too long",
                                                 "kv budget exceeded",
                                                 "predecessor failed",
                                                 "VRAM exceeded",
                                                 "no GPU"};
static_assert(kCauseNames.size() == static_cast<std::size_t>(kLastCause) + 1);
}  // namespace

// The word of enum value `value` in `names`, and back.
template <class Enum, std::size_t N>
const char* name_of(const std::array<const char*, N>& names, Enum value) {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "?";
}
template <class Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<const char*, N>& names, const std::string& text) {
  for (std::size_t i = 0; i < N; ++i)
    if (text == names[i]) return static_cast<Enum>(i);
  return std::nullopt;
}

const char* to_string(WorkloadStatus status) { return name_of(kStatusNames, status); }
std::optional<WorkloadStatus> workload_status_from(const std::string& text) {
  return value_of<WorkloadStatus>(kStatusNames, text);
}
const char* to_string(Cause cause) { return name_of(kCauseNames, cause); }
std::optional<Cause> cause_from(const std::string& text) { return value_of<Cause>(kCauseNames, text); }

bool is_failure(WorkloadStatus status) {
  return status == WorkloadStatus::failed_to_start || status == WorkloadStatus::oom_killed ||
         status == WorkloadStatus::skipped;
}

bool is_memory_cause(Cause cause) {
  switch (cause) {
    case Cause::oom_kill:
    case Cause::group_oom_kill:
    case Cause::wired_limit:
    case Cause::kv_budget:  // the KV budget is memory the scenario gave the server
    case Cause::vram_exceeded:
      return true;
    case Cause::none:
    case Cause::context_too_long:
    case Cause::predecessor_failed:
    case Cause::no_gpu:
      return false;
  }
  return false;
}

}  // namespace headroom::analysis
