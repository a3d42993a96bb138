#include <doctest/doctest.h>

#include <string>

#include "sim/config/units.hpp"

using namespace headroom::config;

namespace {
constexpr std::uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024, kTiB = kGiB * 1024;

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

TEST_CASE("sizes: decimal and binary prefixes are exact") {
  CHECK(parse_bytes("1B") == 1);
  CHECK(parse_bytes("3kB") == 3000);
  CHECK(parse_bytes("512MB") == 512'000'000);
  CHECK(parse_bytes("1.1GB") == 1'100'000'000);  // exact, no binary-float residue
  CHECK(parse_bytes("3TB") == 3'000'000'000'000);
  CHECK(parse_bytes("16KiB") == 16 * kKiB);
  CHECK(parse_bytes("128MiB") == 128 * kMiB);
  CHECK(parse_bytes("96GiB") == 96 * kGiB);
  CHECK(parse_bytes("2TiB") == 2 * kTiB);
  CHECK(parse_bytes("1.5KiB") == 1536);
  CHECK(parse_bytes("96 GiB") == 96 * kGiB);
  CHECK(parse_bytes("  4KiB ") == 4096);
  CHECK(parse_bytes("0") == 0);
  CHECK(parse_bytes("0GiB") == 0);
}

TEST_CASE("sizes: fractions of a byte round up") {
  CHECK(parse_bytes("0.5kB") == 500);
  CHECK(parse_bytes("1.0001KiB") == 1025);  // 1024.1024 B
  CHECK(parse_bytes("0.1B") == 1);
}

TEST_CASE("sizes: every error names what was expected and found") {
  const std::string expected = "expected a size such as 96GiB or 512MB, found ";
  CHECK(error_of(parse_bytes, "96G") ==
        expected + "'96G' ('G' is ambiguous: write GB (10^9 bytes) or GiB (2^30 bytes))");
  CHECK(error_of(parse_bytes, "4k") ==
        expected + "'4k' ('k' is ambiguous: write kB (10^3 bytes) or KiB (2^10 bytes))");
  CHECK(error_of(parse_bytes, "96gb") ==
        expected + "'96gb' (units are case-sensitive: write GB (10^9 bytes) or GiB (2^30 bytes))");
  CHECK(error_of(parse_bytes, "96KB") ==
        expected + "'96KB' (units are case-sensitive: write kB (10^3 bytes) or KiB (2^10 bytes))");
  CHECK(error_of(parse_bytes, "2tib") ==
        expected + "'2tib' (units are case-sensitive: write TB (10^12 bytes) or TiB (2^40 bytes))");
  CHECK(error_of(parse_bytes, "96") == expected + "'96' (no unit)");
  CHECK(error_of(parse_bytes, "5 parsecs") == expected + "'5 parsecs' (unknown unit 'parsecs')");
  CHECK(error_of(parse_bytes, "-1GiB") == expected + "'-1GiB' (negative values are not allowed)");
  CHECK(error_of(parse_bytes, "") == expected + "'' (empty value)");
  CHECK(error_of(parse_bytes, "GiB") == expected + "'GiB' (no number)");
  CHECK(error_of(parse_bytes, "inf") == expected + "'inf' (no number)");
  CHECK(error_of(parse_bytes, "1e9B") == expected + "'1e9B' (unknown unit 'e9B')");
  CHECK(error_of(parse_bytes, "1.2.3GB") == expected + "'1.2.3GB' (unknown unit '.3GB')");
  CHECK(error_of(parse_bytes, "20000000TiB") ==
        "expected a size of at most 18446744073709551615B (2^64 - 1 bytes), found '20000000TiB'");
}

TEST_CASE("bandwidths") {
  CHECK(parse_rate_Bps("400GB/s") == 400e9);
  CHECK(parse_rate_Bps("3.5GB/s") == doctest::Approx(3.5e9).epsilon(1e-15));
  CHECK(parse_rate_Bps("7450MB/s") == 7.45e9);
  CHECK(parse_rate_Bps("100GiB/s") == 100.0 * kGiB);
  CHECK(parse_rate_Bps("89.6GB/s") == doctest::Approx(89.6e9).epsilon(1e-15));
  CHECK(parse_rate_Bps("0") == 0);
  const std::string expected = "expected a bandwidth such as 400GB/s or 3.5GiB/s, found ";
  CHECK(error_of(parse_rate_Bps, "400GB") == expected + "'400GB' (a bandwidth needs '/s')");
  CHECK(error_of(parse_rate_Bps, "400G/s") ==
        expected + "'400G/s' ('G' is ambiguous: write GB/s (10^9 bytes) or GiB/s (2^30 bytes))");
  CHECK(error_of(parse_rate_Bps, "400gb/s") ==
        expected +
            "'400gb/s' (units are case-sensitive: write GB/s (10^9 bytes) or GiB/s (2^30 bytes))");
  CHECK(error_of(parse_rate_Bps, "10Gbps") == expected + "'10Gbps' (unknown unit 'Gbps')");
  CHECK(error_of(parse_rate_Bps, "5") == expected + "'5' (no unit)");
  CHECK(error_of(parse_rate_Bps, "-5GB/s") == expected + "'-5GB/s' (negative values are not allowed)");
}

TEST_CASE("compute rates") {
  CHECK(parse_flops("14.2TFLOP/s") == doctest::Approx(14.2e12).epsilon(1e-15));
  CHECK(parse_flops("900GFLOP/s") == 900e9);
  CHECK(parse_flops("1PFLOP/s") == 1e15);
  CHECK(parse_flops("5MFLOP/s") == 5e6);
  CHECK(parse_flops("0") == 0);
  const std::string expected = "expected a compute rate such as 14.2TFLOP/s or 900GFLOP/s, found ";
  CHECK(error_of(parse_flops, "14TFLOPS") == expected + "'14TFLOPS' (write TFLOP/s)");
  CHECK(error_of(parse_flops, "14tflop/s") == expected + "'14tflop/s' (write TFLOP/s)");
  CHECK(error_of(parse_flops, "14") == expected + "'14' (no unit)");
  CHECK(error_of(parse_flops, "14TOPS") == expected + "'14TOPS' (unknown unit 'TOPS')");
}

TEST_CASE("durations") {
  CHECK(parse_duration_s("250us") == doctest::Approx(250e-6).epsilon(1e-15));
  CHECK(parse_duration_s("50ms") == doctest::Approx(0.05).epsilon(1e-15));
  CHECK(parse_duration_s("1.5s") == 1.5);
  CHECK(parse_duration_s("10min") == 600);
  CHECK(parse_duration_s("2h") == 7200);
  CHECK(parse_duration_s("100ns") == doctest::Approx(100e-9).epsilon(1e-15));
  const std::string expected = "expected a duration such as 250us, 50ms, 1.5s, 10min or 2h, found ";
  CHECK(error_of(parse_duration_s, "5m") == expected + "'5m' ('m' is ambiguous: write min or ms)");
  CHECK(error_of(parse_duration_s, "5sec") == expected + "'5sec' (write s)");
  CHECK(error_of(parse_duration_s, "5µs") == expected + "'5µs' (write us)");
  CHECK(error_of(parse_duration_s, "5MS") == expected + "'5MS' (units are case-sensitive: write ms)");
  CHECK(error_of(parse_duration_s, "10 minutes") == expected + "'10 minutes' (unknown unit 'minutes')");
  CHECK(error_of(parse_duration_s, "10") == expected + "'10' (no unit)");
  CHECK(error_of(parse_duration_s, "-1s") == expected + "'-1s' (negative values are not allowed)");
}

TEST_CASE("arrival rates and percentages") {
  CHECK(parse_rate_per_s("2/s") == 2.0);
  CHECK(parse_rate_per_s("120/min") == doctest::Approx(2.0).epsilon(1e-15));
  CHECK(parse_rate_per_s("36/h") == doctest::Approx(0.01).epsilon(1e-15));
  CHECK(parse_rate_per_s("0.5/s") == 0.5);
  const std::string expected = "expected an arrival rate such as 2/s or 120/min, found ";
  CHECK(error_of(parse_rate_per_s, "2") == expected + "'2' (no unit)");
  CHECK(error_of(parse_rate_per_s, "2/day") == expected + "'2/day' (unknown unit '/day')");
  CHECK(parse_percent("75%") == 75.0);
  CHECK(parse_percent("100%") == 100.0);
  CHECK(error_of(parse_percent, "75") == "expected a percentage such as 75%, found '75'");
  CHECK(error_of(parse_percent, "150%") ==
        "expected a percentage such as 75%, found '150%' (must be above 0% and at most 100%)");
  CHECK(error_of(parse_percent, "0%") ==
        "expected a percentage such as 75%, found '0%' (must be above 0% and at most 100%)");
}
