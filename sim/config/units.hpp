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
// Sizes are computed exactly in integer arithmetic; a fraction that is not a whole number of bytes
// rounds up to the next byte (1.0001KiB = 1025 B).
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

}  // namespace headroom::config
