#include <cmath>
#include <random>

#include "models/workloads/common/request_source.hpp"

namespace headroom::workloads {

namespace {
// Uniform in [0, 1) from the top 53 bits: the same on every platform, unlike
// std::exponential_distribution, whose algorithm is left to the standard library.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }
}  // namespace

std::vector<Request> poisson_requests(const ArrivalSpec& a, double horizon_s, std::uint64_t seed) {
  std::vector<Request> out;
  std::mt19937_64 rng(seed);
  double t = 0;
  while (a.max_requests == 0 || out.size() < a.max_requests) {
    t += -std::log1p(-uniform01(rng)) / a.rate_per_s;  // exponential gap of mean 1 / rate
    if (t >= horizon_s) break;
    out.push_back({t, a.prompt_tokens, a.output_tokens});
  }
  return out;
}

RequestSource::RequestSource(const ArrivalSpec& a, double horizon_s, std::uint64_t seed) {
  if (a.kind == ArrivalSpec::Kind::poisson) {
    requests_ = poisson_requests(a, horizon_s, seed);
    return;
  }
  if (a.trace_requests)
    for (const Request& r : *a.trace_requests) {
      if (r.arrival_s >= horizon_s) break;  // a spec built for a longer horizon (tests)
      requests_.push_back(r);
    }
}

}  // namespace headroom::workloads
