// sim/trace: reference-trace mode. Reads page/block reference traces (plain text or CSV, optionally
// gzip-compressed) into a dense key vector, replays them through the eviction policies of sim/mm
// (`headroom cache`), and computes exact or sampled LRU miss-ratio curves (`headroom mrc`).
// See sim/trace/README.md for the formats and semantics.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::trace {

// What a trace id means: a page (block) number, or a byte offset that is divided by the page size.
enum class IdUnit { page, bytes };
enum class BadRowAction { fail, skip };

struct TraceOptions {
  // Empty: plain text, one id per line. Otherwise: CSV with a header; the id column's name.
  std::string id_col;
  std::string size_col;  // optional CSV column: bytes referenced from the id on
  std::string time_col;  // optional CSV column: validated (a number or a date-time), not used
  std::uint64_t page_bytes = 4096;
  IdUnit id_unit = IdUnit::page;
  BadRowAction on_bad_row = BadRowAction::fail;
};

struct Trace {
  std::string name;                 // the path as given, used in messages and output
  std::vector<mm::PageKey> keys;    // one page per reference, ids remapped to 0..unique-1
  std::vector<std::uint64_t> page_ids;  // page_ids[key]: the page number that key stands for
  std::uint64_t rows = 0;           // data rows accepted
  std::uint64_t skipped_rows = 0;   // bad rows skipped under BadRowAction::skip
  std::string first_skipped;        // the first skipped row's message
  std::uint64_t unique() const { return page_ids.size(); }
};

// A bad trace: what() is "TRACE:LINE: error: expected ..., found '...'".
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whole file, gunzipped when it starts with the gzip magic bytes. Throws TraceError.
std::string read_file_bytes(const std::string& path);
// Throws TraceError on a bad row (BadRowAction::fail), a missing column or an unreadable file.
Trace read_trace(const std::string& path, const TraceOptions& options);
Trace parse_trace(std::string_view text, const std::string& name, const TraceOptions& options);

}  // namespace headroom::trace
