// Checked arithmetic on user-sized quantities: every sum, product and double-to-integer conversion
// of a value derived from input goes through these, so that an absurd input is refused by whoever
// called them (with its own located message) instead of wrapping around or being undefined
// behaviour. Header-only: every area may use it without linking another.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace headroom {

// a + b, or nothing when the sum does not fit in 64 bits.
inline std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

// a x b, or nothing when the product does not fit in 64 bits.
inline std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

// Chains of products and sums: nothing in, nothing out.
inline std::optional<std::uint64_t> checked_add(std::optional<std::uint64_t> a, std::uint64_t b) {
  return a ? checked_add(*a, b) : std::nullopt;
}
inline std::optional<std::uint64_t> checked_mul(std::optional<std::uint64_t> a, std::uint64_t b) {
  return a ? checked_mul(*a, b) : std::nullopt;
}

// The whole number `value` holds, or nothing when it is NaN, negative, not whole or not below
// 2^64: the one place a user-derived double becomes an integer (a plain cast of an out-of-range
// double is undefined behaviour). Round first (std::ceil, std::floor) when the caller wants to.
inline std::optional<std::uint64_t> checked_to_u64(double value) {
  constexpr double kTwoTo64 = 18446744073709551616.0;
  if (!(value >= 0) || !(value < kTwoTo64) || std::trunc(value) != value) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

}  // namespace headroom
