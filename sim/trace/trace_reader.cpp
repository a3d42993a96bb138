#include "sim/trace/trace_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

namespace headroom::trace {
namespace {

// One row may reference at most this many pages (64 GiB at 4 KiB): a larger size is almost surely
// a unit mistake, and accepting it would let one row exhaust memory.
constexpr std::uint64_t kMaxPagesPerRow = std::uint64_t{1} << 24;

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

  void prefetch(std::uint64_t id) const { __builtin_prefetch(&slots_[slot_of(id)]); }

  // Dense key of `id`, assigning the next one (order of first appearance) when new.
  mm::PageKey key_of(std::uint64_t id, std::vector<std::uint64_t>& page_ids) {
    std::size_t slot = slot_of(id);
    while (slots_[slot].key != kEmpty) {
      if (slots_[slot].id == id) return slots_[slot].key;
      slot = (slot + 1) & mask_;
    }
    if (page_ids.size() >= kEmpty - 1)
      throw std::length_error("too many distinct pages");  // Parser::run names the trace
    const auto key = static_cast<std::uint32_t>(page_ids.size());
    slots_[slot] = {id, key};
    page_ids.push_back(id);
    if (page_ids.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return key;
  }

 private:
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  struct Slot {
    std::uint64_t id = 0;
    std::uint32_t key = kEmpty;
  };

  std::size_t slot_of(std::uint64_t id) const {
    // Fibonacci hashing spreads sequential block numbers over the table.
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void rehash(std::size_t size) {
    SlotArray old = std::move(slots_);
    slots_ = SlotArray(size);
    mask_ = size - 1;
    shift_ = 64 - static_cast<int>(std::countr_zero(size));
    for (const Slot& s : old) {
      if (s.key == kEmpty) continue;
      std::size_t slot = slot_of(s.id);
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

bool all_digits(std::string_view s, std::size_t n) {
  if (s.size() < n) return false;
  return std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(n),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// A time value: a non-negative number, or a date-time "YYYY-MM-DD HH:MM:SS[.fraction]" (also 'T').
bool valid_time(std::string_view s) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec == std::errc() && ptr == end && !s.empty()) return std::isfinite(v) && v >= 0;
  if (s.size() < 19 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s.substr(5), 2) ||
      s[7] != '-' || !all_digits(s.substr(8), 2) || (s[10] != ' ' && s[10] != 'T') ||
      !all_digits(s.substr(11), 2) || s[13] != ':' || !all_digits(s.substr(14), 2) ||
      s[16] != ':' || !all_digits(s.substr(17), 2))
    return false;
  std::string_view rest = s.substr(19);
  if (rest.empty()) return true;
  return rest.size() >= 2 && rest[0] == '.' && all_digits(rest.substr(1), rest.size() - 1);
}

class Parser {
 public:
  // Block traces often re-reference about half of their lines (cloudPhysicsIO: 57% of the lines
  // are re-references), so the id table starts sized for half the lines, up to 2^16 ids (2 MiB):
  // beyond that a guess costs more to clear than the rehashing it saves (an LLM decode trace
  // re-references 97% of its lines).
  Parser(std::string_view text, const std::string& name, const TraceOptions& options)
      : text_(text), options_(options), lines_(count_lines(text)),
        remap_(std::min<std::size_t>(lines_ / 2, std::size_t{1} << 16)) {
    trace_.name = name;
    trace_.keys.reserve(lines_);
  }

  Trace run() {
    if (options_.page_bytes == 0) throw TraceError(trace_.name + ": error: expected a page size of at least 1 byte, found 0");
    if (options_.id_col.empty() && (!options_.size_col.empty() || !options_.time_col.empty()))
      throw TraceError(trace_.name + ": error: expected --id-col with --size-col or --time-col, found none");
    try {
      if (options_.id_col.empty()) parse_plain();
      else parse_csv();
    } catch (const std::length_error&) {
      throw TraceError(trace_.name + ": error: expected at most 4294967294 distinct pages, found more");
    }
    return std::move(trace_);
  }

 private:
  // Calls f(line_number, line) for every line; the last line may lack its newline.
  template <class F>
  void for_each_line(std::size_t from, std::uint64_t first_line, F&& f) {
    std::uint64_t line_no = first_line;
    const char* p = text_.data() + from;
    const char* end = text_.data() + text_.size();
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      const char* line_end = nl ? nl : end;
      std::string_view line(p, static_cast<std::size_t>(line_end - p));
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      f(line_no++, line);
      p = nl ? nl + 1 : end;
    }
  }

  void bad_row(std::uint64_t line, const std::string& expected, std::string_view found) {
    std::string message = trace_.name + ":" + std::to_string(line) + ": error: expected " + expected +
                          ", found '" + shown(found) + "'";
    if (options_.on_bad_row == BadRowAction::fail) throw TraceError(message);
    if (trace_.skipped_rows++ == 0) trace_.first_skipped = message;
  }

  // The common case (page ids of at most 19 digits, LF or CRLF) in one tight loop; at the first
  // line it cannot take it returns that line's offset and number for the general path.
  // Ids are looked up in batches, each slot prefetched as its id is parsed: the table is too large
  // for the L2 cache and the lookups are random, so overlapping the misses doubles the speed.
  std::pair<std::size_t, std::uint64_t> parse_plain_fast() {
    constexpr std::size_t kBatch = 32;
    std::uint64_t batch[kBatch];
    std::size_t pending = 0;
    auto flush = [&] {
      for (std::size_t i = 0; i < pending; ++i) trace_.keys.push_back(remap_.key_of(batch[i], trace_.page_ids));
      trace_.rows += pending;
      pending = 0;
    };
    const char* const begin = text_.data();
    const char* const end = begin + text_.size();
    const char* p = begin;
    std::uint64_t line_no = 1;
    while (p < end) {
      const char* const line = p;
      std::uint64_t id = 0;
      while (p < end && static_cast<unsigned>(*p - '0') < 10) id = id * 10 + static_cast<unsigned>(*p++ - '0');
      const bool ok = p != line && p - line <= 19 && (p == end || *p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n') ||
                                                         (*p == '\r' && p + 1 == end));
      if (!ok) {
        flush();
        return {static_cast<std::size_t>(line - begin), line_no};
      }
      if (p < end) p += *p == '\r' ? 2 : 1;
      if (p > end) p = end;  // a final "\r" without "\n"
      remap_.prefetch(id);
      batch[pending++] = id;
      if (pending == kBatch) flush();
      ++line_no;
    }
    flush();
    return {text_.size(), line_no};
  }

  void parse_plain() {
    std::size_t from = 0;
    std::uint64_t first_line = 1;
    if (options_.id_unit == IdUnit::page) std::tie(from, first_line) = parse_plain_fast();
    for_each_line(from, first_line, [&](std::uint64_t line_no, std::string_view line) {
      const std::string_view field = trim(line);
      const auto id = parse_u64(field);
      if (!id) return bad_row(line_no, "an unsigned 64-bit integer id", field);
      if (options_.id_unit == IdUnit::page) {
        trace_.keys.push_back(remap_.key_of(*id, trace_.page_ids));  // the hot path
        ++trace_.rows;
      } else {
        emit(line_no, *id, std::nullopt, field);
      }
    });
  }

  // Appends the pages a row references; false (and a bad-row report) when they overflow.
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
      if (count > kMaxPagesPerRow)
        return bad_row(line_no, "a size of at most " + std::to_string(kMaxPagesPerRow) + " pages", row);
      if (count - 1 > std::numeric_limits<std::uint64_t>::max() - first)
        return bad_row(line_no, "page numbers below 2^64", row);
    }
    for (std::uint64_t i = 0; i < count; ++i) trace_.keys.push_back(remap_.key_of(first + i, trace_.page_ids));
    ++trace_.rows;
  }

