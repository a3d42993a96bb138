// The disk holding --path: O_DIRECT measures the device (and whatever cache the hypervisor keeps
// below the guest); buffered reads go through the page cache and its readahead.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>

#include "sim/calibrate/cleanup.hpp"
#include "sim/calibrate/measure.hpp"

namespace headroom::calibrate {
namespace {

constexpr std::size_t kChunkBytes = 1 << 20;
constexpr std::size_t kAlign = 4096;
constexpr double kRandomReadBudget_s = 1.0;
constexpr int kMaxRandomReads = 4000;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct AlignedBuffer {
  void* data = nullptr;
  explicit AlignedBuffer(std::size_t bytes) {
    if (posix_memalign(&data, kAlign, bytes) != 0) throw CalibrateError("out of memory for a " + std::to_string(bytes) + "-byte buffer");
    std::memset(data, 0x5a, bytes);  // not zeros: nothing below may compress or skip them
  }
  ~AlignedBuffer() { std::free(data); }
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  const int error = errno;
  std::string hint;
  if (error == EINVAL) hint = " (the file system of --path does not support direct I/O)";
  throw CalibrateError(what + " '" + path + "': " + std::strerror(error) + hint);
}

int open_or_fail(const std::string& path, int flags, const std::string& what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot open " + what, path);
  return fd;
}

// Reads `bytes` in requests of `request_bytes` from fd; returns the seconds taken.
double read_all(int fd, std::uint64_t bytes, const std::string& path, std::size_t request_bytes = kChunkBytes) {
  AlignedBuffer buffer(request_bytes);
  const double start = now_s();
  for (std::uint64_t done = 0; done < bytes; done += request_bytes) {
    check_stop();
    const ssize_t n = ::pread(fd, buffer.data, request_bytes, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot read the test file", path);
  }
  return now_s() - start;
}

}  // namespace

double write_direct_Bps(const std::string& path, std::uint64_t bytes) {
  Fd file{open_or_fail(path, O_WRONLY | O_CREAT | O_DIRECT, "the test file (O_DIRECT)")};
  AlignedBuffer buffer(kChunkBytes);
  const double start = now_s();
  for (std::uint64_t done = 0; done < bytes;) {
    check_stop();
    const ssize_t n = ::pwrite(file.fd, buffer.data, kChunkBytes, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write the test file", path);
    done += static_cast<std::uint64_t>(n);
  }
  if (::fsync(file.fd) != 0) fail("cannot fsync the test file", path);
  return static_cast<double>(bytes) / (now_s() - start);
}

double read_direct_Bps(const std::string& path, std::uint64_t bytes, std::size_t request_bytes) {
  Fd file{open_or_fail(path, O_RDONLY | O_DIRECT, "the test file (O_DIRECT)")};
  return static_cast<double>(bytes) / read_all(file.fd, bytes, path, request_bytes);
}

void drop_cache(const std::string& path) {
  Fd file{open_or_fail(path, O_RDONLY, "the test file")};
  ::fdatasync(file.fd);
  ::posix_fadvise(file.fd, 0, 0, POSIX_FADV_DONTNEED);
}

double read_buffered_Bps(const std::string& path, std::uint64_t bytes) {
  drop_cache(path);
  Fd file{open_or_fail(path, O_RDONLY, "the test file")};
  return static_cast<double>(bytes) / read_all(file.fd, bytes, path);
}

// Uniform 4 KiB-aligned offsets from a fixed seed, one request at a time, for at most 1 s.
RandomReads random_reads_direct(const std::string& path, std::uint64_t bytes) {
  Fd file{open_or_fail(path, O_RDONLY | O_DIRECT, "the test file (O_DIRECT)")};
  AlignedBuffer buffer(kAlign);
  std::mt19937_64 random(42);
  std::uniform_int_distribution<std::uint64_t> block(0, bytes / kAlign - 1);
  int reads = 0;
  const double start = now_s();
  double elapsed = 0;
  while (reads < kMaxRandomReads && elapsed < kRandomReadBudget_s) {
    check_stop();
    const ssize_t n = ::pread(file.fd, buffer.data, kAlign, static_cast<off_t>(block(random) * kAlign));
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(kAlign)) fail("cannot read the test file", path);
    ++reads;
    elapsed = now_s() - start;
  }
  return {elapsed / reads, reads / elapsed};
}

std::optional<std::uint64_t> readahead_bytes(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return std::nullopt;
  const auto path = read_ahead_kb_path("/sys", major(st.st_dev), minor(st.st_dev));
  if (!path) return std::nullopt;
  const auto kib = single_number(read_text(*path));
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

}  // namespace headroom::calibrate
