#include "sim/trace/trace_reader.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <tuple>

#include "sim/text.hpp"
#include "sim/trace/input.hpp"
#include "sim/trace/timestamp.hpp"

namespace headroom::trace {
namespace {

// Open-addressing (linear probing) map from page id to dense key; far faster than
// std::unordered_map for the millions of lookups a trace needs.
class IdRemap {
 public:
  // `expected_ids`: a guess at the number of distinct ids, to avoid most rehashing.
  explicit IdRemap(std::size_t expected_ids) {
    std::size_t size = 1u << 12;
    while (size < expected_ids * 2) size *= 2;
    rehash(size);
  }

  void prefetch(std::uint64_t id, std::uint32_t sub = 0) const { __builtin_prefetch(&slots_[slot_of(id, sub)]); }

  // Dense key of `id`, assigning the next one (order of first appearance) when new.
  mm::PageKey key_of(std::uint64_t id, std::vector<std::uint64_t>& page_ids) { return key_of(id, 0, page_ids); }
  // Dense key of page `sub` of object `id` (oracleGeneral objects spanning several pages: object ids
  // are not page numbers, so object 7's second page must not be object 8's first). page_ids gets
  // the object id, so that SHARDS samples whole objects.
  mm::PageKey key_of(std::uint64_t id, std::uint32_t sub, std::vector<std::uint64_t>& page_ids) {
    std::size_t slot = slot_of(id, sub);
    while (slots_[slot].key != kEmpty) {
      if (slots_[slot].id == id && slots_[slot].sub == sub) return slots_[slot].key;
      slot = (slot + 1) & mask_;
    }
    if (page_ids.size() >= kEmpty - 1)
      throw std::length_error("too many distinct pages");  // Parser::run names the trace
    const auto key = static_cast<std::uint32_t>(page_ids.size());
    slots_[slot] = {id, key, sub};
    page_ids.push_back(id);
    if (page_ids.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return key;
  }

 private:
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  struct Slot {
    std::uint64_t id = 0;
    std::uint32_t key = kEmpty;
    std::uint32_t sub = 0;  // page within an object (fills what was padding: still 16 bytes)
  };

  std::size_t slot_of(std::uint64_t id, std::uint32_t sub) const {
    // Fibonacci hashing spreads sequential block numbers over the table; sub 0 hashes as before.
    return static_cast<std::size_t>(((id ^ (std::uint64_t{sub} * 0xC2B2AE3D27D4EB4Full)) * 0x9E3779B97F4A7C15ull) >>
                                    shift_);
  }

  void rehash(std::size_t size) {
    SlotArray old = std::move(slots_);
    slots_ = SlotArray(size);
    mask_ = size - 1;
    shift_ = 64 - static_cast<int>(std::countr_zero(size));
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      std::size_t slot = slot_of(s.id, s.sub);
      while (slots_[slot].key != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = s;
    }
  }

  // Slots in memory of their own, on transparent huge pages when large: lookups are random, and
  // with 4 KiB pages nearly every one of them also misses the TLB.
  class SlotArray {
   public:
    SlotArray() = default;
    explicit SlotArray(std::size_t n) : size_(n) {
      constexpr std::size_t kHuge = std::size_t{2} << 20;
      const bool huge = n * sizeof(Slot) >= kHuge;
      const std::size_t align = huge ? kHuge : 64;
      const std::size_t bytes = (n * sizeof(Slot) + align - 1) / align * align;
      data_.reset(static_cast<Slot*>(std::aligned_alloc(align, bytes)));
      if (!data_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      if (huge) madvise(data_.get(), bytes, MADV_HUGEPAGE);
#endif
      std::uninitialized_fill_n(data_.get(), n, Slot{});
    }
    Slot& operator[](std::size_t i) { return data_[i]; }
    const Slot& operator[](std::size_t i) const { return data_[i]; }
    std::size_t size() const { return size_; }
    const Slot* begin() const { return data_.get(); }
    const Slot* end() const { return data_.get() + size_; }

   private:
    struct Free {
      void operator()(Slot* p) const { std::free(p); }
    };
    std::unique_ptr<Slot[], Free> data_;
    std::size_t size_ = 0;
  };
  SlotArray slots_;
  std::size_t mask_ = 0;
  int shift_ = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end || s.empty()) return std::nullopt;
  return v;
}

// A time value: a non-negative number, or a date-time "YYYY-MM-DD HH:MM:SS[.fraction]" (also 'T')
// with every field in range.
bool valid_time(std::string_view s) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec == std::errc() && ptr == end && !s.empty()) return std::isfinite(v) && v >= 0;
  return parse_date_time(s, true, kMaxLineBytes).has_value();
}

// Chunks handed to a KeySink: large enough that the per-chunk cost vanishes, small enough for L2.
constexpr std::size_t kChunkKeys = std::size_t{1} << 14;

class Parser {
 public:
  // Block traces often re-reference about half of their lines (cloudPhysicsIO: 57% of the lines
  // are re-references), so the id table starts sized for half the lines (guessed at 8 bytes a line
  // from the file size), up to 2^16 ids (2 MiB): beyond that a guess costs more to clear than the
  // rehashing it saves (an LLM decode trace re-references 97% of its lines).
  Parser(LineReader& input, const std::string& name, const TraceOptions& options, const ChunkSink* sink,
         bool oracle = false)
      : input_(input), options_(options), sink_(sink), oracle_(oracle),
        sized_(oracle || !options.size_col.empty()),
        remap_(std::min<std::uint64_t>(input.size_hint_bytes() / 16, std::uint64_t{1} << 16)) {
    trace_.name = name;
    trace_.sized = sized_;
    // Reserving what the guesses say saves the copies (and, on virtual machines, the page faults
    // of the copies' fresh memory) that growing by doubling costs.
    trace_.page_ids.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(input.size_hint_bytes() / 16, 1u << 16)));
    keys_.reserve(sink_ ? kChunkKeys + 1
                        : static_cast<std::size_t>(std::min<std::uint64_t>(input.size_hint_bytes() / 4, 1u << 24)));
  }

  Trace run() {
    if (options_.page_bytes == 0) throw TraceError(trace_.name + ": error: expected a page size of at least 1 byte, found 0");
    if (oracle_ && (!options_.id_col.empty() || !options_.size_col.empty() || !options_.time_col.empty() ||
                    options_.id_unit != IdUnit::page))
      throw TraceError(trace_.name + ": error: expected no --id-col, --size-col, --time-col or --id-unit bytes with an "
                                     "oracleGeneral trace (its records carry object ids and sizes), found one");
    if (options_.id_col.empty() && (!options_.size_col.empty() || !options_.time_col.empty()))
      throw TraceError(trace_.name + ": error: expected --id-col with --size-col or --time-col, found none");
    try {
      if (oracle_) read_records();
      else read_blocks();
    } catch (const std::length_error&) {
      throw TraceError(trace_.name + ": error: expected at most 4294967294 distinct pages, found more");
    } catch (const InputError& e) {
      throw TraceError(trace_.name + (e.line() ? ":" + std::to_string(e.line()) : std::string()) +
                       ": error: " + e.what());
    }
    flush();
    if (!sink_) {
      trace_.keys = std::move(keys_);
      trace_.ref_bytes = std::move(bytes_);
    }
    return std::move(trace_);
  }

 private:
  void read_blocks() {
    std::string_view block;
    std::uint64_t line = 1;
    bool first = true;
    while (input_.next(block, line)) {
      if (first) {
        first = false;
        // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first line.
        if (block.starts_with("\xEF\xBB\xBF")) block.remove_prefix(3);
        if (!options_.id_col.empty()) {
          const std::size_t nl = block.find('\n');
          read_header(block.substr(0, nl));
          if (nl == std::string_view::npos) return;
          block.remove_prefix(nl + 1);
          line = 2;
        }
      }
      line = options_.id_col.empty() ? parse_plain(block, line) : parse_csv(block, line);
      maybe_flush();
    }
    if (first && !options_.id_col.empty()) read_header({});  // an empty file has no header either
  }

  // Calls f(line_number, line) for every line of `text`; the last line may lack its newline.
  // Returns the number of the line after the last.
  template <class F>
  std::uint64_t for_each_line(std::string_view text, std::uint64_t line_no, F&& f) {
    const char* p = text.data();
    const char* end = text.data() + text.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      const char* line_end = nl ? nl : end;
      std::string_view line(p, static_cast<std::size_t>(line_end - p));
      if (line.size() > kMaxLineBytes) throw InputError(line_no, 1, line_too_long_message(line));
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      f(line_no++, line);
      p = nl ? nl + 1 : end;
    }
    return line_no;
  }

  void bad_row(std::uint64_t line, const std::string& expected, std::string_view found, const std::string& what = "") {
    bad(trace_.name + ":" + std::to_string(line) + ": error: expected " + expected + ", found " + what + "'" +
        shown(found) + "'");
  }
  void bad(const std::string& message) {
    if (options_.on_bad_row == BadRowAction::fail) throw TraceError(message);
    if (trace_.skipped_rows++ == 0) trace_.first_skipped = message;
  }

  void push(mm::PageKey key) { keys_.push_back(key); }
  void push(mm::PageKey key, std::uint32_t bytes) {
    keys_.push_back(key);
    bytes_.push_back(bytes);
  }
  void add_row_bytes(std::uint64_t size_bytes) {
    if (__builtin_add_overflow(trace_.bytes, size_bytes, &trace_.bytes))
      throw TraceError(trace_.name + ": error: expected at most 2^64 - 1 bytes requested in all, found more");
  }

  // Streaming: hands a full chunk to the sink. Whole-trace mode: enforces max_held_references.
  void maybe_flush() {
    if (sink_) {
      if (keys_.size() >= kChunkKeys) flush();
    } else if (keys_.size() > options_.max_held_references) {
      throw TraceError(trace_.name + ": error: expected at most " + std::to_string(options_.max_held_references) +
                       " references (opt and the exact miss-ratio curve hold the whole trace in memory), found more "
                       "(use online policies, or mrc --sample)");
    }
  }
  void flush() {
    if (!sink_) {
      trace_.references = keys_.size();
      return;
    }
    trace_.references += keys_.size();
    if (!keys_.empty())
      (*sink_)(std::span<const mm::PageKey>(keys_), std::span<const std::uint32_t>(bytes_), trace_.page_ids);
    keys_.clear();
    bytes_.clear();
  }

  // The common case (page ids of at most 19 digits, LF or CRLF) in one tight loop; at the first
  // line it cannot take it returns that line's offset and number for the general path.
  // Ids are looked up in batches, each slot prefetched as its id is parsed: the table is too large
  // for the L2 cache and the lookups are random, so overlapping the misses doubles the speed.
  std::pair<std::size_t, std::uint64_t> parse_plain_fast(std::string_view text, std::uint64_t line_no) {
    constexpr std::size_t kBatch = 32;
    std::uint64_t batch[kBatch];
    std::size_t pending = 0;
    auto flush_batch = [&] {
      for (std::size_t i = 0; i < pending; ++i) push(remap_.key_of(batch[i], trace_.page_ids));
      trace_.rows += pending;
      pending = 0;
    };
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    const char* p = begin;
    while (p < end) {
      const char* const line = p;
      std::uint64_t id = 0;
      while (p < end && static_cast<unsigned>(*p - '0') < 10) id = id * 10 + static_cast<unsigned>(*p++ - '0');
      const bool ok = p != line && p - line <= 19 && (p == end || *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n') ||
                                                         (*p == '\r' && p + 1 == end));
      if (!ok) {
        flush_batch();
        return {static_cast<std::size_t>(line - begin), line_no};
      }
      if (p < end) p += *p == '\r' ? 2 : 1;
      if (p > end) p = end;  // a final "\r" without "\n"
      remap_.prefetch(id);
      batch[pending++] = id;
      if (pending == kBatch) flush_batch();
      ++line_no;
    }
    flush_batch();
    return {text.size(), line_no};
  }

  std::uint64_t parse_plain(std::string_view text, std::uint64_t line_no) {
    std::size_t from = 0;
    if (options_.id_unit == IdUnit::page) std::tie(from, line_no) = parse_plain_fast(text, line_no);
    return for_each_line(text.substr(from), line_no, [&](std::uint64_t n, std::string_view line) {
      const std::string_view field = trim(line);
      const auto id = parse_u64(field);
      if (!id) return bad_row(n, "an unsigned 64-bit integer id", field);
      if (options_.id_unit == IdUnit::page) {
        push(remap_.key_of(*id, trace_.page_ids));
        ++trace_.rows;
      } else {
        emit(n, *id, std::nullopt, field);
      }
    });
  }

  // Appends the pages a row references; a bad-row report when they overflow or exceed the limit.
  void emit(std::uint64_t line_no, std::uint64_t id, std::optional<std::uint64_t> size_bytes,
            std::string_view row) {
    const std::uint64_t page = options_.page_bytes;
    const bool bytes = options_.id_unit == IdUnit::bytes;
    std::uint64_t first = bytes ? id / page : id;
    std::uint64_t count = 1;
    if (size_bytes) {
      if (*size_bytes == 0) return bad_row(line_no, "a size of at least 1 byte", row);
      if (bytes) {
        if (*size_bytes - 1 > std::numeric_limits<std::uint64_t>::max() - id)
          return bad_row(line_no, "offset + size below 2^64 bytes", row);
        count = (id + (*size_bytes - 1)) / page - first + 1;
      } else {
        count = *size_bytes / page + (*size_bytes % page != 0);
      }
      if (count > options_.max_row_pages)
        return bad_row(line_no, "at most " + std::to_string(options_.max_row_pages) + " pages in a row (--max-row-pages)",
                       row, std::to_string(count) + " pages in ");
      if (count - 1 > std::numeric_limits<std::uint64_t>::max() - first)
        return bad_row(line_no, "page numbers below 2^64", row);
    }
    if (!size_bytes) {
      push(remap_.key_of(first, trace_.page_ids));
      ++trace_.rows;
      return;
    }
    add_row_bytes(*size_bytes);
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint32_t held = bytes ? bytes_on_page(id, *size_bytes, first + i) : bytes_of_page(*size_bytes, i);
      push(remap_.key_of(first + i, trace_.page_ids), held | (i == 0 ? kRowStart : 0));
      if ((i & 0xFFFF) == 0xFFFF) maybe_flush();
    }
    ++trace_.rows;
  }

  // Bytes of page `i` of an object of `size_bytes` laid from a page boundary: whole pages, then the rest.
  std::uint32_t bytes_of_page(std::uint64_t size_bytes, std::uint64_t i) const {
    const std::uint64_t page = options_.page_bytes;
    return static_cast<std::uint32_t>(std::min(page, size_bytes - i * page));
  }
  // Bytes of [offset, offset + size) on page `p` (the caller checked offset + size - 1 < 2^64).
  std::uint32_t bytes_on_page(std::uint64_t offset, std::uint64_t size_bytes, std::uint64_t p) const {
    const std::uint64_t page = options_.page_bytes;
    const std::uint64_t last = offset + (size_bytes - 1);
    const std::uint64_t start = p * page;
    const std::uint64_t lo = std::max(offset, start);
    const std::uint64_t hi = last - start < page ? last : start + (page - 1);
    return static_cast<std::uint32_t>(hi - lo + 1);
  }

  // libCacheSim oracleGeneral (kOracleGeneralRecordBytes a record, little-endian): each record an
  // object request; its pages are (object id, 0..ceil(size / page) - 1). Records may straddle the
  // blocks the input hands out; a partial record at the end of the data is an error.
  void read_records() {
    std::string_view block;
    char carry[kOracleGeneralRecordBytes];
    std::size_t carried = 0;
    while (input_.next_bytes(block)) {
      if (carried > 0) {
        const std::size_t n = std::min(kOracleGeneralRecordBytes - carried, block.size());
        std::memcpy(carry + carried, block.data(), n);
        carried += n;
        block.remove_prefix(n);
        if (carried < kOracleGeneralRecordBytes) continue;
        record(carry);
        carried = 0;
      }
      // The id table is far larger than the caches: prefetch the slot of the object's first page
      // a few records ahead, as the text reader does for its batches.
      constexpr std::size_t kAhead = 8 * kOracleGeneralRecordBytes;
      for (; block.size() >= kOracleGeneralRecordBytes; block.remove_prefix(kOracleGeneralRecordBytes)) {
        if (block.size() >= kAhead + kOracleGeneralRecordBytes) remap_.prefetch(little_endian(block.data() + kAhead + 4, 8));
        record(block.data());
      }
      std::memcpy(carry, block.data(), block.size());
      carried = block.size();
      maybe_flush();
    }
    if (carried > 0)
      throw TraceError(trace_.name + ": error: expected whole " + std::to_string(kOracleGeneralRecordBytes) +
                       "-byte oracleGeneral records, found a truncated record of " + std::to_string(carried) +
                       " bytes at byte offset " + std::to_string(records_ * kOracleGeneralRecordBytes) + " (record " +
                       std::to_string(records_ + 1) + ")");
  }

  static std::uint64_t little_endian(const char* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
  }

  void bad_record(const std::string& expected, const std::string& found) {
    bad(trace_.name + ": record " + std::to_string(records_) + " at byte offset " +
        std::to_string((records_ - 1) * kOracleGeneralRecordBytes) + ": error: expected " + expected + ", found " + found);
  }

  void record(const char* p) {
    ++records_;
    const std::uint64_t id = little_endian(p + 4, 8);
    const std::uint64_t size_bytes = little_endian(p + 12, 4);
    const auto object = [id] { return " (object id " + std::to_string(id) + ")"; };  // only for messages
    if (size_bytes == 0) return bad_record("an object size of at least 1 byte", "0" + object());
    const std::uint64_t page = options_.page_bytes;
    const std::uint64_t count = size_bytes / page + (size_bytes % page != 0);
    if (count > options_.max_row_pages)
      return bad_record("at most " + std::to_string(options_.max_row_pages) + " pages in a record (--max-row-pages)",
                        std::to_string(count) + " pages (" + std::to_string(size_bytes) + " bytes)" + object());
    add_row_bytes(size_bytes);
    for (std::uint64_t i = 0; i < count; ++i) {
      push(remap_.key_of(id, static_cast<std::uint32_t>(i), trace_.page_ids),
           bytes_of_page(size_bytes, i) | (i == 0 ? kRowStart : 0));
      if ((i & 0xFFFF) == 0xFFFF) maybe_flush();
    }
    ++trace_.rows;
  }

  static void split(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(unquote(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
      if (comma == std::string_view::npos) return;
      start = comma + 1;
    }
  }

  int column(const std::vector<std::string_view>& header, const std::string& wanted, std::string_view header_line) {
    if (wanted.empty()) return -1;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == wanted) return static_cast<int>(i);
    throw TraceError(trace_.name + ":1: error: expected a column named '" + shown(wanted) + "' in the header, found '" +
                     shown(header_line) + "'");
  }

  void read_header(std::string_view header_line) {
    if (header_line.size() > kMaxLineBytes) throw InputError(1, 1, line_too_long_message(header_line));
    if (!header_line.empty() && header_line.back() == '\r') header_line.remove_suffix(1);
    std::vector<std::string_view> header;
    split(header_line, header);
    id_i_ = column(header, options_.id_col, header_line);
    size_i_ = column(header, options_.size_col, header_line);
    time_i_ = column(header, options_.time_col, header_line);
    needed_ = static_cast<std::size_t>(std::max({id_i_, size_i_, time_i_}) + 1);
  }

  std::uint64_t parse_csv(std::string_view text, std::uint64_t line_no) {
    return for_each_line(text, line_no, [&](std::uint64_t n, std::string_view line) {
      split(line, fields_);
      if (fields_.size() < needed_)
        return bad_row(n, "at least " + std::to_string(needed_) + " comma-separated fields", line);
      const auto id = parse_u64(fields_[static_cast<std::size_t>(id_i_)]);
      if (!id) return bad_row(n, "an unsigned 64-bit integer in column '" + shown(options_.id_col) + "'",
                              fields_[static_cast<std::size_t>(id_i_)]);
      std::optional<std::uint64_t> size;
      if (size_i_ >= 0) {
        size = parse_u64(fields_[static_cast<std::size_t>(size_i_)]);
        if (!size) return bad_row(n, "a size in bytes (unsigned integer) in column '" + shown(options_.size_col) + "'",
                                  fields_[static_cast<std::size_t>(size_i_)]);
      }
      if (time_i_ >= 0 && !valid_time(fields_[static_cast<std::size_t>(time_i_)]))
        return bad_row(n, "a time (non-negative number or YYYY-MM-DD HH:MM:SS[.f]) in column '" +
                              shown(options_.time_col) + "'",
                       fields_[static_cast<std::size_t>(time_i_)]);
      emit(n, *id, size, line);
    });
  }

  LineReader& input_;
  const TraceOptions& options_;
  const ChunkSink* sink_;
  bool oracle_ = false;
  bool sized_ = false;
  std::uint64_t records_ = 0;  // oracleGeneral records read so far
  std::vector<std::uint32_t> bytes_;  // sized traces: one weight per key in keys_ (kRowStart)
  IdRemap remap_;
  Trace trace_;
  std::vector<mm::PageKey> keys_;
  std::vector<std::string_view> fields_;
  int id_i_ = -1, size_i_ = -1, time_i_ = -1;
  std::size_t needed_ = 1;
};

