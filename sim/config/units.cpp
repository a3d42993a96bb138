#include "sim/config/units.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "sim/text.hpp"

namespace headroom::config {
namespace {

using u128 = unsigned __int128;

constexpr std::uint64_t kMaxBytes = std::numeric_limits<std::uint64_t>::max();
constexpr std::string_view kSizePhrase = "a size such as 96GiB or 512MB";
constexpr std::string_view kRatePhrase = "a bandwidth such as 400GB/s or 3.5GiB/s";
constexpr std::string_view kFlopsPhrase = "a compute rate such as 14.2TFLOP/s or 900GFLOP/s";
constexpr std::string_view kDurationPhrase = "a duration such as 250us, 50ms, 1.5s, 10min or 2h";
constexpr std::string_view kPerSecondPhrase = "an arrival rate such as 2/s or 120/min";
constexpr std::string_view kPercentPhrase = "a percentage such as 75%";

[[noreturn]] void fail(std::string_view phrase, std::string_view text, std::string_view hint = {}) {
  std::string message = "expected " + std::string(phrase) + ", found '" + shown(text) + "'";
  if (!hint.empty()) message += " (" + std::string(hint) + ")";
  throw UnitError(message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// A decimal number exactly as written (digits kept as text, so that no length of input can wrap
// an intermediate), and the unit after it.
struct Quantity {
  std::string_view whole;     // digits before the point (possibly empty: ".5")
  std::string_view fraction;  // digits after it
  std::string_view number;    // the number's text, for the conversion to double
  std::string unit;           // text after the number and its one optional space
  bool is_zero() const {
    return whole.find_first_not_of('0') == std::string_view::npos &&
           fraction.find_first_not_of('0') == std::string_view::npos;
  }
};

Quantity split_quantity(std::string_view raw, std::string_view phrase) {
  const std::string_view text = trim(raw);
  if (text.empty()) fail(phrase, raw, "empty value");
  if (text.front() == '-') fail(phrase, raw, "negative values are not allowed");
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  Quantity q;
  q.whole = text.substr(0, i);
  if (i < text.size() && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < text.size() && is_digit(text[i])) ++i;
    q.fraction = text.substr(start, i - start);
  }
  if (q.whole.empty() && q.fraction.empty()) fail(phrase, raw, "no number");
  q.number = text.substr(0, i);
  std::string_view rest = text.substr(i);
  // The documented form allows one space between number and unit, nothing wider.
  if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
    fail(phrase, raw, "at most one space between the number and its unit");
  q.unit = std::string(rest);
  return q;
}

// q x multiplier as a finite double; a number too large (or too small) for a double is an error,
// never inf or a silent 0.
double scaled(const Quantity& q, double multiplier, std::string_view phrase, std::string_view text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(q.number.data(), q.number.data() + q.number.size(), value,
                                         std::chars_format::fixed);
  if (ec == std::errc::result_out_of_range)
    fail(phrase, text, q.whole.find_first_not_of('0') != std::string_view::npos ? "too large"
                                                                                : "too small");
  if (ec != std::errc() || end != q.number.data() + q.number.size()) fail(phrase, text, "no number");
  const double result = value * multiplier;
  if (!std::isfinite(result)) fail(phrase, text, "too large");
  if (result == 0 && !q.is_zero()) fail(phrase, text, "too small");
  return result;
}

// Whole bytes of q x unit_bytes, the fraction rounded up, computed exactly on the digits; nothing
// when the result does not fit in 64 bits.
std::optional<std::uint64_t> exact_bytes(const Quantity& q, std::uint64_t unit_bytes) {
  constexpr u128 kMax = std::numeric_limits<std::uint64_t>::max();
  u128 whole = 0;
  for (const char c : q.whole) {
    whole = whole * 10 + static_cast<unsigned>(c - '0');
    if (whole > kMax) return std::nullopt;  // checked per digit: whole x 10 stays far below 2^128
  }
  whole *= unit_bytes;  // < 2^64 x 2^41
  // fraction x unit_bytes, long multiplication from the last digit: `carry` ends as its whole
  // part (below unit_bytes), `inexact` says whether anything was left after the point.
  u128 carry = 0;
  bool inexact = false;
  for (auto it = q.fraction.rbegin(); it != q.fraction.rend(); ++it) {
    const u128 x = static_cast<u128>(*it - '0') * unit_bytes + carry;
    inexact = inexact || x % 10 != 0;
    carry = x / 10;
  }
  const u128 bytes = whole + carry + (inexact ? 1 : 0);
  if (bytes > kMax) return std::nullopt;
  return static_cast<std::uint64_t>(bytes);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <std::size_t N>
const std::pair<std::string_view, double>* find_unit(
    const std::array<std::pair<std::string_view, double>, N>& table, std::string_view unit) {
  for (const auto& entry : table)
    if (entry.first == unit) return &entry;
  return nullptr;
}

template <std::size_t N>
const std::pair<std::string_view, double>* find_unit_any_case(
    const std::array<std::pair<std::string_view, double>, N>& table, std::string_view unit) {
  for (const auto& entry : table)
    if (lower(entry.first) == lower(unit)) return &entry;
  return nullptr;
}

// Multipliers are exact in double up to 2^53, which covers every unit below; sizes use them as
// integers.
constexpr std::array<std::pair<std::string_view, double>, 9> kSizeUnits{{
    {"B", 1.0}, {"kB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
    {"KiB", 1024.0}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}, {"TiB", 1099511627776.0}}};

// "G" -> "write GB (10^9 bytes) or GiB (2^30 bytes)"; suffix is "" for sizes, "/s" for rates.
std::string prefix_hint(char letter, std::string_view suffix) {
  static constexpr std::string_view kLetters = "KMGT";
  const char up = static_cast<char>(std::toupper(static_cast<unsigned char>(letter)));
  const std::size_t index = kLetters.find(up);
  if (index == std::string_view::npos) return {};
  const std::string decimal = (up == 'K' ? std::string("kB") : std::string(1, up) + "B");
  const std::string binary = (up == 'K' ? std::string("KiB") : std::string(1, up) + "iB");
  const std::string power10 = std::to_string(3 * (index + 1));
  const std::string power2 = std::to_string(10 * (index + 1));
  return "write " + decimal + std::string(suffix) + " (10^" + power10 + " bytes) or " + binary +
         std::string(suffix) + " (2^" + power2 + " bytes)";
}

// Why a size unit was rejected, for the error text.
std::string size_unit_hint(std::string_view unit, std::string_view suffix) {
  if (unit.empty()) return "no unit";
  const std::string hint = prefix_hint(unit.front(), suffix);
  if (unit.size() == 1 && !hint.empty()) {
    std::string message(1, '\'');
    message.append(shown(unit)).append("' is ambiguous: ").append(hint);
    return message;
  }
  if (find_unit_any_case(kSizeUnits, unit) ||
      (unit.size() == 2 && (unit[1] == 'b' || unit[1] == 'B') && !hint.empty()))
    return "units are case-sensitive: " + hint;
  return "unknown unit '" + shown(unit) + "'";
}

}  // namespace

std::uint64_t parse_bytes(std::string_view text) {
  const Quantity q = split_quantity(text, kSizePhrase);
  if (q.unit.empty() && q.is_zero()) return 0;
  const auto* unit = find_unit(kSizeUnits, q.unit);
  if (!unit) fail(kSizePhrase, text, size_unit_hint(q.unit, ""));
  const auto bytes = exact_bytes(q, static_cast<std::uint64_t>(unit->second));
  if (!bytes)
    throw UnitError("expected a size of at most " + std::to_string(kMaxBytes) + "B (2^64 - 1 bytes), found '" +
                    shown(text) + "'");
  return *bytes;
}

double parse_rate_Bps(std::string_view text) {
  const Quantity q = split_quantity(text, kRatePhrase);
  if (q.unit.empty() && q.is_zero()) return 0;
  const std::string_view unit = q.unit;
  if (unit.size() < 2 || unit.substr(unit.size() - 2) != "/s") {
    if (find_unit(kSizeUnits, unit)) fail(kRatePhrase, text, "a bandwidth needs '/s'");
    fail(kRatePhrase, text, unit.empty() ? "no unit" : "unknown unit '" + shown(q.unit) + "'");
  }
  const std::string_view size_unit = unit.substr(0, unit.size() - 2);
  const auto* found = find_unit(kSizeUnits, size_unit);
  if (!found) fail(kRatePhrase, text, size_unit_hint(size_unit, "/s"));
  return scaled(q, found->second, kRatePhrase, text);
}

double parse_flops(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"FLOP/s", 1.0}, {"kFLOP/s", 1e3}, {"MFLOP/s", 1e6}, {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12},
      {"PFLOP/s", 1e15}}};
  const Quantity q = split_quantity(text, kFlopsPhrase);
  if (q.unit.empty() && q.is_zero()) return 0;
  const auto* found = find_unit(kUnits, q.unit);
  if (found) return scaled(q, found->second, kFlopsPhrase, text);
  if (q.unit.empty()) fail(kFlopsPhrase, text, "no unit");
  std::string as_rate = q.unit;
  if (as_rate.size() > 1 && (as_rate.back() == 'S' || as_rate.back() == 's') &&
      as_rate.find('/') == std::string::npos)
    as_rate = as_rate.substr(0, as_rate.size() - 1) + "/s";  // TFLOPS -> TFLOP/s for the hint
  if (const auto* near = find_unit_any_case(kUnits, as_rate))
    fail(kFlopsPhrase, text, "write " + std::string(near->first));
  fail(kFlopsPhrase, text, "unknown unit '" + shown(q.unit) + "'");
}