  static std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(unquote(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
      if (comma == std::string_view::npos) return fields;
      start = comma + 1;
    }
  }

  int column(const std::vector<std::string_view>& header, const std::string& wanted, std::string_view header_line) {
    if (wanted.empty()) return -1;
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == wanted) return static_cast<int>(i);
    throw TraceError(trace_.name + ":1: error: expected a column named '" + wanted + "' in the header, found '" +
                     shown(header_line) + "'");
  }

  void parse_csv() {
    const std::size_t nl = text_.find('\n');
    std::string_view header_line = text_.substr(0, nl);
    if (!header_line.empty() && header_line.back() == '\r') header_line.remove_suffix(1);
    const auto header = split(header_line);
    const int id_i = column(header, options_.id_col, header_line);
    const int size_i = column(header, options_.size_col, header_line);
    const int time_i = column(header, options_.time_col, header_line);
    const auto needed = static_cast<std::size_t>(std::max({id_i, size_i, time_i}) + 1);
    if (nl == std::string_view::npos) return;
    for_each_line(nl + 1, 2, [&](std::uint64_t line_no, std::string_view line) {
      const auto fields = split(line);
      if (fields.size() < needed)
        return bad_row(line_no, "at least " + std::to_string(needed) + " comma-separated fields", line);
      const auto id = parse_u64(fields[static_cast<std::size_t>(id_i)]);
      if (!id) return bad_row(line_no, "an unsigned 64-bit integer in column '" + options_.id_col + "'",
                              fields[static_cast<std::size_t>(id_i)]);
      std::optional<std::uint64_t> size;
      if (size_i >= 0) {
        size = parse_u64(fields[static_cast<std::size_t>(size_i)]);
        if (!size) return bad_row(line_no, "a size in bytes (unsigned integer) in column '" + options_.size_col + "'",
                                  fields[static_cast<std::size_t>(size_i)]);
      }
      if (time_i >= 0 && !valid_time(fields[static_cast<std::size_t>(time_i)]))
        return bad_row(line_no, "a time (non-negative number or YYYY-MM-DD HH:MM:SS[.f]) in column '" +
                                    options_.time_col + "'",
                       fields[static_cast<std::size_t>(time_i)]);
      emit(line_no, *id, size, line);
    });
  }

