// The pure parsers of sim/capture (capture.hpp): text of /proc and cgroup files -> figures.
#include <charconv>
#include <cstdio>

#include "sim/capture/capture.hpp"

namespace headroom::capture {
namespace {

// The lines of `text`, one at a time.
template <class F>
void each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    f(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A whole unsigned decimal number (no sign, no blanks); nullopt otherwise (or past 2^64 - 1).
std::optional<std::uint64_t> whole(std::string_view s) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || error != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> status_bytes(std::string_view text, std::string_view key) {
  std::optional<std::uint64_t> found;
  each_line(text, [&](std::string_view line) {
    if (found || line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') return;
    std::string_view rest = trimmed(line.substr(key.size() + 1));
    bool kib = false;
    if (rest.size() > 3 && rest.substr(rest.size() - 3) == " kB") {
      kib = true;
      rest = trimmed(rest.substr(0, rest.size() - 3));
    }
    const auto number = whole(rest);
    if (!number) return;
    if (kib && *number > UINT64_MAX / 1024) return;  // no wrap-around: the figure is absent instead
    found = kib ? *number * 1024 : *number;
  });
  return found;
}

std::optional<std::uint64_t> key_value(std::string_view text, std::string_view key) {
  std::optional<std::uint64_t> found;
  each_line(text, [&](std::string_view line) {
    if (found || line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ' ') return;
    found = whole(trimmed(line.substr(key.size() + 1)));
  });
  return found;
}

std::optional<std::uint64_t> stat_field(std::string_view text, int field) {
  const std::size_t paren = text.rfind(')');
  if (paren == std::string_view::npos || field < 3) return std::nullopt;
  std::string_view rest = text.substr(paren + 1);
  int index = 2;  // field 2 is "(comm)"
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n')) rest.remove_prefix(1);
    if (rest.empty()) break;
    const std::size_t end = rest.find_first_of(" \n");
    const std::string_view token = rest.substr(0, end);
    if (++index == field) return whole(token);
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> psi_total_us(std::string_view text, std::string_view which) {
  std::optional<std::uint64_t> found;
  each_line(text, [&](std::string_view line) {
    if (found || line.size() <= which.size() || line.substr(0, which.size()) != which || line[which.size()] != ' ')
      return;
    const std::size_t at = line.find(" total=");
    if (at != std::string_view::npos) found = whole(trimmed(line.substr(at + 7)));
  });
  return found;
}

std::string csv_row(double time_s, const Reading& r) {
  char time[64];
  std::snprintf(time, sizeof time, "%.6f", time_s);
  std::string row = time;
  for (const auto& value : {r.rss_bytes, r.anon_bytes, r.file_bytes, r.swap_bytes, r.pgmajfault, r.pswpin, r.pswpout,
                            r.psi_some_us, r.psi_full_us}) {
    row += ',';
    if (value) row += std::to_string(*value);
  }
  return row + '\n';
}

}  // namespace headroom::capture
