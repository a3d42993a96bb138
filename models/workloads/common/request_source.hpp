// The request source of a serving workload (engine side, no SimGrid): Poisson arrivals or a trace's
// requests (parsed at load time) in arrival order, produced into the queue a server consumes. The
// server asks for every request that has arrived by now between its iterations, and sleeps until
// the next arrival when idle: what an arrival actor pushing into a queue gives, with one actor
// fewer. A router (models/workloads/router/) owns one and dispatches to its replicas.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "models/workloads/common/arrivals.hpp"
#include "sim/config/scenario.hpp"

namespace headroom::workloads {

// Poisson arrivals in [begin_s, end_s): begin_s plus exponential gaps of mean 1/rate from a
// std::mt19937_64 seeded with `seed` (uniforms from the top 53 bits: the same on every platform).
std::vector<Request> poisson_requests(const ArrivalSpec& arrivals, double begin_s, double end_s, std::uint64_t seed);

// The end of a serving workload's run window: its stop_at, or the horizon.
inline double run_end_s(const config::WorkloadSpec& spec, double horizon_s) {
  return spec.stop_at_s ? std::min(*spec.stop_at_s, horizon_s) : horizon_s;
}

class RequestSource {
 public:
  // The requests of the serving workload's run window [begin_s, end_s) (its start, and its stop_at
  // or the horizon): traffic starts when the server does and ends when it stops. Poisson: generated
  // here; trace: the requests parsed at load time, their times (from the trace's first row) shifted
  // to begin_s.
  RequestSource(const ArrivalSpec& arrivals, double begin_s, double end_s, std::uint64_t seed);

  const std::vector<Request>& requests() const { return requests_; }
  // Appends to `queue` the index of every request arrived by `now_s` (within SimGrid's clock
  // rounding) not yet produced, for which `accept(index)` is true.
  template <class Accept>
  void produce_until(double now_s, std::deque<std::size_t>& queue, Accept accept) {
    for (; next_ < requests_.size() && requests_[next_].arrival_s <= now_s + kClockRounding_s; ++next_)
      if (accept(next_)) queue.push_back(next_);
  }
  // When the next request arrives; nullopt when the source is exhausted.
  std::optional<double> next_arrival_s() const {
    if (next_ == requests_.size()) return std::nullopt;
    return requests_[next_].arrival_s;
  }

  // sleep_until(t) wakes at t give or take the rounding of the clock (one ulp: 1.1e-13 s at
  // t = 1000 s); arrivals within SimGrid's timing precision of now have arrived.
  static constexpr double kClockRounding_s = 1e-9;

 private:
  std::vector<Request> requests_;
  std::size_t next_ = 0;
};

}  // namespace headroom::workloads
