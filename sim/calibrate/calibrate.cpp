// The run: refuse what cannot work before creating anything, then measure in an order where each
// step finds what it needs (the test file written first, its cache state set by each step).
#include <algorithm>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>

#include "analysis/output_file.hpp"
#include "sim/calibrate/cleanup.hpp"
#include "sim/calibrate/measure.hpp"
#include "sim/text.hpp"

namespace headroom::calibrate {
namespace {

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kFreeMargin = 64 * kMiB;
constexpr int kSwapPasses = 3;
constexpr double kBusyPressurePercent = 10, kBusyStealPercent = 5;

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

std::uint64_t swap_file_bytes(const Options& o) { return 2 * o.cgroup_limit_bytes; }
std::uint64_t swap_array_bytes(const Options& o) { return o.cgroup_limit_bytes * 3 / 2; }

void check_directory(const Options& o) {
  struct stat st {};
  const std::string dir = fmt::format("'{}'", shown(o.dir));
  if (::stat(o.dir.c_str(), &st) != 0)
    throw CalibrateError(fmt::format("--path {}: {}", dir, errno == ENOENT ? "no such directory" : std::strerror(errno)));
  if (!S_ISDIR(st.st_mode)) throw CalibrateError("--path " + dir + ": not a directory");
  if (::access(o.dir.c_str(), W_OK | X_OK) != 0)
    throw CalibrateError("--path " + dir + ": not writable by this user (calibrate writes its test files there)");
  struct statvfs fs {};
  if (::statvfs(o.dir.c_str(), &fs) != 0) throw CalibrateError("--path " + dir + ": " + std::strerror(errno));
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  const std::uint64_t need = o.file_bytes + (o.swap ? swap_file_bytes(o) : 0) + kFreeMargin;
  if (free_bytes < need)
    throw CalibrateError(fmt::format("--path {}: not enough free space: calibrate needs {} MiB (test file{}, plus "
                                     "{} MiB to spare), {} MiB are free",
                                     dir, need / kMiB, o.swap ? " and swap file" : "", kFreeMargin / kMiB,
                                     free_bytes / kMiB));
}

void check_options(const Options& o) {
#if !defined(__linux__)
  throw CalibrateError("calibrate measures a Linux host (it reads /proc and /sys); this system is not Linux");
#endif
  if (o.swap && ::geteuid() != 0)
    throw CalibrateError("--swap needs root (it runs swapon and creates a memory cgroup); run as root or drop --swap");
  check_directory(o);
  analysis::check_output_path(o.out);
}

// CPU pressure and steal time, sampled between measurements.
class NoiseMonitor {
 public:
  NoiseMonitor() : start_(cpu_times(read_text("/proc/stat"))) { sample(); }
  void sample() {
    if (const auto avg10 = psi_some_avg10(read_text("/proc/pressure/cpu"))) max_pressure_ = std::max(max_pressure_, *avg10);
  }
  double max_pressure() const { return max_pressure_; }
  double steal_percent() const {
    const auto end = cpu_times(read_text("/proc/stat"));
    if (!start_ || !end || end->total <= start_->total) return 0;
    return 100.0 * static_cast<double>(end->steal - start_->steal) / static_cast<double>(end->total - start_->total);
  }

