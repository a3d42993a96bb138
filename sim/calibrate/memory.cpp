// Memory, CPU and page-fault figures. Fault counts come from getrusage (ru_minflt / ru_majflt of
// this process), so a figure is per fault the kernel counted, not per page assumed.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "sim/calibrate/cleanup.hpp"
#include "sim/calibrate/measure.hpp"

namespace headroom::calibrate {
namespace {

constexpr std::size_t kCopyBytes = std::size_t{64} << 20;  // well past any last-level cache here
constexpr int kCopies = 4;
constexpr std::size_t kZeroFillBytes = std::size_t{128} << 20;
constexpr std::uint64_t kMajorFaultPages = 2048;  // 8 MiB of random single pages

// Results stored here cannot be optimised away, so the loops that compute them run.
volatile unsigned g_touched_sum;
volatile double g_flops_sum;

struct Faults {
  long minor, major;
};
Faults faults_now() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {usage.ru_minflt, usage.ru_majflt};
}

struct Mapping {
  void* data = MAP_FAILED;
  std::size_t bytes = 0;
  ~Mapping() {
    if (data != MAP_FAILED) ::munmap(data, bytes);
  }
};

void map_file(Mapping& map, const std::string& path, std::uint64_t bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CalibrateError("cannot open the test file '" + path + "': " + std::strerror(errno));
  map.bytes = bytes;
  map.data = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map.data == MAP_FAILED) throw CalibrateError("cannot mmap the test file '" + path + "': " + std::strerror(errno));
}

// Touches one byte of each page in `order`; returns the seconds taken. The sum keeps the reads.
double touch_pages(const Mapping& map, const std::vector<std::uint64_t>& order, std::uint64_t page_bytes) {
  const volatile unsigned char* bytes = static_cast<const unsigned char*>(map.data);
  unsigned sum = 0;
  const double start = now_s();
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i % 4096 == 0) check_stop();
    sum += bytes[order[i] * page_bytes];
  }
  const double elapsed = now_s() - start;
  g_touched_sum = sum;
  return elapsed;
}

double flops_one_thread(double seconds) {
  // Eight independent chains so the adder's latency does not bound the loop; 2 FLOPs per step.
  double acc[8] = {1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7};
  const double mul = 0.999999, add = 1e-7;
  std::uint64_t steps = 0;
  const double start = now_s();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (int round = 0; round < 100000; ++round)
      for (double& a : acc) a = a * mul + add;
    steps += 100000 * 8;
    elapsed = now_s() - start;
  }
  g_flops_sum = std::accumulate(acc, acc + 8, 0.0);
  return 2.0 * static_cast<double>(steps) / elapsed;
}

}  // namespace

double memcpy_Bps() {
  std::vector<char> from(kCopyBytes, 1), to(kCopyBytes, 2);  // touched first: no faults timed
  const double start = now_s();
  for (int i = 0; i < kCopies; ++i) {
    check_stop();
    std::memcpy(to.data(), from.data(), kCopyBytes);
    from[i] = to[kCopyBytes - 1 - i];  // keeps the copies from being merged
  }
  const double elapsed = now_s() - start;
  return 2.0 * kCopies * static_cast<double>(kCopyBytes) / elapsed;
}

double cpu_flops() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<double> rates(cores);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < cores; ++i) threads.emplace_back([&rates, i] { rates[i] = flops_one_thread(0.3); });
  for (auto& thread : threads) thread.join();
  check_stop();
  return std::accumulate(rates.begin(), rates.end(), 0.0);
}

// The file is read first so every page is cached; the faults then only map pages (the kernel
// maps up to fault_around_bytes of cached neighbours per fault, hence per fault and per page).
FaultCost minor_fault_cost(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes) {
  read_buffered_Bps(path, bytes);
  Mapping map;
  map_file(map, path, bytes);
  std::vector<std::uint64_t> order(bytes / page_bytes);
  std::iota(order.begin(), order.end(), 0);
  const Faults before = faults_now();
  const double elapsed = touch_pages(map, order, page_bytes);
  const long faults = std::max(1L, faults_now().minor - before.minor);
  return {elapsed / static_cast<double>(faults), elapsed / static_cast<double>(order.size())};
}

// MADV_RANDOM turns off read-around, so each fault reads one page from the disk after the file's
// cache was dropped: the figure is the disk's latency plus the fault's own cost.
FaultCost major_fault_cost(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes) {
  drop_cache(path);
  Mapping map;
  map_file(map, path, bytes);
  ::madvise(map.data, map.bytes, MADV_RANDOM);
  std::vector<std::uint64_t> order(bytes / page_bytes);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  order.resize(std::min<std::uint64_t>(order.size(), kMajorFaultPages));
  const Faults before = faults_now();
  const double elapsed = touch_pages(map, order, page_bytes);
  const long faults = std::max(1L, faults_now().major - before.major);
  return {elapsed / static_cast<double>(faults), elapsed / static_cast<double>(order.size())};
}

// A fresh private anonymous mapping, one write per page: each first touch faults and zero-fills a
// page (transparent huge pages as this host's default for mmap gives them).
double zero_fill_s(std::uint64_t page_bytes) {
  Mapping map;
  map.bytes = kZeroFillBytes;
  map.data = ::mmap(nullptr, map.bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map.data == MAP_FAILED) throw CalibrateError(std::string("cannot map 128 MiB of memory: ") + std::strerror(errno));
  volatile unsigned char* bytes = static_cast<unsigned char*>(map.data);
  const std::uint64_t pages = map.bytes / page_bytes;
  const double start = now_s();
  for (std::uint64_t i = 0; i < pages; ++i) {
    if (i % 4096 == 0) check_stop();
    bytes[i * page_bytes] = 1;
  }
  return (now_s() - start) / static_cast<double>(pages);
}

}  // namespace headroom::calibrate
