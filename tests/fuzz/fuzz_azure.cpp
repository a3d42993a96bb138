// Fuzzes the Azure LLM inference 2023 trace reader (models/workloads/common/azure_trace.hpp).
//   - bad input is a ConfigError naming the file, line and column, never a crash (UBSan checks the
//     nanosecond arithmetic), a hang or another exception type;
//   - an accepted trace has offsets that are finite, non-negative and non-decreasing;
//   - each timestamp the parser accepts equals an independent calculation (std::chrono civil
//     calendar, exact in 128 bits): a wrong or wrapped nanosecond count is a failure.
// Input: the CSV file's bytes. The first data row's timestamp field is also given to
// parse_trace_timestamp directly, and so is the whole input when it has no comma.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>

#include "models/workloads/common/azure_trace.hpp"
#include "sim/config/error.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace models = headroom::models;
using headroom::fuzz::fail;

bool digits(const std::string& t, std::size_t at, std::size_t n, long long& out) {
  out = 0;
  if (t.size() < at + n) return false;
  for (std::size_t i = at; i < at + n; ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
    out = out * 10 + (t[i] - '0');
  }
  return true;
}

// The documented format, read again: YYYY-MM-DD HH:MM:SS, optional '.' and 1-9 digits.
bool reference_ns(const std::string& t, __int128& ns) {
  long long y, mo, d, h, mi, s;
  if (t.size() < 19 || !digits(t, 0, 4, y) || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d) || t[10] != ' ' || !digits(t, 11, 2, h) || t[13] != ':' ||
      !digits(t, 14, 2, mi) || t[16] != ':' || !digits(t, 17, 2, s))
    return false;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(y)),
                                         std::chrono::month(static_cast<unsigned>(mo)),
                                         std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return false;
  long long frac = 0;
  __int128 frac_ns = 0;
  if (t.size() > 19) {
    const std::size_t n = t.size() - 20;
    if (t[19] != '.' || n == 0 || n > 9 || !digits(t, 20, n, frac)) return false;
    frac_ns = frac;
    for (std::size_t i = n; i < 9; ++i) frac_ns *= 10;
  }
  const __int128 days = std::chrono::sys_days(date).time_since_epoch().count();
  ns = ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000000) + frac_ns;
  return true;
}

void check_timestamp(const std::string& text) {
  std::int64_t got = 0;
  const bool accepted = models::parse_trace_timestamp(text, got);
  __int128 exact = 0;
  const bool valid = reference_ns(text, exact);
  if (accepted && !valid) fail("parse_trace_timestamp accepts only the documented format", text);
  if (accepted && got != exact) fail("parse_trace_timestamp = the exact nanoseconds since 1970", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(headroom::fuzz::as_text(data, size));
  if (text.find(',') == std::string::npos) check_timestamp(text);
  const std::size_t row = text.find('\n');
  if (row != std::string::npos) check_timestamp(text.substr(row + 1, text.find(',', row) - row - 1));
  const std::string path = headroom::fuzz::write_input("trace.csv", text);
  std::vector<models::TraceRequest> rows;
  try {
    rows = models::read_azure_trace(path);
  } catch (const headroom::config::ConfigError& e) {
    if (!headroom::fuzz::starts_with(e.what(), path + ":") || e.line() < 1 || e.column() < 1)
      fail("a ConfigError names file, line and column", e.what());
    return 0;
  } catch (const std::exception& e) {
    fail("the Azure reader throws only ConfigError", e.what());
  } catch (...) {
    fail("the Azure reader throws only ConfigError", "a non-std exception");
  }
  double previous_s = 0;
  for (const auto& r : rows) {
    if (!std::isfinite(r.offset_s) || r.offset_s < previous_s) fail("finite non-decreasing offsets", path);
    previous_s = r.offset_s;
  }
  return 0;
}