 private:
  std::optional<CpuTimes> start_;
  double max_pressure_ = 0;
};

void read_system(Measurements& m) {
  const std::string meminfo = read_text("/proc/meminfo");
  m.page_bytes = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const auto total = meminfo_kib(meminfo, "MemTotal"), available = meminfo_kib(meminfo, "MemAvailable");
  if (!total || !available) throw CalibrateError("cannot read MemTotal and MemAvailable from /proc/meminfo");
  m.ram_bytes = *total * 1024 / m.page_bytes * m.page_bytes;
  m.os_reserve_bytes = (*total - std::min(*total, *available)) * 1024;
  m.swap_bytes = meminfo_kib(meminfo, "SwapTotal").value_or(0) * 1024;
  m.watermarks = zoneinfo_watermarks(read_text("/proc/zoneinfo"));
  m.swappiness = single_number(read_text("/proc/sys/vm/swappiness")).value_or(0);
  m.page_cluster = single_number(read_text("/proc/sys/vm/page-cluster")).value_or(0);
  m.min_free_kbytes = single_number(read_text("/proc/sys/vm/min_free_kbytes")).value_or(0);
  m.watermark_scale_factor = single_number(read_text("/proc/sys/vm/watermark_scale_factor")).value_or(0);
  std::string thp = read_text("/sys/kernel/mm/transparent_hugepage/enabled");
  if (!thp.empty() && thp.back() == '\n') thp.pop_back();
  m.transparent_hugepage = thp.empty() ? "unknown" : thp;
}

// Runs `step` options.repeat times, sampling the noise after each.
void repeat(const Options& o, NoiseMonitor& noise, const std::function<void()>& step) {
  for (int i = 0; i < o.repeat; ++i) {
    check_stop();
    step();
    noise.sample();
  }
}

// The sequential read request: the disk's readahead window (what the kernel's readahead asks the
// disk for; 1 MiB requests ran about 25% slower than 8 MiB readahead on this project's VM), at
// least 1 MiB, at most 64 MiB and the test file, in 4 KiB units.
std::size_t read_request_bytes(const Measurements& m, std::uint64_t file_bytes) {
  const std::uint64_t window = std::clamp<std::uint64_t>(m.readahead_bytes.value_or(1 << 20), 1 << 20, 64 << 20);
  return static_cast<std::size_t>(std::min(window, file_bytes) / 4096 * 4096);
}

void measure_disk(const Options& o, const std::string& file, Measurements& m, NoiseMonitor& noise) {
  m.readahead_bytes = readahead_bytes(o.dir);
  m.read_request_bytes = read_request_bytes(m, o.file_bytes);
  repeat(o, noise, [&] {
    m.write_Bps.samples.push_back(write_direct_Bps(file, o.file_bytes));
    m.seq_read_direct_Bps.samples.push_back(read_direct_Bps(file, o.file_bytes, m.read_request_bytes));
    m.seq_read_buffered_Bps.samples.push_back(read_buffered_Bps(file, o.file_bytes));
    const RandomReads random = random_reads_direct(file, o.file_bytes);
    m.rand_read_latency_s.samples.push_back(random.latency_s);
    m.rand_read_iops.samples.push_back(random.iops);
  });
}

void measure_memory(const Options& o, const std::string& file, Measurements& m, NoiseMonitor& noise) {
  repeat(o, noise, [&] {
    m.mem_bw_Bps.samples.push_back(memcpy_Bps());
    m.cpu_flops.samples.push_back(cpu_flops());
    const FaultCost minor = minor_fault_cost(file, o.file_bytes, m.page_bytes);
    m.minor_fault_s.samples.push_back(minor.per_fault_s);
    m.minor_fault_per_page_s.samples.push_back(minor.per_page_s);
    m.major_fault_s.samples.push_back(major_fault_cost(file, o.file_bytes, m.page_bytes).per_fault_s);
    m.zero_fill_s.samples.push_back(zero_fill_s(m.page_bytes));
  });
}

// The disk time the measured disk figures predict for the pages moved: writes at the sequential
// write rate, reads in swap-readahead clusters of 2^page_cluster pages, each a request's latency
// plus its bytes at the sequential read rate.
double predicted_swap_io_s(const SwapSweep& sweep, const Measurements& m) {
  const double page = static_cast<double>(m.page_bytes);
  const double clusters = std::ceil(static_cast<double>(sweep.pages_in) / std::pow(2.0, static_cast<double>(m.page_cluster)));
  return static_cast<double>(sweep.pages_out) * page / m.write_Bps.median() +
         clusters * m.rand_read_latency_s.median() + static_cast<double>(sweep.pages_in) * page / m.seq_read_buffered_Bps.median();  // as ssd_read
}

void measure_swap(const Options& o, Measurements& m, NoiseMonitor& noise) {
  const std::string base = o.dir + "/.headroom-calibrate-" + std::to_string(::getpid());
  OwnedFile swap_file(base + ".swap");
  make_swap_file(swap_file.path(), swap_file_bytes(o), m.page_bytes);
  SwapOn swap_on(swap_file.path(), 32767);  // highest priority: the sweep uses this file first
  Cgroup cgroup("headroom-calibrate-" + std::to_string(::getpid()), o.cgroup_limit_bytes);
  m.swap_limit_bytes = o.cgroup_limit_bytes;
  m.swap_array_bytes = swap_array_bytes(o);
  Figure cost, raw, moved;
  repeat(o, noise, [&] {
    const SwapSweep sweep = swap_sweep(cgroup, swap_file.path(), m.swap_array_bytes, m.page_bytes, kSwapPasses);
    m.other_swap_change_kib = std::max(m.other_swap_change_kib, sweep.other_swap_change_kib);
    if (sweep.pages_moved == 0)
      throw CalibrateError("--swap: the sweep moved no pages through swap (is the cgroup's limit enforced?)");
    const double pages = static_cast<double>(sweep.pages_moved);
    raw.samples.push_back(sweep.wall_s / pages);
    cost.samples.push_back(std::max(0.0, sweep.wall_s - predicted_swap_io_s(sweep, m)) / pages);
    moved.samples.push_back(pages);
  });
  m.swap_page_cost_s = cost;
  m.swap_raw_per_page_s = raw;
  m.swap_pages_moved = moved;
}

void warn_if_others_swapped(const Measurements& m) {
  if (m.other_swap_change_kib == 0) return;
  std::fprintf(stderr,
               "warning: calibrate --swap: another swap area's use changed by up to %llu KiB during the sweeps: "
               "something else was swapping, and the system-wide pswpin/pswpout count its pages too, so "
               "swap_page_cost is too low; run it again when nothing else swaps\n",
               static_cast<unsigned long long>(m.other_swap_change_kib));
}

void warn_if_busy(const Measurements& m) {
  if (m.cpu_pressure_max_percent <= kBusyPressurePercent && m.steal_percent <= kBusyStealPercent) return;
  std::fprintf(stderr,
               "warning: calibrate: the machine was busy during the run (CPU pressure some avg10 up to %.1f%%, "
               "steal %.1f%%; calm is below %.0f%% and %.0f%%): CPU-bound figures (memory bandwidth, FLOP/s, "
               "fault, zero-fill and swap costs) may be off; run it again on an idle machine\n",
               m.cpu_pressure_max_percent, m.steal_percent, kBusyPressurePercent, kBusyStealPercent);
}

struct SignalScope {
  SignalScope() { install_signal_handlers(); }
  ~SignalScope() { restore_signal_handlers(); }
};

}  // namespace

void run(const Options& o) {
  check_options(o);
  SignalScope signals;
  const double start = now_s();
  Measurements m;
  m.date = today_utc();
  m.repeat = o.repeat;
  m.dir = o.dir;
  m.file_bytes = o.file_bytes;
  NoiseMonitor noise;
  read_system(m);
  {
    OwnedFile file(o.dir + "/.headroom-calibrate-" + std::to_string(::getpid()) + ".data");
    measure_disk(o, file.path(), m, noise);
    measure_memory(o, file.path(), m, noise);
  }
  if (o.swap) measure_swap(o, m, noise);
  check_stop();
  m.cpu_pressure_max_percent = noise.max_pressure();
  m.steal_percent = noise.steal_percent();
  m.duration_s = now_s() - start;
  analysis::write_output_file(o.out, host_yaml(m, o.name));
  warn_if_busy(m);
  warn_if_others_swapped(m);
}

}  // namespace headroom::calibrate
