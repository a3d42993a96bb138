// Checked arithmetic (sim/checked.hpp) and the quantity parsers at their edges: 2^64 - 1 bytes is a
// size, 2^64 is an error, never a wrapped number, whatever the length, fraction or unit.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "sim/checked.hpp"
#include "sim/config/units.hpp"

using namespace headroom;
using namespace headroom::config;

namespace {
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
const std::string kTooLarge = "expected a size of at most 18446744073709551615B (2^64 - 1 bytes), found ";

template <typename Parse>
std::string error_of(Parse parse, const std::string& text) {
  try {
    parse(text);
  } catch (const UnitError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("checked_add and checked_mul refuse what does not fit in 64 bits") {
  CHECK(checked_add(kMax - 1, 1) == kMax);
  CHECK_FALSE(checked_add(kMax, 1));
  CHECK(checked_mul(std::uint64_t{1} << 32, (std::uint64_t{1} << 32) - 1) == kMax - ((std::uint64_t{1} << 32) - 1));
  CHECK_FALSE(checked_mul(std::uint64_t{1} << 32, std::uint64_t{1} << 32));
  CHECK(checked_mul(0, kMax) == 0);
  // Chains: one overflow anywhere empties the result.
  CHECK_FALSE(checked_add(checked_mul(kMax, 2), 0));
  CHECK(checked_mul(checked_add(3, 4), 5) == 35);
}

TEST_CASE("checked_to_u64 refuses NaN, negative, fractional and out-of-range doubles") {
  CHECK(checked_to_u64(0.0) == 0);
  CHECK(checked_to_u64(74963625000.0) == 74963625000ULL);
  CHECK(checked_to_u64(18446744073709549568.0) == 18446744073709549568ULL);  // largest double below 2^64
  CHECK_FALSE(checked_to_u64(18446744073709551616.0));  // 2^64
  CHECK_FALSE(checked_to_u64(1e300));
  CHECK_FALSE(checked_to_u64(std::numeric_limits<double>::infinity()));
  CHECK_FALSE(checked_to_u64(std::nan("")));
  CHECK_FALSE(checked_to_u64(-1.0));
  CHECK_FALSE(checked_to_u64(0.5));
}

TEST_CASE("sizes: 2^64 - 1 bytes parses, 2^64 bytes is refused") {
  CHECK(parse_bytes("18446744073709551615B") == kMax);
  CHECK(error_of(parse_bytes, "18446744073709551616B") == kTooLarge + "'18446744073709551616B'");
  // (2^64 - 1) / 2^40 exactly, and a hair above 2^64 - 2 bytes (rounds up to 2^64 - 1).
  CHECK(parse_bytes("16777215.9999999999990905052982270717620849609375TiB") == kMax);
  CHECK(parse_bytes("16777215.9999999999981810105964541435241699218751TiB") == kMax);
  CHECK(parse_bytes("16777215.999999999998181010596454143524169921875TiB") == kMax - 1);
  CHECK(error_of(parse_bytes, "16777215.9999999999990905052982270717620849609376TiB") ==
        kTooLarge + "'16777215.9999999999990905052982270717620849609376TiB'");
  CHECK(error_of(parse_bytes, "16777216TiB") == kTooLarge + "'16777216TiB'");
  CHECK(error_of(parse_bytes, "18446744073709551615.1B") == kTooLarge + "'18446744073709551615.1B'");
}

TEST_CASE("sizes: numbers beyond 128 bits are refused, not wrapped") {
  // 316912650057057350374175801440 x 2^30 wrapped a 128-bit intermediate to 96 GiB.
  CHECK(error_of(parse_bytes, "316912650057057350374175801440GiB") ==
        kTooLarge + "'316912650057057350374175801440GiB'");
  const std::string huge(400, '9');
  CHECK(error_of(parse_bytes, huge + "B").rfind(kTooLarge, 0) == 0);
  CHECK(error_of(parse_bytes, huge + "B").find("...") != std::string::npos);  // quoted value cut
  CHECK(error_of(parse_bytes, "340282366920938463463374607431768211456B") ==
        kTooLarge + "'340282366920938463463374607431768211456B'");  // 2^128
}

TEST_CASE("sizes: long fractions are exact") {
  CHECK(parse_bytes("0." + std::string(200, '0') + "1B") == 1);  // any fraction of a byte rounds up
  CHECK(parse_bytes("1." + std::string(200, '0') + "KiB") == 1024);
  CHECK(parse_bytes("000000000000000000000000000000000001KiB") == 1024);  // leading zeros
  CHECK(parse_bytes("0.000000000000000000000000000001TiB") == 1);
  CHECK(parse_bytes("1.00000000000000000000000000000000000001TiB") == (std::uint64_t{1} << 40) + 1);
  CHECK(parse_bytes("0.5B") == 1);
  CHECK(parse_bytes("2.5B") == 3);
}

TEST_CASE("quantities: one space between number and unit, no more") {
  CHECK(parse_bytes("96 GiB") == 96ULL << 30);
  CHECK(error_of(parse_bytes, "96  GiB") ==
        "expected a size such as 96GiB or 512MB, found '96  GiB' (at most one space between the number and its unit)");
  CHECK(error_of(parse_bytes, "96\tGiB") ==
        "expected a size such as 96GiB or 512MB, found '96\\tGiB' (at most one space between the number and its unit)");
  CHECK(parse_duration_s("10 min") == 600);
  CHECK(error_of(parse_duration_s, "10   min").find("at most one space") != std::string::npos);
}

TEST_CASE("double quantities: huge exponents and long inputs are errors, never inf or 0") {
  const std::string digits(400, '9');
  CHECK(error_of(parse_rate_Bps, digits + "GB/s") ==
        "expected a bandwidth such as 400GB/s or 3.5GiB/s, found '" + std::string(60, '9') + "...' (too large)");
  CHECK(error_of(parse_duration_s, digits + "h").find("(too large)") != std::string::npos);
  CHECK(error_of(parse_rate_per_s, "0." + std::string(400, '0') + "1/s").find("(too small)") != std::string::npos);
  CHECK(error_of(parse_flops, "1e999TFLOP/s").find("unknown unit") != std::string::npos);  // no exponents
  CHECK(parse_rate_per_s("0." + std::string(30, '0') + "1/s") == doctest::Approx(1e-31));
  CHECK(parse_duration_s("0.5s") == 0.5);
}

TEST_CASE("plain numbers: decimal with optional exponent, nothing else") {
  CHECK(parse_number("4.5") == 4.5);
  CHECK(parse_number("70.554e9") == 70.554e9);
  CHECK(parse_number("1E3") == 1000);
  CHECK(parse_number("2e-3") == 0.002);
  CHECK(parse_number(".5") == 0.5);
  const std::string phrase = "expected a number such as 4.5 or 70.554e9, found ";
  CHECK(error_of(parse_number, "0x10") == phrase + "'0x10'");
  CHECK(error_of(parse_number, "+5") == phrase + "'+5'");
  CHECK(error_of(parse_number, "-5") == phrase + "'-5'");
  CHECK(error_of(parse_number, " 5") == phrase + "' 5'");
  CHECK(error_of(parse_number, "inf") == phrase + "'inf'");
  CHECK(error_of(parse_number, "nan") == phrase + "'nan'");
  CHECK(error_of(parse_number, "1e") == phrase + "'1e' (no digits in the exponent)");
  CHECK(error_of(parse_number, "1e999") == phrase + "'1e999' (too large)");
  CHECK(error_of(parse_number, "1e-999") == phrase + "'1e-999' (too small)");
}

TEST_CASE("format_exact_bytes never rounds") {
  CHECK(format_exact_bytes(4294967295ULL) == "4294967295B");
  CHECK(format_exact_bytes(4294967296ULL) == "4GiB");
  CHECK(format_exact_bytes(std::uint64_t{1} << 50) == "1024TiB");
  CHECK(format_exact_bytes(1536) == "1536B");
  CHECK(format_exact_bytes(0) == "0B");
}
