// Reading a text input (a reference trace, a request trace of sim/trace/requests/, a memory series
// of sim/trace/memory/) in bounded memory: the file is opened once with a true message for every way
// that can fail, read in blocks of whole lines (gunzipped or zstd-decompressed on the fly when it
// starts with the gzip or zstd magic bytes), and refused early when it is binary (a NUL byte) or has
// a line longer than kMaxLineBytes. Binary inputs (libCacheSim's oracleGeneral) are read in blocks
// of bytes instead (next_bytes), through the same opening and decompression; nothing holds the file.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace headroom::trace {

// A line longer than this is refused: no trace format has rows near it, and a 10 MB "line" (a run
// of commas, a file without newlines) would otherwise be split into millions of fields.
inline constexpr std::size_t kMaxLineBytes = std::size_t{64} << 10;

// What went wrong, where: `line` 0 means the input as a whole (open, read, gzip), else the 1-based
// line and column (byte) of the problem. `message` reads "expected ..., found ...".
class InputError : public std::runtime_error {
 public:
  InputError(std::uint64_t line, std::uint64_t column, const std::string& message)
      : std::runtime_error(message), line_(line), column_(column) {}
  std::uint64_t line() const { return line_; }
  std::uint64_t column() const { return column_; }

 private:
  std::uint64_t line_;
  std::uint64_t column_;
};

class LineReader {
 public:
  // Opens `path`; throws InputError (line 0) "expected <what>, found <reason>" when it cannot.
  // `no_such_file` words the missing-file case (kept as each reader has always printed it).
  LineReader(const std::string& path, const std::string& what, const std::string& no_such_file);
  // Reads from memory (tests, parse_trace): the text is one block, checked the same way.
  explicit LineReader(std::string_view text);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next block of whole lines (it ends just after a '\n', except at the end of the input);
  // false at the end. `first_line` is the number of the block's first line, for messages. Throws
  // InputError on a read error, corrupt gzip, a NUL byte, or a line longer than kMaxLineBytes. The
  // block stays valid until the next call.
  bool next(std::string_view& block, std::uint64_t first_line);

  // Binary inputs: the next block of bytes as stored (decompressed), with no text checks; false at
  // the end. Do not mix with next(). Throws InputError (line 0) on a read error or a corrupt or
  // truncated gzip/zstd stream. The block stays valid until the next call.
  bool next_bytes(std::string_view& block);

  // The file's size in bytes when it is a regular uncompressed file, else 0 (for sizing guesses).
  std::uint64_t size_hint_bytes() const { return size_hint_; }

 private:
  template <class Fail>
  void open_stream(Fail fail);
  std::size_t read_some(char* to, std::size_t capacity);
  std::size_t read_raw(char* to, std::size_t capacity);
  std::size_t inflate_some(char* to, std::size_t capacity);
  std::size_t unzstd_some(char* to, std::size_t capacity);
  void refill_raw();
  void check_binary(std::size_t from, std::size_t to, std::uint64_t first_line) const;

  int fd_ = -1;
  std::uint64_t size_hint_ = 0;
  std::string_view memory_;  // memory mode: the text, handed out once
  bool memory_mode_ = false;
  std::unique_ptr<char[]> buffer_;  // holds the current block and the partial line after it
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  // gzip
  struct Inflater;
  std::unique_ptr<Inflater> gzip_;
  // zstd
  struct Unzstd;
  std::unique_ptr<Unzstd> zstd_;
  std::unique_ptr<char[]> raw_;  // bytes read from the file, not yet used
  std::size_t raw_begin_ = 0, raw_end_ = 0;
  bool raw_eof_ = false;
};

// "expected a line of at most 65536 bytes, found a longer one ('...')"
std::string line_too_long_message(std::string_view line_start);

}  // namespace headroom::trace
