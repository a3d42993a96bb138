// Fuzzes the quantity parsers (sim/config/units.hpp, and the CLI's byte parser in sim/trace/cli.hpp)
// against an independent exact calculation in boost::multiprecision rationals:
//   - a value accepted equals the exact value of the text (sizes: rounded up to a whole byte, as
//     documented; rates, compute, durations: a double within 1e-12 relative of the exact value);
//   - a size whose exact value exceeds 2^64-1 bytes is refused, never wrapped;
//   - a percentage outside (0, 100] is refused;
//   - refusals are UnitError (std::invalid_argument for the CLI parser) with "expected ..." text,
//     never another exception.
// Input: the text of one quantity, given to every parser.
#include <boost/multiprecision/cpp_int.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/config/units.hpp"
#include "sim/trace/cli.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;
using headroom::fuzz::fail;
namespace config = headroom::config;

// The documented grammar, written again independently: blanks, digits with at most one '.',
// blanks, the unit, blanks. Any number of digits (the parser may refuse long ones; never wrongly).
struct Written {
  cpp_rational number;  // exact value of the digits
  std::string unit;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<Written> read_written(std::string_view raw) {
  const std::string_view text = trim(raw);
  cpp_int mantissa = 0, scale = 1;
  bool fraction = false;
  std::size_t i = 0, digits = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !fraction) {
      fraction = true;
    } else if (c >= '0' && c <= '9') {
      mantissa = mantissa * 10 + (c - '0');
      ++digits;
      if (fraction) scale *= 10;
    } else {
      break;
    }
  }
  if (digits == 0) return std::nullopt;
  return Written{cpp_rational(mantissa, scale), std::string(trim(text.substr(i)))};
}

cpp_rational pow2(int n) { return cpp_rational(cpp_int(1) << n); }
cpp_rational pow10(int n) {
  cpp_int v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return cpp_rational(v);
}

using Table = std::vector<std::pair<std::string, cpp_rational>>;

const Table& size_units() {
  static const Table t{{"B", 1},          {"kB", pow10(3)},  {"MB", pow10(6)},  {"GB", pow10(9)},
                       {"TB", pow10(12)}, {"KiB", pow2(10)}, {"MiB", pow2(20)}, {"GiB", pow2(30)},
                       {"TiB", pow2(40)}};
  return t;
}

std::optional<cpp_rational> lookup(const Table& table, std::string_view unit) {
  for (const auto& [name, factor] : table)
    if (name == unit) return factor;
  return std::nullopt;
}

// The exact value the text denotes under `table` (unitless 0 is 0), or nullopt when not a quantity.
std::optional<cpp_rational> exact_value(std::string_view text, const Table& table) {
  const auto w = read_written(text);
  if (!w) return std::nullopt;
  if (w->unit.empty() && w->number == 0) return cpp_rational(0);
  const auto factor = lookup(table, w->unit);
  if (!factor) return std::nullopt;
  return w->number * *factor;
}

cpp_int ceil_of(const cpp_rational& r) {
  const cpp_int n = numerator(r), d = denominator(r);
  return (n + d - 1) / d;  // r >= 0
}

std::string describe(std::string_view parser, std::string_view text, const std::string& got,
                     const cpp_rational& exact) {
  return std::string(parser) + "('" + std::string(text) + "') = " + got + ", exact " + exact.str();
}

void expect_unit_error(const std::exception& e, std::string_view parser, std::string_view text) {
  if (!headroom::fuzz::starts_with(e.what(), "expected "))
    fail("refusal text starts with 'expected '", std::string(parser) + "('" + std::string(text) + "'): " + e.what());
}

void check_bytes(std::string_view text) {
  const auto exact = exact_value(text, size_units());
  const cpp_int limit = (cpp_int(1) << 64) - 1;
  std::uint64_t got = 0;
  try {
    got = config::parse_bytes(text);
  } catch (const config::UnitError& e) {
    expect_unit_error(e, "parse_bytes", text);
    return;
  } catch (const std::exception& e) {
    fail("parse_bytes throws only UnitError", std::string(text) + ": " + e.what());
  }
  if (!exact) fail("parse_bytes accepts only documented quantities", std::string(text) + " -> " + std::to_string(got));
  const cpp_int bytes = ceil_of(*exact);
  if (bytes > limit) fail("a size beyond 2^64-1 bytes is refused", describe("parse_bytes", text, std::to_string(got), *exact));
  if (cpp_int(got) != bytes) fail("parse_bytes = exact value rounded up to a byte", describe("parse_bytes", text, std::to_string(got), *exact));
}