double parse_duration_s(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"min", 60.0}, {"h", 3600.0}}};
  const Quantity q = split_quantity(text, kDurationPhrase);
  if (q.unit.empty() && q.is_zero()) return 0;
  if (const auto* found = find_unit(kUnits, q.unit)) return scaled(q, found->second, kDurationPhrase, text);
  if (q.unit.empty()) fail(kDurationPhrase, text, "no unit");
  if (q.unit == "m") fail(kDurationPhrase, text, "'m' is ambiguous: write min or ms");
  const std::string low = lower(q.unit);
  if (low == "sec" || low == "secs" || low == "second" || low == "seconds")
    fail(kDurationPhrase, text, "write s");
  if (low == "µs" || low == "μs") fail(kDurationPhrase, text, "write us");
  if (const auto* near = find_unit_any_case(kUnits, q.unit))
    fail(kDurationPhrase, text, "units are case-sensitive: write " + std::string(near->first));
  fail(kDurationPhrase, text, "unknown unit '" + shown(q.unit) + "'");
}

double parse_rate_per_s(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 3> kUnits{{
      {"/s", 1.0}, {"/min", 1.0 / 60.0}, {"/h", 1.0 / 3600.0}}};
  const Quantity q = split_quantity(text, kPerSecondPhrase);
  if (q.unit.empty() && q.is_zero()) return 0;
  if (const auto* found = find_unit(kUnits, q.unit)) return scaled(q, found->second, kPerSecondPhrase, text);
  if (q.unit.empty()) fail(kPerSecondPhrase, text, "no unit");
  fail(kPerSecondPhrase, text, "unknown unit '" + shown(q.unit) + "'");
}

