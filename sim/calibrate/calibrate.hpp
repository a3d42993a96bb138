// sim/calibrate: `headroom calibrate` measures this Linux host and writes a catalog-format host file
// (`hosts: {ID: {...}}`) that scenarios name through `host_files:` (sim/config/README.md).
//
// The parts (README.md in this folder says what each figure is and how it is measured):
//   proc_text.cpp  parsers of /proc and /sys text (pure; unit-tested on fixture strings)
//   stats.cpp      median and spread of repeated figures
//   cleanup.cpp    the signal flag and the owners of everything calibrate creates (test files,
//                  swap file, cgroup, child process): each removes its thing in its destructor, so
//                  every exit path (return, error, SIGINT/SIGTERM) cleans up in one place
//   disk.cpp       disk of --path: direct/buffered sequential reads, random 4 KiB reads, writes,
//                  read_ahead_kb
//   memory.cpp     memory bandwidth, CPU FLOP/s, minor/major fault cost, zero-fill cost
//   swap.cpp       --swap: per-page swap cost through a temporary swap file and memory cgroup
//   host_file.cpp  the output YAML
//   calibrate.cpp  the run: checks, measurements in order, noise warning, output
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace headroom::calibrate {

struct Options {
  std::string dir = ".";          // --path: the disk to measure (test files go here)
  bool swap = false;              // --swap: measure the swap cost (root)
  std::string name = "this-host"; // --name: the host's id in the output
  int repeat = 3;                 // --repeat: repetitions of each figure
  std::string out;                // --out: the host file
  std::uint64_t file_bytes = std::uint64_t{256} << 20;      // disk test file
  std::uint64_t cgroup_limit_bytes = std::uint64_t{64} << 20;  // --swap: the cgroup limit
};

// Bad input or an impossible measurement: one line (what() without "error: "), exit status 2.
class CalibrateError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};
// SIGINT/SIGTERM arrived; everything was cleaned up on the way out. Exit status 128 + signal.
struct Interrupted {
  int signal;
};

// Runs the whole calibration and writes options.out. Returns normally on success; throws
// CalibrateError or Interrupted. Warnings (a busy machine) go to stderr.
void run(const Options& options);

// ---- Repeated figures --------------------------------------------------------------------------
struct Figure {
  std::vector<double> samples;
  double median() const;
  // Half the range over the median, in percent: "+-X%".
  double spread_percent() const;
};

// ---- /proc and /sys text (pure) ----------------------------------------------------------------
// "MemTotal:       24683548 kB" -> 24683548 (the number, kB as the file says); nullopt if absent.
std::optional<std::uint64_t> meminfo_kib(std::string_view meminfo, std::string_view key);
// /proc/zoneinfo: the min/low/high watermarks of every zone, summed, in pages.
struct ZoneWatermarks {
  std::uint64_t min_pages = 0, low_pages = 0, high_pages = 0;
};
ZoneWatermarks zoneinfo_watermarks(std::string_view zoneinfo);
// "pswpin 123" lines of /proc/vmstat.
std::optional<std::uint64_t> vmstat_value(std::string_view vmstat, std::string_view key);
// /proc/pressure/cpu: the `some` line's avg10, in percent.
std::optional<double> psi_some_avg10(std::string_view pressure);
// /proc/stat's first line: all jiffies and the steal column.
struct CpuTimes {
  std::uint64_t total = 0, steal = 0;
};
std::optional<CpuTimes> cpu_times(std::string_view stat);
// A single number in a sysctl or sysfs file ("60\n").
std::optional<std::uint64_t> single_number(std::string_view text);
// Whether /proc/swaps lists `path`.
bool swaps_lists(std::string_view swaps, std::string_view path);
// The Used column (KiB) of every swap area in /proc/swaps, by file name.
std::map<std::string, std::uint64_t> swap_used_kib(std::string_view swaps);
// The read_ahead_kb file of the disk holding device MAJ:MIN, under `sysfs` (normally "/sys"): the
// device's own queue/, or for a partition its parent disk's queue/. nullopt when not a block
// device (tmpfs, overlay: no /sys/dev/block entry).
std::optional<std::string> read_ahead_kb_path(const std::string& sysfs, unsigned major, unsigned minor);

// ---- Output ------------------------------------------------------------------------------------
struct Measurements {
  std::string date;  // YYYY-MM-DD (UTC)
  std::size_t read_request_bytes = 1 << 20;  // the O_DIRECT sequential read request (readahead window)
  int repeat = 0;
  std::string dir;
  std::uint64_t file_bytes = 0;
  // Read once.
  std::uint64_t ram_bytes = 0, page_bytes = 4096, os_reserve_bytes = 0, swap_bytes = 0;
  std::optional<std::uint64_t> readahead_bytes;
  ZoneWatermarks watermarks;
  std::uint64_t swappiness = 0, page_cluster = 0, min_free_kbytes = 0, watermark_scale_factor = 0;
  std::string transparent_hugepage;
  // Repeated.
  Figure seq_read_direct_Bps, seq_read_buffered_Bps, rand_read_latency_s, rand_read_iops, write_Bps;
  Figure mem_bw_Bps, cpu_flops, minor_fault_s, minor_fault_per_page_s, major_fault_s, zero_fill_s;
  // --swap.
  std::optional<Figure> swap_page_cost_s, swap_raw_per_page_s, swap_pages_moved;
  std::uint64_t swap_limit_bytes = 0, swap_array_bytes = 0;
  // Largest change of another swap area's use during a sweep: someone else was swapping, and the
  // system-wide pswpin/pswpout then count their pages too.
  std::uint64_t other_swap_change_kib = 0;
  // Noise over the run.
  double cpu_pressure_max_percent = 0, steal_percent = 0;
  double duration_s = 0;
};

// The host file: `hosts: {NAME: {fields, source: {...}, measured: {...}}}`.
std::string host_yaml(const Measurements& m, const std::string& name);

}  // namespace headroom::calibrate
