// Internal to sim/calibrate: the measurement functions, one figure each (one repetition per call).
// Sizes and counts are the caller's; README.md lists the defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sim/calibrate/calibrate.hpp"

namespace headroom::calibrate {

// disk.cpp. `path` is the test file (created by write_direct_Bps, kept by the caller's OwnedFile).
double write_direct_Bps(const std::string& path, std::uint64_t bytes);  // O_DIRECT 1 MiB + fsync
// O_DIRECT sequential reads in requests of request_bytes (calibrate uses the disk's readahead
// window: the request size the kernel's readahead issues for file faults and reads).
double read_direct_Bps(const std::string& path, std::uint64_t bytes, std::size_t request_bytes);
double read_buffered_Bps(const std::string& path, std::uint64_t bytes); // after fadvise DONTNEED
struct RandomReads {
  double latency_s, iops;
};
RandomReads random_reads_direct(const std::string& path, std::uint64_t bytes);  // 4 KiB, QD1
std::optional<std::uint64_t> readahead_bytes(const std::string& dir);           // read_ahead_kb
void drop_cache(const std::string& path);                                       // fadvise DONTNEED

// memory.cpp.
double memcpy_Bps();                // copy of 64 MiB buffers; bytes read + written per second
double cpu_flops();                 // multiply-add loop on every core
struct FaultCost {
  double per_fault_s, per_page_s;
};
FaultCost minor_fault_cost(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes);
FaultCost major_fault_cost(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes);
double zero_fill_s(std::uint64_t page_bytes);  // per page of a fresh anonymous mapping

// swap.cpp: one repetition of the sweep; the caller owns the swap file, swapon and the cgroup.
struct SwapSweep {
  double wall_s;            // the sweeps, after the array was filled
  std::uint64_t pages_moved;  // pswpin + pswpout over the sweeps
  std::uint64_t pages_in, pages_out;
  std::uint64_t other_swap_change_kib;  // the largest change of another swap area's use
};
SwapSweep swap_sweep(const class Cgroup& cgroup, const std::string& own_swap_file, std::uint64_t array_bytes, std::uint64_t page_bytes,
                     int passes);
// Writes a swap file of `bytes` (fallocate + the swap header mkswap writes). CalibrateError on failure.
void make_swap_file(const std::string& path, std::uint64_t bytes, std::uint64_t page_bytes);

}  // namespace headroom::calibrate
