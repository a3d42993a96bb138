// Fuzzes the memory-series readers (sim/trace/memory: capture CSV, /proc/PID/status, cgroup v1/v2
// memory.stat, /proc/vmstat snapshots).
//   - bad input is a SeriesError whose what() is "PATH:LINE:COL: error: expected ..." with line
//     and column >= 1, never a crash (UBSan checks the kB and page products), a hang or another
//     exception type;
//   - an accepted series has at least one sample, its first at 0 s, times finite and strictly
//     increasing, and a registered format name;
//   - the file read and the same bytes read from memory agree: the same samples, or the same
//     message (the stream's block boundaries change nothing);
//   - under on_bad_row skip, a series accepted under fail reads the same with nothing skipped.
// Input: the series file's bytes.
#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "sim/trace/memory/memory_series.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace memtrace = headroom::memtrace;
using headroom::fuzz::fail;

struct Outcome {
  bool ok = false;
  memtrace::Series series;
  std::string message;  // what() after the file name, when refused
};

template <class Read>
Outcome attempt(const std::string& name, Read read) {
  Outcome out;
  try {
    out.series = read();
    out.ok = true;
  } catch (const memtrace::SeriesError& e) {
    if (!headroom::fuzz::starts_with(e.what(), name + ":") || e.line() < 1 || e.column() < 1 ||
        e.message().substr(0, 9) != "expected ")
      fail("a SeriesError names file, line and column and says what was expected", e.what());
    out.message = std::string(e.what()).substr(name.size());
  } catch (const std::exception& e) {
    fail("the memory readers throw only SeriesError", e.what());
  } catch (...) {
    fail("the memory readers throw only SeriesError", "a non-std exception");
  }
  return out;
}

bool same(const memtrace::Sample& a, const memtrace::Sample& b) {
  return a.time_s == b.time_s && a.anon_bytes == b.anon_bytes && a.file_bytes == b.file_bytes &&
         a.rss_bytes == b.rss_bytes && a.swap_bytes == b.swap_bytes && a.total_bytes == b.total_bytes &&
         a.pgmajfault == b.pgmajfault && a.pswpin == b.pswpin && a.pswpout == b.pswpout && a.line == b.line;
}

void check_series(const memtrace::Series& s, const std::string& path) {
  const auto names = memtrace::format_names();
  if (std::find(names.begin(), names.end(), s.format) == names.end()) fail("a registered format name", s.format);
  if (s.samples.empty() || s.samples[0].time_s != 0) fail("at least one sample, the first at 0 s", path);
  for (std::size_t i = 1; i < s.samples.size(); ++i)
    if (!std::isfinite(s.samples[i].time_s) || !(s.samples[i].time_s >= s.samples[i - 1].time_s))
      fail("finite non-decreasing times (strictly increasing before rounding)", path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(headroom::fuzz::as_text(data, size));
  const std::string path = headroom::fuzz::write_input("series", text);
  const Outcome file = attempt(path, [&] { return memtrace::read_memory_series(path, {}); });
  // Compressed bytes (gzip or zstd magic) are decompressed only when read from a file: the same bytes
  // in memory are text, so the two readings are compared for uncompressed inputs only.
  const bool compressed = text.starts_with("\x1f\x8b") || text.starts_with("\x28\xb5\x2f\xfd");
  if (compressed) {
    if (file.ok) check_series(file.series, path);
    return 0;
  }
  const Outcome memory = attempt(path, [&] { return memtrace::parse_memory_series(text, path, {}); });
  if (file.ok != memory.ok || file.message != memory.message)
    fail("the file and the same bytes in memory read alike", file.message + " | " + memory.message);
  if (!file.ok) return 0;
  check_series(file.series, path);
  if (file.series.samples.size() != memory.series.samples.size() || file.series.format != memory.series.format)
    fail("the file and the same bytes in memory give the same samples", path);
  for (std::size_t i = 0; i < file.series.samples.size(); ++i)
    if (!same(file.series.samples[i], memory.series.samples[i]))
      fail("the file and the same bytes in memory give the same samples", std::to_string(i));
  memtrace::Options skip;
  skip.on_bad_row = headroom::trace::BadRowAction::skip;
  const Outcome skipped = attempt(path, [&] { return memtrace::parse_memory_series(text, path, skip); });
  if (!skipped.ok || skipped.series.skipped != 0 || skipped.series.samples.size() != file.series.samples.size())
    fail("a series accepted under fail reads the same under skip", path);
  return 0;
}
