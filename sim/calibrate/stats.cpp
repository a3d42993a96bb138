#include <algorithm>

#include "sim/calibrate/calibrate.hpp"

namespace headroom::calibrate {

double Figure::median() const {
  if (samples.empty()) return 0;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  return n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

double Figure::spread_percent() const {
  const double mid = median();
  if (samples.empty() || mid == 0) return 0;
  const auto [lo, hi] = std::minmax_element(samples.begin(), samples.end());
  return (*hi - *lo) / 2 / mid * 100;
}

}  // namespace headroom::calibrate
