// Fuzzes the request-trace readers (sim/trace/requests: every registered format, detection, the
// bad-row and order rules) and `trace stats`' computation.
//   - bad input is a reqtrace::TraceError "FILE:LINE:COL: error: ..." with line and column >= 1,
//     never a crash (UBSan checks the time arithmetic), a hang or another exception type;
//   - rows handed out are in non-decreasing time order (Order::reject and Order::sort alike);
//   - counts agree with what was handed out: rows, failed rows, skipped = the sum of the reasons;
//   - compute_stats over the same file sees the same rows, and its percentiles are <= max.
// Input: one options byte, then the file's bytes. Options byte: bits 0-2 the format (0 = detect,
// 1.. = format_names()[n - 1] when it exists), bit 3 on_bad_row skip, bit 4 Order::sort, bit 5 a
// column mapping (time=t, input=i, output=o, hash_ids=h; bit 6 time_unit ms, bit 7 datetime).
#include <cstdint>
#include <exception>
#include <string>

#include "sim/trace/requests/request_trace.hpp"
#include "sim/trace/requests/stats.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace rq = headroom::reqtrace;
using headroom::fuzz::fail;

rq::Options options_of(std::uint8_t bits) {
  rq::Options o;
  const auto names = rq::format_names();
  const unsigned f = bits & 7u;
  if (f != 0 && f <= names.size()) o.format = names[f - 1];
  if (bits & 8u) o.on_bad_row = headroom::trace::BadRowAction::skip;
  if (bits & 16u) o.order = rq::Order::sort;
  if (bits & 32u) o.columns = {"t", "i", "o", "h", (bits & 128u) ? "datetime" : (bits & 64u) ? "ms" : "s"};
  return o;
}

bool before(const rq::Record& a, const rq::Record& b) {
  if (a.has_date_time && b.has_date_time) return a.date_time < b.date_time;
  return a.time_ns < b.time_ns;
}

void check_error(const rq::TraceError& e, const std::string& path) {
  if (!headroom::fuzz::starts_with(e.what(), path + ":") || e.line() < 1 || e.column() < 1)
    fail("a TraceError names file, line and column", e.what());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const rq::Options options = options_of(data[0]);
  const std::string path = headroom::fuzz::write_input("requests.txt", headroom::fuzz::as_text(data + 1, size - 1));
  std::uint64_t rows = 0, failed = 0;
  try {
    const auto reader = rq::open_requests(path, options);
    rq::Record r, previous;
    while (reader->next(r)) {
      if (rows > 0 && before(r, previous)) fail("rows in non-decreasing time order", path);
      if (r.line < 1) fail("a row has a line number", path);
      previous = r;
      ++rows;
      failed += r.failed ? 1 : 0;
    }
    const rq::Counts& c = reader->counts();
    std::uint64_t reasons = 0;
    for (const auto& [reason, n] : c.skipped_by_reason) reasons += n;
    if (c.rows != rows || c.failed != failed || c.skipped != reasons) fail("counts agree with the rows handed out", path);
    if (c.skipped > 0 && c.first_skipped.empty()) fail("the first skipped row is quoted", path);
  } catch (const rq::TraceError& e) {
    check_error(e, path);
    return 0;
  } catch (const std::exception& e) {
    fail("the request readers throw only TraceError", e.what());
  } catch (...) {
    fail("the request readers throw only TraceError", "a non-std exception");
  }
  try {
    const auto reader = rq::open_requests(path, options);
    const rq::TraceStats s = rq::compute_stats(*reader, path);
    if (s.counts.rows != rows) fail("stats see the same rows", path);
    if (s.input.percentile(99) > s.input.max() || s.output.percentile(50) > s.output.max())
      fail("percentiles at most the maximum", path);
    if (!(s.span_s >= 0)) fail("a non-negative span", path);
  } catch (const std::exception& e) {
    fail("a file read once reads again", e.what());
  }
  return 0;
}
