#include "sim/trace/input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sim/path_problem.hpp"
#include "sim/text.hpp"

namespace headroom::trace {
namespace {

// Read size: large enough that system calls are a small cost, small enough to stay in the L2 cache
// and to touch few pages (a page fault costs more than the read of a page on virtual machines).
constexpr std::size_t kReadBytes = std::size_t{256} << 10;
constexpr std::size_t kRawBytes = std::size_t{64} << 10;
// The block being parsed and the partial line after it: a partial line longer than kMaxLineBytes
// is refused, so this always has room to read more.
constexpr std::size_t kBufferBytes = kReadBytes + kMaxLineBytes + 1;

}  // namespace

struct LineReader::Inflater {
  z_stream z{};
  int rc = Z_OK;
  bool live = false;
  ~Inflater() {
    if (live) inflateEnd(&z);
  }
};

// One zstd decompression context; `frame_open`: the last call ended inside a frame (more input is
// needed), so that the end of the file there is a truncated stream.
struct LineReader::Unzstd {
  ZSTD_DStream* d = ZSTD_createDStream();
  bool frame_open = false;
  ~Unzstd() { ZSTD_freeDStream(d); }
};

LineReader::LineReader(const std::string& path, const std::string& what, const std::string& no_such_file) {
  const auto fail = [&](const std::string& found) { return InputError(0, 0, "expected " + what + ", found " + found); };
  // O_NONBLOCK: opening a named pipe must not wait for a writer that may never come.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) throw fail(open_failure(path, errno, no_such_file));
  try {
    open_stream(fail);
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

template <class Fail>
void LineReader::open_stream(Fail fail) {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) throw fail(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw fail("a directory");
  raw_.reset(new char[kRawBytes]);  // not zeroed: only bytes read are used
  if (S_ISFIFO(st.st_mode)) {
    // A non-blocking read tells "no writer" (0: end of file) from "a writer, no data yet" (EAGAIN).
    const ssize_t n = ::read(fd_, raw_.get(), kRawBytes);
    if (n == 0) throw fail("a named pipe (FIFO) with no writer");
    if (n > 0) raw_end_ = static_cast<std::size_t>(n);
  }
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  if (S_ISREG(st.st_mode)) size_hint_ = static_cast<std::uint64_t>(st.st_size);
  buffer_.reset(new char[kBufferBytes]);
  // gzip and zstd are recognised by their magic bytes, whatever the file's name.
  while (raw_end_ < 4 && !raw_eof_) {
    const std::size_t n = read_raw(raw_.get() + raw_end_, kRawBytes - raw_end_);
    if (n == 0) raw_eof_ = true;
    raw_end_ += n;
  }
  if (raw_end_ >= 2 && static_cast<unsigned char>(raw_[0]) == 0x1f && static_cast<unsigned char>(raw_[1]) == 0x8b) {
    gzip_ = std::make_unique<Inflater>();
    // windowBits 15 + 32: detect the gzip header.
    if (inflateInit2(&gzip_->z, 15 + 32) != Z_OK) throw InputError(0, 0, "expected gzip data, found zlib unable to start");
    gzip_->live = true;
    size_hint_ = 0;
  }
  // zstd frame magic 0xFD2FB528, little-endian (RFC 8878, section 3.1.1).
  if (raw_end_ >= 4 && std::memcmp(raw_.get(), "\x28\xB5\x2F\xFD", 4) == 0) {
    zstd_ = std::make_unique<Unzstd>();
    if (zstd_->d == nullptr) throw InputError(0, 0, "expected zstd data, found libzstd unable to start");
    size_hint_ = 0;
  }
}

LineReader::LineReader(std::string_view text) : memory_(text), memory_mode_(true) {}

LineReader::~LineReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t LineReader::read_raw(char* to, std::size_t capacity) {
  while (true) {
    const ssize_t n = ::read(fd_, to, capacity);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    throw InputError(0, 0, std::string("expected a readable file, found a read error (") + std::strerror(errno) + ")");
  }
}

void LineReader::refill_raw() {
  raw_begin_ = 0;
  raw_end_ = read_raw(raw_.get(), kRawBytes);
  if (raw_end_ == 0) raw_eof_ = true;
}

// Streaming zstd (ZSTD_decompressStream): concatenated frames are read one after the other; the end
// of the file inside a frame is a truncated stream, never a silently shorter trace.
std::size_t LineReader::unzstd_some(char* to, std::size_t capacity) {
  ZSTD_outBuffer out{to, capacity, 0};
  while (out.pos == 0) {
    if (raw_begin_ == raw_end_ && !raw_eof_) refill_raw();
    const bool no_input = raw_begin_ == raw_end_;
    if (no_input && !zstd_->frame_open) return 0;
    ZSTD_inBuffer in{raw_.get() + raw_begin_, raw_end_ - raw_begin_, 0};
    const std::size_t rc = ZSTD_decompressStream(zstd_->d, &out, &in);
    raw_begin_ += in.pos;
    // libzstd's default window limit (128 MiB) bounds the decoder's memory; frames written with
    // `zstd --long=28` or more exceed it and are named as such, not as corruption.
    if (ZSTD_isError(rc) && ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge)
      throw InputError(0, 0, "expected zstd data with a window of at most 128 MiB, found a larger window (written with "
                             "zstd --long=28 or more: recompress without --long)");
    if (ZSTD_isError(rc))
      throw InputError(0, 0, std::string("expected zstd data, found a corrupt stream (") + ZSTD_getErrorName(rc) + ")");
    zstd_->frame_open = rc != 0;
    if (no_input && out.pos == 0 && zstd_->frame_open)
      throw InputError(0, 0, "expected zstd data, found a truncated stream");
  }
  return out.pos;
}

std::size_t LineReader::inflate_some(char* to, std::size_t capacity) {
  z_stream& z = gzip_->z;
  z.next_out = reinterpret_cast<Bytef*>(to);
  z.avail_out = static_cast<uInt>(capacity);
  while (z.avail_out == capacity) {
    if (raw_begin_ == raw_end_ && !raw_eof_) {
      raw_begin_ = 0;
      raw_end_ = read_raw(raw_.get(), kRawBytes);
      if (raw_end_ == 0) raw_eof_ = true;
    }
    if (gzip_->rc == Z_STREAM_END) {
      if (raw_begin_ == raw_end_) return 0;  // the end of the last member
      inflateReset(&z);                      // another member follows
    }
    z.next_in = reinterpret_cast<Bytef*>(raw_.get() + raw_begin_);
    z.avail_in = static_cast<uInt>(raw_end_ - raw_begin_);
    gzip_->rc = inflate(&z, Z_NO_FLUSH);
    raw_begin_ = raw_end_ - z.avail_in;
    if (gzip_->rc != Z_OK && gzip_->rc != Z_STREAM_END && !(gzip_->rc == Z_BUF_ERROR && !raw_eof_))
      throw InputError(0, 0, gzip_->rc == Z_BUF_ERROR
                                 ? "expected gzip data, found a truncated stream"
                                 : "expected gzip data, found a corrupt or truncated stream (" +
                                       std::string(z.msg ? z.msg : "zlib error " + std::to_string(gzip_->rc)) + ")");
    if (gzip_->rc == Z_OK && raw_eof_ && raw_begin_ == raw_end_ && z.avail_out == capacity)
      throw InputError(0, 0, "expected gzip data, found a truncated stream");
  }
  return capacity - z.avail_out;
}

std::size_t LineReader::read_some(char* to, std::size_t capacity) {
  if (gzip_) return inflate_some(to, capacity);
  if (zstd_) return unzstd_some(to, capacity);
  if (raw_begin_ < raw_end_) {  // the bytes read while looking for the gzip magic
    const std::size_t n = std::min(capacity, raw_end_ - raw_begin_);
    std::memcpy(to, raw_.get() + raw_begin_, n);
    raw_begin_ += n;
    return n;
  }
  if (raw_eof_) return 0;
  return read_raw(to, capacity);
}

// Text traces never hold a NUL byte; /dev/zero, a core dump or a compressed file other than gzip
// do, in their first bytes: refusing them here costs one memchr per block.
void LineReader::check_binary(std::size_t from, std::size_t to, std::uint64_t first_line) const {
  const char* base = memory_mode_ ? memory_.data() : buffer_.get();
  const void* nul = std::memchr(base + from, '\0', to - from);
  if (nul == nullptr) return;
  const auto at = static_cast<std::size_t>(static_cast<const char*>(nul) - base);
  const std::string_view before(base, at);
  const std::size_t line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
  const auto line = first_line + static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n'));
  const std::uint64_t column = at - line_start + 1;
  throw InputError(line, column, "expected text, found binary data (a NUL byte at column " + std::to_string(column) + ")");
}

bool LineReader::next(std::string_view& block, std::uint64_t first_line) {
  if (memory_mode_) {
    if (eof_ || memory_.empty()) return false;
    eof_ = true;
    check_binary(0, memory_.size(), first_line);
    block = memory_;
    return true;
  }
  // Keep the partial line after the last block.
  std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  while (true) {
    if (!eof_) {
      const std::size_t n = read_some(buffer_.get() + end_, std::min(kReadBytes, kBufferBytes - end_));
      if (n == 0) eof_ = true;
      check_binary(end_, end_ + n, first_line);
      end_ += n;
    }
    const void* last = ::memrchr(buffer_.get(), '\n', end_);
    if (last != nullptr) {
      begin_ = static_cast<std::size_t>(static_cast<const char*>(last) - buffer_.get()) + 1;
      block = std::string_view(buffer_.get(), begin_);
      return true;
    }
    if (end_ > kMaxLineBytes)
      throw InputError(first_line, 1, line_too_long_message(std::string_view(buffer_.get(), end_)));
    if (eof_) {
      if (end_ == 0) return false;
      begin_ = end_;
      block = std::string_view(buffer_.get(), end_);
      return true;
    }
  }
}

bool LineReader::next_bytes(std::string_view& block) {
  if (memory_mode_) {
    if (eof_ || memory_.empty()) return false;
    eof_ = true;
    block = memory_;
    return true;
  }
  if (eof_) return false;
  const std::size_t n = read_some(buffer_.get(), kReadBytes);
  if (n == 0) {
    eof_ = true;
    return false;
  }
  block = std::string_view(buffer_.get(), n);
  return true;
}

std::string line_too_long_message(std::string_view line_start) {
  return "expected a line of at most " + std::to_string(kMaxLineBytes) + " bytes, found a longer one ('" +
         shown(line_start) + "')";
}

}  // namespace headroom::trace
