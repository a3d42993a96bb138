// analysis/number_format: the one place that turns numbers into text, so every output format
// prints the same figure the same way (fixed precision, locale-independent, byte-stable).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace headroom::analysis {

// Significant digits of every non-integer figure in json/csv output ("%.9g").
inline constexpr int kOutputPrecision = 9;

// printf("%.<digits>g"); "-0" is printed as "0" so that a zero never depends on its sign.
inline std::string format_g(double value, int digits = kOutputPrecision) {
  if (value == 0) value = 0;  // folds -0.0
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return buffer;
}

// Fixed decimals for human tables ("%.<decimals>f").
inline std::string format_fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  std::string text = buffer;
  if (text.find_first_not_of("-0.") == std::string::npos) text = text.substr(text[0] == '-');
  return text;
}

inline constexpr double kBytesPerGiB = 1024.0 * 1024.0 * 1024.0;
inline double to_gib(std::uint64_t bytes) { return static_cast<double>(bytes) / kBytesPerGiB; }

inline std::string format_u64(std::uint64_t value) { return std::to_string(value); }

}  // namespace headroom::analysis
