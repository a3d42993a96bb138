#include <cmath>
#include <random>

#include "models/workloads/common/request_source.hpp"

namespace headroom::workloads {

namespace {
// Uniform in [0, 1) from the top 53 bits: the same on every platform, unlike
// std::exponential_distribution, whose algorithm is left to the standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
}  // namespace

std::vector<Request> poisson_requests(const ArrivalSpec& a, double begin_s, double end_s, std::uint64_t seed) {
  std::vector<Request> out;
  std::mt19937_64 rng(seed);
  double offset_s = 0;  // summed from 0 and shifted once, so a window at 0 gives the same times as before
  while (a.max_requests == 0 || out.size() < a.max_requests) {
    offset_s += -std::log1p(-uniform01(rng)) / a.rate_per_s;  // exponential gap of mean 1 / rate
    const double t = begin_s + offset_s;
    if (t >= end_s) break;
    out.push_back({t, a.prompt_tokens, a.output_tokens, {}});
  }
  return out;
}

RequestSource::RequestSource(const ArrivalSpec& a, double begin_s, double end_s, std::uint64_t seed) {
  if (a.kind == ArrivalSpec::Kind::poisson) {
    requests_ = poisson_requests(a, begin_s, end_s, seed);
    return;
  }
  if (a.trace_requests)
    for (Request r : *a.trace_requests) {
      r.arrival_s += begin_s;
      if (r.arrival_s >= end_s) break;  // past the window (or a spec built for a longer horizon)
      requests_.push_back(r);
    }
}

}  // namespace headroom::workloads