// Opens `path`, naming it in the message when it cannot be read.
std::unique_ptr<LineReader> open_trace(const std::string& path) {
  try {
    return std::make_unique<LineReader>(path, "a readable trace file", "No such file or directory");
  } catch (const InputError& e) {
    throw TraceError(path + ": error: " + e.what());
  }
}

Trace parse_from(const std::string& path, const TraceOptions& options, const ChunkSink* sink) {
  const auto input = open_trace(path);
  return Parser(*input, path, options, sink, is_oracle_general(path, options)).run();
}

}  // namespace

bool is_oracle_general(const std::string& path, const TraceOptions& options) {
  if (options.format != TraceFormat::detect) return options.format == TraceFormat::oracle_general;
  const std::size_t slash = path.rfind('/');
  return path.find(".oracleGeneral", slash == std::string::npos ? 0 : slash) != std::string::npos;
}

Trace parse_oracle_general(std::string_view bytes, const std::string& name, const TraceOptions& options) {
  LineReader input(bytes);
  return Parser(input, name, options, nullptr, true).run();
}

Trace stream_chunks(const std::string& path, const TraceOptions& options, const ChunkSink& sink) {
  return parse_from(path, options, &sink);
}

Trace parse_trace(std::string_view text, const std::string& name, const TraceOptions& options) {
  LineReader input(text);
  return Parser(input, name, options, nullptr).run();
}

Trace read_trace(const std::string& path, const TraceOptions& options) { return parse_from(path, options, nullptr); }

Trace stream_trace(const std::string& path, const TraceOptions& options, const KeySink& sink) {
  const ChunkSink chunks = [&sink](std::span<const mm::PageKey> keys, std::span<const std::uint32_t>,
                                   const std::vector<std::uint64_t>& page_ids) { sink(keys, page_ids); };
  return parse_from(path, options, &chunks);
}

}  // namespace headroom::trace
