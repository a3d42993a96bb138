// Quantities with explicit units, as written in scenario and catalog files.
//
// Units are case-sensitive and follow SI (decimal) and IEC (binary) usage exactly:
//   sizes      B, kB, MB, GB, TB (1e3..1e12)  and  KiB, MiB, GiB, TiB (2^10..2^40)
//   rates      a size unit + "/s": 400GB/s, 3.5GB/s, 7450MB/s, 100GiB/s
//   compute    FLOP/s, kFLOP/s, MFLOP/s, GFLOP/s, TFLOP/s, PFLOP/s
//   durations  ns, us, ms, s, min, h
//   arrivals   a count per time: 2/s, 120/min, 30/h
// A number is digits with an optional fraction ("3.5"); no sign, exponent, inf or nan. One space
// between number and unit is allowed. The only unitless value accepted is 0 (for sizes and rates
// that may be zero, such as swap). Ambiguous forms ("96G": GB or GiB?), wrong case ("96gb", "96KB":
// JEDEC uses KB for 1024) and unknown units are errors, never guesses, because a silent factor of
// 1.07 between GB and GiB is exactly the difference this simulator measures.
// Sizes are computed exactly on the digits as written (any length); a fraction that is not a whole
// number of bytes rounds up to the next byte (1.0001KiB = 1025 B), and a size of 2^64 bytes or more
// is an error ("expected a size of at most 18446744073709551615B ..."), never a wrapped value. The
// other quantities are doubles: a value too large or too small for one is an error, never inf or 0.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace headroom::config {

// A value that does not parse; what() is "expected ..., found '...'" (no file position: the YAML
// layer adds it).
class UnitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// All parsers return values >= 0; negative input is a UnitError. Whether 0 is acceptable is the
// caller's decision (swap may be 0, RAM may not).
std::uint64_t parse_bytes(std::string_view text);
double parse_rate_Bps(std::string_view text);
double parse_flops(std::string_view text);
double parse_duration_s(std::string_view text);
double parse_rate_per_s(std::string_view text);
// "75%" -> 75.0 (0 < p <= 100).
double parse_percent(std::string_view text);
// A plain number without unit ("4.5", "70.554e9"), the one syntax for every unitless
// non-integer value (params, bits_per_weight, time_scale): digits with an optional fraction and an
// optional exponent; no sign, hexadecimal, inf, nan or blanks. The result is finite.
double parse_number(std::string_view text);

// A size exactly as a scenario may write it, for limits in messages: the largest binary unit that
// divides it ("1024TiB", "4KiB"), else bytes ("4294967295B"). Never rounded, so that a limit and a
// value just above it never print alike.
std::string format_exact_bytes(std::uint64_t bytes);

}  // namespace headroom::config