double parse_percent(std::string_view text) {
  const Quantity q = split_quantity(text, kPercentPhrase);
  if (q.unit != "%") fail(kPercentPhrase, text);
  const double percent = scaled(q, 1.0, kPercentPhrase, text);
  if (percent <= 0 || percent > 100) fail(kPercentPhrase, text, "must be above 0% and at most 100%");
  return percent;
}

std::string format_exact_bytes(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> kUnits{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (bytes != 0 && bytes % 1024 == 0 && unit + 1 < kUnits.size()) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + std::string(kUnits[unit]);
}

double parse_number(std::string_view text) {
  static constexpr std::string_view kPhrase = "a number such as 4.5 or 70.554e9";
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t i = 0, digits = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) ++digits;
  if (i < text.size() && text[i] == '.')
    for (++i; i < text.size() && is_digit(text[i]); ++i) ++digits;
  const std::size_t mantissa_end = i;
  if (digits > 0 && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    const std::size_t exponent_start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == exponent_start) fail(kPhrase, text, "no digits in the exponent");
  }
  if (digits == 0 || i != text.size()) fail(kPhrase, text);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    const bool zero_mantissa = text.substr(0, mantissa_end).find_first_not_of("0.") == std::string_view::npos;
    if (zero_mantissa) return 0;
    // Out of range one way or the other: tell which from the exponent's sign.
    fail(kPhrase, text, text.find("e-") != std::string_view::npos || text.find("E-") != std::string_view::npos
                            ? "too small"
                            : "too large");
  }
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) fail(kPhrase, text);
  return value;
}

}  // namespace headroom::config
