#include "sim/config/units.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

namespace headroom::config {
namespace {

using u128 = unsigned __int128;

constexpr std::string_view kSizePhrase = "a size such as 96GiB or 512MB";
constexpr std::string_view kRatePhrase = "a bandwidth such as 400GB/s or 3.5GiB/s";
constexpr std::string_view kFlopsPhrase = "a compute rate such as 14.2TFLOP/s or 900GFLOP/s";
constexpr std::string_view kDurationPhrase = "a duration such as 250us, 50ms, 1.5s, 10min or 2h";
constexpr std::string_view kPerSecondPhrase = "an arrival rate such as 2/s or 120/min";
constexpr std::string_view kPercentPhrase = "a percentage such as 75%";

// A decimal number exactly as written: value = mantissa / 10^frac_digits.
struct Quantity {
  u128 mantissa = 0;
  int frac_digits = 0;
  std::string unit;  // text after the number, surrounding blanks removed
  double value() const {
    return static_cast<double>(mantissa) / std::pow(10.0, frac_digits);
  }
};

[[noreturn]] void fail(std::string_view phrase, std::string_view text, std::string_view hint = {}) {
  std::string message = "expected " + std::string(phrase) + ", found '" + std::string(text) + "'";
  if (!hint.empty()) message += " (" + std::string(hint) + ")";
  throw UnitError(message);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Quantity split_quantity(std::string_view raw, std::string_view phrase) {
  const std::string_view text = trim(raw);
  if (text.empty()) fail(phrase, raw, "empty value");
  if (text.front() == '-') fail(phrase, raw, "negative values are not allowed");
  Quantity q;
  std::size_t i = 0, digits = 0;
  bool in_fraction = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits > 30) fail(phrase, raw, "too many digits");
      q.mantissa = q.mantissa * 10 + static_cast<unsigned>(c - '0');
      if (in_fraction) ++q.frac_digits;
    } else {
      break;
    }
  }
  if (digits == 0) fail(phrase, raw, "no number");
  q.unit = std::string(trim(text.substr(i)));
  return q;
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

// Multipliers are exact in double up to 2^53, which covers every unit below.
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
    message.append(unit).append("' is ambiguous: ").append(hint);
    return message;
  }
  if (find_unit_any_case(kSizeUnits, unit) ||
      (unit.size() == 2 && (unit[1] == 'b' || unit[1] == 'B') && !hint.empty()))
    return "units are case-sensitive: " + hint;
  return "unknown unit '" + std::string(unit) + "'";
}

double scaled(const Quantity& q, double multiplier) { return q.value() * multiplier; }

}  // namespace

std::uint64_t parse_bytes(std::string_view text) {
  const Quantity q = split_quantity(text, kSizePhrase);
  if (q.unit.empty() && q.mantissa == 0) return 0;
  const auto* unit = find_unit(kSizeUnits, q.unit);
  if (!unit) fail(kSizePhrase, text, size_unit_hint(q.unit, ""));
  u128 scale = 1;
  for (int i = 0; i < q.frac_digits; ++i) scale *= 10;
  const u128 numerator = q.mantissa * static_cast<u128>(unit->second);
  const u128 bytes = (numerator + scale - 1) / scale;  // fractions round up to a whole byte
  if (bytes > std::numeric_limits<std::uint64_t>::max()) fail(kSizePhrase, text, "too large");
  return static_cast<std::uint64_t>(bytes);
}

double parse_rate_Bps(std::string_view text) {
  const Quantity q = split_quantity(text, kRatePhrase);
  if (q.unit.empty() && q.mantissa == 0) return 0;
  const std::string_view unit = q.unit;
  if (unit.size() < 2 || unit.substr(unit.size() - 2) != "/s") {
    if (find_unit(kSizeUnits, unit)) fail(kRatePhrase, text, "a bandwidth needs '/s'");
    fail(kRatePhrase, text, unit.empty() ? "no unit" : "unknown unit '" + q.unit + "'");
  }
  const std::string_view size_unit = unit.substr(0, unit.size() - 2);
  const auto* found = find_unit(kSizeUnits, size_unit);
  if (!found) fail(kRatePhrase, text, size_unit_hint(size_unit, "/s"));
  return scaled(q, found->second);
}

double parse_flops(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"FLOP/s", 1.0}, {"kFLOP/s", 1e3}, {"MFLOP/s", 1e6}, {"GFLOP/s", 1e9}, {"TFLOP/s", 1e12},
      {"PFLOP/s", 1e15}}};
  const Quantity q = split_quantity(text, kFlopsPhrase);
  if (q.unit.empty() && q.mantissa == 0) return 0;
  const auto* found = find_unit(kUnits, q.unit);
  if (found) return scaled(q, found->second);
  if (q.unit.empty()) fail(kFlopsPhrase, text, "no unit");
  std::string as_rate = q.unit;
  if (as_rate.size() > 1 && (as_rate.back() == 'S' || as_rate.back() == 's') &&
      as_rate.find('/') == std::string::npos)
    as_rate = as_rate.substr(0, as_rate.size() - 1) + "/s";  // TFLOPS -> TFLOP/s for the hint
  if (const auto* near = find_unit_any_case(kUnits, as_rate))
    fail(kFlopsPhrase, text, "write " + std::string(near->first));
  fail(kFlopsPhrase, text, "unknown unit '" + q.unit + "'");
}

double parse_duration_s(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 6> kUnits{{
      {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"min", 60.0}, {"h", 3600.0}}};
  const Quantity q = split_quantity(text, kDurationPhrase);
  if (q.unit.empty() && q.mantissa == 0) return 0;
  if (const auto* found = find_unit(kUnits, q.unit)) return scaled(q, found->second);
  if (q.unit.empty()) fail(kDurationPhrase, text, "no unit");
  if (q.unit == "m") fail(kDurationPhrase, text, "'m' is ambiguous: write min or ms");
  const std::string low = lower(q.unit);
  if (low == "sec" || low == "secs" || low == "second" || low == "seconds")
    fail(kDurationPhrase, text, "write s");
  if (low == "µs" || low == "μs") fail(kDurationPhrase, text, "write us");
  if (const auto* near = find_unit_any_case(kUnits, q.unit))
    fail(kDurationPhrase, text, "units are case-sensitive: write " + std::string(near->first));
  fail(kDurationPhrase, text, "unknown unit '" + q.unit + "'");
}

double parse_rate_per_s(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, double>, 3> kUnits{{
      {"/s", 1.0}, {"/min", 1.0 / 60.0}, {"/h", 1.0 / 3600.0}}};
  const Quantity q = split_quantity(text, kPerSecondPhrase);
  if (q.unit.empty() && q.mantissa == 0) return 0;
  if (const auto* found = find_unit(kUnits, q.unit)) return scaled(q, found->second);
  if (q.unit.empty()) fail(kPerSecondPhrase, text, "no unit");
  fail(kPerSecondPhrase, text, "unknown unit '" + q.unit + "'");
}

double parse_percent(std::string_view text) {
  const Quantity q = split_quantity(text, kPercentPhrase);
  if (q.unit != "%") fail(kPercentPhrase, text);
  const double percent = q.value();
  if (percent <= 0 || percent > 100) fail(kPercentPhrase, text, "must be above 0% and at most 100%");
  return percent;
}

}  // namespace headroom::config
