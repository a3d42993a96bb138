// Parsers of /proc and /sys text. Pure functions of the text, so the tests feed them fixtures.
#include <sys/stat.h>

#include <charconv>
#include <filesystem>
#include <sstream>

#include "sim/calibrate/calibrate.hpp"

namespace headroom::calibrate {
namespace {

std::optional<std::uint64_t> to_u64(std::string_view word) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc() || end != word.data() + word.size() || word.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

template <typename Each>
void for_each_line(std::string_view text, Each each) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    each(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

std::optional<std::uint64_t> meminfo_kib(std::string_view meminfo, std::string_view key) {
  std::optional<std::uint64_t> found;
  for_each_line(meminfo, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() >= 2 && w[0].size() == key.size() + 1 && w[0].substr(0, key.size()) == key && w[0].back() == ':')
      found = to_u64(w[1]);
  });
  return found;
}

// Zone blocks read "Node 0, zone   Normal" then "  pages free 123", "        min      5"...; the
// protection and per-cpu lines also hold numbers, so only the first min/low/high after a zone
// header count.
ZoneWatermarks zoneinfo_watermarks(std::string_view zoneinfo) {
  ZoneWatermarks sum;
  bool seen_min = false, seen_low = false, seen_high = false;
  for_each_line(zoneinfo, [&](std::string_view line) {
    const auto w = words(line);
    if (w.empty()) return;
    if (w[0] == "Node") {
      seen_min = seen_low = seen_high = false;
      return;
    }
    if (w.size() != 2) return;
    const auto value = to_u64(w[1]);
    if (!value) return;
    if (w[0] == "min" && !seen_min) sum.min_pages += *value, seen_min = true;
    if (w[0] == "low" && !seen_low) sum.low_pages += *value, seen_low = true;
    if (w[0] == "high" && !seen_high) sum.high_pages += *value, seen_high = true;
  });
  return sum;
}

std::optional<std::uint64_t> vmstat_value(std::string_view vmstat, std::string_view key) {
  std::optional<std::uint64_t> found;
  for_each_line(vmstat, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() == 2 && w[0] == key) found = to_u64(w[1]);
  });
  return found;
}

std::optional<double> psi_some_avg10(std::string_view pressure) {
  std::optional<double> found;
  for_each_line(pressure, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() < 2 || w[0] != "some") return;
    for (const auto word : w)
      if (word.substr(0, 6) == "avg10=") {
        double value = 0;
        const auto text = word.substr(6);
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (error == std::errc() && end == text.data() + text.size()) found = value;
      }
  });
  return found;
}

// "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already
// inside user/nice, so the total is the first eight columns.
std::optional<CpuTimes> cpu_times(std::string_view stat) {
  const std::size_t end = stat.find('\n');
  const auto w = words(stat.substr(0, end));
  if (w.size() < 9 || w[0] != "cpu") return std::nullopt;
  CpuTimes times;
  for (std::size_t i = 1; i <= 8; ++i) {
    const auto value = to_u64(w[i]);
    if (!value) return std::nullopt;
    times.total += *value;
    if (i == 8) times.steal = *value;
  }
  return times;
}

std::optional<std::uint64_t> single_number(std::string_view text) {
  const auto w = words(text.substr(0, text.find('\n')));
  if (w.size() != 1) return std::nullopt;
  return to_u64(w[0]);
}

bool swaps_lists(std::string_view swaps, std::string_view path) {
  bool found = false;
  for_each_line(swaps, [&](std::string_view line) {
    const auto w = words(line);
    if (!w.empty() && w[0] == path) found = true;
  });
  return found;
}

std::map<std::string, std::uint64_t> swap_used_kib(std::string_view swaps) {
  std::map<std::string, std::uint64_t> used;
  for_each_line(swaps, [&](std::string_view line) {
    const auto w = words(line);
    if (w.size() >= 5 && w[0] != "Filename")
      if (const auto kib = to_u64(w[3])) used[std::string(w[0])] = *kib;
  });
  return used;
}

std::optional<std::string> read_ahead_kb_path(const std::string& sysfs, unsigned major, unsigned minor) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path device = fs::path(sysfs) / "dev/block" / (std::to_string(major) + ":" + std::to_string(minor));
  const fs::path real = fs::canonical(device, ec);
  if (ec) return std::nullopt;
  // A partition (it has a `partition` file) has no queue/ of its own: its parent directory is the disk.
  const fs::path disk = fs::exists(real / "partition", ec) ? real.parent_path() : real;
  const fs::path file = disk / "queue/read_ahead_kb";
  if (!fs::exists(file, ec)) return std::nullopt;
  return file.string();
}

}  // namespace headroom::calibrate
