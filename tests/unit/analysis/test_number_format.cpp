// analysis::format_readable: the figure printed in md and html cells and plot labels.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "analysis/number_format.hpp"

using headroom::analysis::format_readable;
using headroom::analysis::group_thousands;

TEST_CASE("group_thousands puts a comma every three digits from the right") {
  CHECK(group_thousands("0") == "0");
  CHECK(group_thousands("999") == "999");
  CHECK(group_thousands("1000") == "1,000");
  CHECK(group_thousands("20330") == "20,330");
  CHECK(group_thousands("1234567") == "1,234,567");
  CHECK(group_thousands("-1234567") == "-1,234,567");
  CHECK(group_thousands("-123") == "-123");
}

TEST_CASE("format_readable: whole values exactly, with separators, never scientific") {
  CHECK(format_readable(0) == "0");
  CHECK(format_readable(-0.0) == "0");
  CHECK(format_readable(20330) == "20,330");  // the issue's `2.033e+04`
  CHECK(format_readable(103079215104.0) == "103,079,215,104");
  CHECK(format_readable(-4096) == "-4,096");
  CHECK(format_readable(2.79172874e+10) == "27,917,287,400");
  CHECK(format_readable(1e20) == "100,000,000,000,000,000,000");
}

TEST_CASE("format_readable: fractions keep `significant` digits, trailing zeros dropped") {
  CHECK(format_readable(4.193) == "4.193");
  CHECK(format_readable(0.23991234) == "0.2399");
  CHECK(format_readable(96.0) == "96");
  CHECK(format_readable(80.8203125) == "80.82");
  CHECK(format_readable(1503.4) == "1,503");      // 4 significant digits: no decimals left
  CHECK(format_readable(12345.678) == "12,346");  // rounded, not cut
  CHECK(format_readable(0.000012346) == "0.00001235");
  CHECK(format_readable(1.5, 2) == "1.5");
  CHECK(format_readable(0.05443, 3) == "0.0544");
  CHECK(format_readable(-0.5) == "-0.5");
  CHECK(format_readable(1e-13) == "0");  // below 12 decimals reads as zero, not as 1e-13
  CHECK(format_readable(std::nan("")) == "n/a");
  CHECK(format_readable(std::numeric_limits<double>::infinity()) == "inf");
}

TEST_CASE("format_readable never prints an exponent over magnitudes 1e-12..1e18") {
  for (int exponent = -12; exponent <= 18; ++exponent) {
    for (double mantissa : {1.0, 1.234567, 9.99999}) {
      const std::string text = format_readable(mantissa * std::pow(10.0, exponent));
      INFO(text);
      CHECK(text.find('e') == std::string::npos);
      CHECK(text.find('E') == std::string::npos);
    }
  }
}
