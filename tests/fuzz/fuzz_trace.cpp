// Fuzzes the reference-trace readers of sim/trace (trace_reader.hpp): plain text, CSV by column
// name and libCacheSim's binary oracleGeneral, any of them gzip- or zstd-compressed, under every
// option that changes how rows are read.
//   - bad input is a TraceError naming the trace ("TRACE:LINE: error: ..." or "TRACE: error: ..."),
//     never a crash, a hang, unbounded memory or another exception type;
//   - an accepted trace is consistent: every key is below the number of distinct pages; a sized
//     trace has one byte weight per reference, each from 1 byte to a page, one row start per row,
//     and weights summing to its bytes.
// Input: one options byte, then the file's bytes (decompressed by the reader when they start with the
// gzip or zstd magic). Options byte: bit 0 CSV (else plain text), bit 1 ids are byte offsets, bit 2
// skip bad rows, bit 3 a size column (without bit 0: oracleGeneral, bit 1 ignored), bit 4 a time
// column, bit 5 column names TIMESTAMP/BlockId/Extra (else time/offset/size), bits 6-7 page size
// 4096, 1, 16384 or 512 bytes.
#include <cstdint>
#include <exception>
#include <string>

#include "sim/trace/trace_reader.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace {

namespace trace = headroom::trace;
using headroom::fuzz::fail;

trace::TraceOptions options_from(std::uint8_t bits) {
  trace::TraceOptions o;
  const bool azure_names = bits & 0x20;
  if (bits & 0x01) {
    o.id_col = azure_names ? "BlockId" : "offset";
    if (bits & 0x08) o.size_col = azure_names ? "Extra" : "size";
    if (bits & 0x10) o.time_col = azure_names ? "TIMESTAMP" : "time";
  }
  o.id_unit = (bits & 0x02) ? trace::IdUnit::bytes : trace::IdUnit::page;
  if (!(bits & 0x01) && (bits & 0x08)) {  // a size column without CSV meant nothing: oracleGeneral
    o.format = trace::TraceFormat::oracle_general;
    o.id_unit = trace::IdUnit::page;
  }
  o.on_bad_row = (bits & 0x04) ? trace::BadRowAction::skip : trace::BadRowAction::fail;
  static constexpr std::uint64_t kPageBytes[] = {4096, 1, 16384, 512};
  o.page_bytes = kPageBytes[bits >> 6];
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return -1;
  const trace::TraceOptions options = options_from(data[0]);
  const std::string path = headroom::fuzz::write_input("trace", headroom::fuzz::as_text(data + 1, size - 1));
  trace::Trace t;
  try {
    t = trace::read_trace(path, options);
  } catch (const trace::TraceError& e) {
    if (!headroom::fuzz::starts_with(e.what(), path + ":") || std::string(e.what()).find(" error: ") == std::string::npos)
      fail("a TraceError names the trace: 'TRACE:LINE: error: ...'", e.what());
    return 0;
  } catch (const std::exception& e) {
    fail("the trace reader throws only TraceError", e.what());
  } catch (...) {
    fail("the trace reader throws only TraceError", "a non-std exception");
  }
  for (const auto key : t.keys)
    if (key >= t.unique()) fail("every key is below the number of distinct pages", path);
  if (t.keys.size() < t.rows) fail("at least one reference per accepted row", path);
  if (!t.sized) return 0;
  if (t.ref_bytes.size() != t.keys.size()) fail("a sized trace has one byte weight per reference", path);
  std::uint64_t rows = 0, bytes = 0;
  for (const std::uint32_t w : t.ref_bytes) {
    const std::uint64_t held = w & ~trace::kRowStart;
    if (held == 0 || held > options.page_bytes) fail("each reference holds 1 byte to a page", path);
    rows += (w & trace::kRowStart) != 0;
    bytes += held;
  }
  if (rows != t.rows || bytes != t.bytes) fail("row starts count the rows, weights sum to the bytes", path);
  return 0;
}