// The CLI's byte parser: a bare byte count, or a size as in scenario files.
void check_cli_bytes(std::string_view text) {
  const std::string s(text);
  std::uint64_t got = 0;
  try {
    got = headroom::trace::parse_bytes(s);
  } catch (const std::invalid_argument& e) {
    expect_unit_error(e, "trace::parse_bytes", text);
    return;
  } catch (const std::exception& e) {
    fail("trace::parse_bytes throws only std::invalid_argument", s + ": " + e.what());
  }
  const bool bare = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  const auto exact = bare ? std::optional<cpp_rational>(read_written(s)->number) : exact_value(text, size_units());
  if (!exact) fail("trace::parse_bytes accepts only byte counts and sizes", s + " -> " + std::to_string(got));
  if (cpp_int(got) != ceil_of(*exact)) fail("trace::parse_bytes = exact value", describe("trace::parse_bytes", text, std::to_string(got), *exact));
}

// A double result within 1e-12 relative of the exact value (the parsers compute in double).
template <class Parse>
void check_real(std::string_view name, Parse parse, std::string_view text, const Table& table) {
  const auto exact = exact_value(text, table);
  double got = 0;
  try {
    got = parse(text);
  } catch (const config::UnitError& e) {
    expect_unit_error(e, name, text);
    return;
  } catch (const std::exception& e) {
    fail("parsers throw only UnitError", std::string(name) + "('" + std::string(text) + "'): " + e.what());
  }
  if (!exact) fail("accepted only documented quantities", std::string(name) + "('" + std::string(text) + "')");
  if (!std::isfinite(got) || got < 0) fail("a finite non-negative value", describe(name, text, std::to_string(got), *exact));
  const cpp_rational error = abs(cpp_rational(got) - *exact);
  if (error * pow10(12) > *exact) fail("value within 1e-12 of exact", describe(name, text, std::to_string(got), *exact));
}

Table per_second(const Table& sizes, const std::string& suffix) {
  Table t;
  for (const auto& [name, factor] : sizes) t.emplace_back(name + suffix, factor);
  return t;
}

void check_percent(std::string_view text) {
  static const Table table{{"%", 1}};
  const auto w = read_written(text);
  double got = 0;
  try {
    got = config::parse_percent(text);
  } catch (const config::UnitError& e) {
    expect_unit_error(e, "parse_percent", text);
    return;
  } catch (const std::exception& e) {
    fail("parse_percent throws only UnitError", std::string(text) + ": " + e.what());
  }
  if (!w || w->unit != "%") fail("parse_percent accepts only N%", std::string(text));
  if (w->number <= 0 || w->number > 100) fail("a percentage in (0, 100]", describe("parse_percent", text, std::to_string(got), w->number));
  if (abs(cpp_rational(got) - w->number) * pow10(12) > w->number)
    fail("parse_percent within 1e-12 of exact", describe("parse_percent", text, std::to_string(got), w->number));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256) return -1;  // quantities are short; longer inputs only repeat the digit limit
  const std::string_view text = headroom::fuzz::as_text(data, size);
  static const Table rates = per_second(size_units(), "/s");
  static const Table flops{{"FLOP/s", 1},          {"kFLOP/s", pow10(3)},  {"MFLOP/s", pow10(6)},
                           {"GFLOP/s", pow10(9)},  {"TFLOP/s", pow10(12)}, {"PFLOP/s", pow10(15)}};
  static const Table durations{{"ns", cpp_rational(1, 1000000000)}, {"us", cpp_rational(1, 1000000)},
                               {"ms", cpp_rational(1, 1000)},       {"s", 1},
                               {"min", 60},                         {"h", 3600}};
  static const Table arrivals{{"/s", 1}, {"/min", cpp_rational(1, 60)}, {"/h", cpp_rational(1, 3600)}};
  check_bytes(text);
  check_cli_bytes(text);
  check_real("parse_rate_Bps", config::parse_rate_Bps, text, rates);
  check_real("parse_flops", config::parse_flops, text, flops);
  check_real("parse_duration_s", config::parse_duration_s, text, durations);
  check_real("parse_rate_per_s", config::parse_rate_per_s, text, arrivals);
  check_percent(text);
  return 0;
}
