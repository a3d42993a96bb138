// sim/trace: reference-trace mode. Reads page/block reference traces (plain text, CSV or
// libCacheSim's binary oracleGeneral, optionally gzip- or zstd-compressed) into a dense key vector, replays them through the eviction policies of sim/mm
// (`headroom cache`), and computes exact or sampled LRU miss-ratio curves (`headroom mrc`).
// See sim/trace/README.md for the formats and semantics.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::trace {

// What a trace id means: a page (block) number, or a byte offset that is divided by the page size.
enum class IdUnit { page, bytes };
enum class BadRowAction { fail, skip };
// detect: oracleGeneral when the file name holds ".oracleGeneral" (libCacheSim's naming: x.oracleGeneral,
// x.oracleGeneral.bin.zst, ...), else text (CSV with id_col). A binary format cannot be sniffed from
// its bytes, so a differently named oracleGeneral file needs TraceFormat::oracle_general.
enum class TraceFormat { detect, text, oracle_general };

// libCacheSim's oracleGeneral record: {uint32 clock_time, uint64 obj_id, uint32 obj_size,
// int64 next_access_vtime}, little-endian, packed (libCacheSim/traceReader/customizedReader/oracle/
// oracleGeneralBin.h).
inline constexpr std::size_t kOracleGeneralRecordBytes = 24;

// Chunks with sizes carry one weight per page reference: the bytes of the row that page holds,
// with this bit set on a row's first page (so that row-level "request" misses can be counted).
// Pages are at most 1 GiB (2^30 bytes), so the bit is never part of a size.
inline constexpr std::uint32_t kRowStart = std::uint32_t{1} << 31;

struct TraceOptions {
  // Empty: plain text, one id per line. Otherwise: CSV with a header; the id column's name.
  std::string id_col;
  std::string size_col;  // optional CSV column: bytes referenced from the id on
  std::string time_col;  // optional CSV column: validated (a number or a date-time), not used
  std::uint64_t page_bytes = 4096;
  IdUnit id_unit = IdUnit::page;
  BadRowAction on_bad_row = BadRowAction::fail;
  // Most pages one row may reference (size column): a larger row is a bad row. 2^16 pages is 256 MiB
  // at 4 KiB; a 64 GiB "object" would otherwise expand to 16 M references from one line.
  std::uint64_t max_row_pages = std::uint64_t{1} << 16;
  // Most references read_trace/parse_trace hold in memory (8 bytes each): the whole-trace consumers
  // (opt, the exact MRC) refuse longer traces instead of exhausting memory. stream_trace has no limit.
  std::uint64_t max_held_references = std::uint64_t{1} << 28;
  TraceFormat format = TraceFormat::detect;
};

// Whether `path` is read as oracleGeneral under `options`.
bool is_oracle_general(const std::string& path, const TraceOptions& options);

struct Trace {
  std::string name;                 // the path as given, used in messages and output
  std::vector<mm::PageKey> keys;    // one page per reference, ids remapped to 0..unique-1
  std::vector<std::uint64_t> page_ids;  // page_ids[key]: the page number that key stands for
  std::uint64_t references = 0;     // pages referenced, in order (== keys.size() unless streamed)
  std::uint64_t rows = 0;           // data rows accepted
  std::uint64_t skipped_rows = 0;   // bad rows skipped under BadRowAction::skip
  std::string first_skipped;        // the first skipped row's message
  // Rows with sizes (oracleGeneral, or a CSV size column): ref_bytes[i] is the bytes reference i
  // holds, kRowStart on each row's first page (empty when streamed or unsized); bytes = the sum.
  bool sized = false;
  std::vector<std::uint32_t> ref_bytes;
  std::uint64_t bytes = 0;
  std::uint64_t unique() const { return page_ids.size(); }
};

// A bad trace: what() is "TRACE:LINE: error: expected ..., found '...'".
class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws TraceError on a bad row (BadRowAction::fail), a missing column, an unreadable file (each
// cause in its own words: missing, a directory, a symbolic link loop, a FIFO without a writer, not
// permitted), binary data, a line longer than kMaxLineBytes (sim/trace/input.hpp), a row over
// max_row_pages, or more than max_held_references references. A UTF-8 byte-order mark is skipped.
Trace read_trace(const std::string& path, const TraceOptions& options);
Trace parse_trace(std::string_view text, const std::string& name, const TraceOptions& options);

// Receives the references in order, a chunk at a time; `page_ids` maps every key seen so far.
using KeySink = std::function<void(std::span<const mm::PageKey> keys, const std::vector<std::uint64_t>& page_ids)>;
// The same reading, in bounded memory: keys go to `sink` in chunks and are not kept (the returned
// Trace has no keys; `references` counts them). Memory is proportional to the distinct pages.
Trace stream_trace(const std::string& path, const TraceOptions& options, const KeySink& sink);

// The same, with each chunk's byte weights (`bytes` empty for an unsized trace, else one per key:
// see kRowStart).
using ChunkSink = std::function<void(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
                                     const std::vector<std::uint64_t>& page_ids)>;
Trace stream_chunks(const std::string& path, const TraceOptions& options, const ChunkSink& sink);

// An oracleGeneral trace in memory (tests, fuzzing); `name` is used in messages.
Trace parse_oracle_general(std::string_view bytes, const std::string& name, const TraceOptions& options);

}  // namespace headroom::trace
