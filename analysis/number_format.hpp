// analysis/number_format: the one place that turns numbers into text, so every output format
// prints the same figure the same way (fixed precision, locale-independent, byte-stable).
#pragma once

#include <algorithm>
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

// "1234567" -> "1,234,567" (the digits of an optional leading '-' are grouped after it).
inline std::string group_thousands(const std::string& digits) {
  const std::size_t first = (!digits.empty() && digits[0] == '-') ? 1 : 0;
  std::string out = digits.substr(0, first);
  const std::size_t n = digits.size() - first;
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0 && (n - i) % 3 == 0) out += ',';
    out += digits[first + i];
  }
  return out;
}

// A figure for people (md and html tables, plot labels): never scientific notation, thousands
// separated, `significant` digits kept for fractional values (at least 0 decimals, at most 12),
// trailing zeros after the point dropped. Whole values below 1e15 print exactly ("20,330");
// larger ones are rounded to a whole number; NaN is "n/a", infinities "inf" / "-inf".
// json and csv keep format_g's full precision instead.
inline std::string format_readable(double value, int significant = 4) {
  if (std::isnan(value)) return "n/a";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (value == 0) return "0";
  const double magnitude = std::fabs(value);
  int decimals = 0;
  if (magnitude < 1e15 && value != std::trunc(value)) {
    const int exponent = static_cast<int>(std::floor(std::log10(magnitude)));
    decimals = std::clamp(significant - 1 - exponent, 0, 12);
  }
  std::string text = format_fixed(value, decimals);
  std::string whole = text, fraction;
  if (const std::size_t point = text.find('.'); point != std::string::npos) {
    whole = text.substr(0, point);
    fraction = text.substr(point + 1);
    while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  }
  return group_thousands(whole) + (fraction.empty() ? "" : "." + fraction);
}

}  // namespace headroom::analysis
