// Calendar date-times in traces ("YYYY-MM-DD HH:MM:SS[.fraction]"), as exact seconds and
// nanoseconds since 1970-01-01 in the proleptic Gregorian calendar (no time zone). The seconds are
// a 64-bit count built with std::chrono's calendar types (year_month_day, sys_days), so every year
// 0000-9999 is exact; a signed 64-bit nanosecond count would only cover 1677-2262.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace headroom::trace {

struct DateTime {
  std::chrono::sys_seconds seconds{};  // whole seconds since the epoch (negative before 1970)
  std::uint32_t nanoseconds = 0;       // 0..999,999,999 after them

  friend auto operator<=>(const DateTime&, const DateTime&) = default;
};

// `later - earlier` in seconds, computed exactly in integers and rounded once to a double.
inline double seconds_between(const DateTime& earlier, const DateTime& later) {
  const std::int64_t whole = (later.seconds - earlier.seconds).count();
  const std::int64_t nanos = static_cast<std::int64_t>(later.nanoseconds) - earlier.nanoseconds;
  return static_cast<double>(whole) + static_cast<double>(nanos) * 1e-9;
}

// Parses `YYYY-MM-DD HH:MM:SS` with an optional `.` and 1..max_fraction_digits digits (beyond 9,
// the extra digits are below a nanosecond and dropped); `T` is also accepted between date and time
// when allow_t. Nullopt when malformed or out of range (month 13, 29 February of a common year,
// hour 24, minute or second 60).
inline std::optional<DateTime> parse_date_time(std::string_view t, bool allow_t, std::size_t max_fraction_digits = 9) {
  const auto number = [&](std::size_t pos, std::size_t n, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, s;
  if (t.size() < 19 || !number(0, 4, y) || t[4] != '-' || !number(5, 2, mo) || t[7] != '-' || !number(8, 2, d) ||
      !(t[10] == ' ' || (allow_t && t[10] == 'T')) || !number(11, 2, h) || t[13] != ':' || !number(14, 2, mi) ||
      t[16] != ':' || !number(17, 2, s))
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;
  DateTime out;
  out.seconds = sys_days{date} + hours{h} + minutes{mi} + std::chrono::seconds{s};
  if (t.size() == 19) return out;
  const std::size_t digits = t.size() - 20;
  if (t[19] != '.' || digits == 0 || digits > max_fraction_digits) return std::nullopt;
  std::uint32_t scale = 100000000;
  for (std::size_t i = 20; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
    out.nanoseconds += static_cast<std::uint32_t>(t[i] - '0') * scale;
    scale /= 10;
  }
  return out;
}

}  // namespace headroom::trace