  static std::size_t count_lines(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  }

  std::string_view text_;
  const TraceOptions& options_;
  std::size_t lines_;
  IdRemap remap_;
  Trace trace_;
};

}  // namespace

namespace {

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

// Inflates gzip data (windowBits 15 + 32 detects the header; concatenated members are read), feeding
// zlib at most 1 GiB at a time since its counters are 32-bit.
std::string gunzip(std::string_view data, const std::string& path) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw TraceError(path + ": error: zlib initialisation failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, &inflateEnd);
  constexpr std::size_t kChunk = std::size_t{1} << 30;
  std::string out;
  char buffer[1 << 16];
  std::size_t fed = 0;
  int rc = Z_OK;
  while (true) {
    if (z.avail_in == 0 && fed < data.size()) {
      const std::size_t n = std::min(kChunk, data.size() - fed);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + fed));
      z.avail_in = static_cast<uInt>(n);
      fed += n;
    }
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;  // the end of the last member
      inflateReset(&z);            // another member follows
    }
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END)
      throw TraceError(path + ": error: expected gzip data, found a corrupt or truncated stream (" +
                       (z.msg ? z.msg : "zlib error " + std::to_string(rc)) + ")");
    out.append(buffer, sizeof buffer - z.avail_out);
    if (rc != Z_STREAM_END && z.avail_in == 0 && fed == data.size() && z.avail_out != 0)
      throw TraceError(path + ": error: expected gzip data, found a truncated stream");
  }
  return out;
}

// A read-only mapping of a whole regular file (no copy: the parser reads the page cache).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      size_ = static_cast<std::size_t>(st.st_size);
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      data_ = p == MAP_FAILED ? nullptr : static_cast<const char*>(p);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool ok() const { return data_ != nullptr; }
  std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace

std::string read_file_bytes(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw TraceError(path + ": error: expected a readable trace file, found " + std::strerror(errno));
  // One allocation of the file's size, then read in place (growing only if the file grew).
  std::string data;
  if (std::fseek(file.get(), 0, SEEK_END) == 0) {
    const long size = std::ftell(file.get());
    if (size > 0) data.resize(static_cast<std::size_t>(size));
    std::rewind(file.get());
  }
  std::size_t used = 0;
  while (true) {
    used += std::fread(data.data() + used, 1, data.size() - used, file.get());
    if (used < data.size()) break;  // end of file (or an error, checked below)
    const int c = std::fgetc(file.get());  // the buffer is full: is there more (a pipe, a growing file)?
    if (c == EOF) break;
    data.resize(std::max<std::size_t>(data.size() * 2, 1 << 16));
    data[used++] = static_cast<char>(c);
  }
  if (std::ferror(file.get())) throw TraceError(path + ": error: expected a readable trace file, found a read error");
  data.resize(used);
  return is_gzip(data) ? gunzip(data, path) : data;
}

Trace parse_trace(std::string_view text, const std::string& name, const TraceOptions& options) {
  return Parser(text, name, options).run();
}

Trace read_trace(const std::string& path, const TraceOptions& options) {
  const MappedFile mapped(path);
  if (!mapped.ok()) return parse_trace(read_file_bytes(path), path, options);  // pipes, empty files
  if (is_gzip(mapped.view())) return parse_trace(gunzip(mapped.view(), path), path, options);
  return parse_trace(mapped.view(), path, options);
}

}  // namespace headroom::trace
