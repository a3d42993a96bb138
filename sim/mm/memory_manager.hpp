// The host's physical memory, Linux-faithful at page granularity but kept as extents.
//
// Frames are free, cached (file-backed, clean or dirty), anonymous, or unevictable (OS reserve,
// mlock, GPU-wired). Evictable pages sit in one EvictionPolicy chosen by name. Watermarks follow
// the kernel's formulas for the RAM size; a touch that needs frames below `min` reclaims directly
// (the caller stalls); after each operation kswapd reclaims in the background from below `low` up
// to `high`. Anonymous victims go to a finite swap device; file victims are dropped (clean) or
// written back (dirty). The manager only counts: the engine turns a TouchCost into simulated time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/mm/policy.hpp"
#include "sim/mm/watermarks.hpp"

namespace headroom::mm {

struct ManagerConfig {
  std::uint64_t ram_bytes = 0;          // DRAM installed (96 GiB host: 96 * 2^30)
  std::uint64_t page_bytes = 4096;      // 16384 on Apple Silicon
  std::uint64_t os_reserve_bytes = 0;   // kernel + OS + desktop, unevictable from the start
  std::uint64_t swap_bytes = 0;         // swap device size; 0 = no swap
  std::uint64_t wired_limit_bytes = 0;  // cap on wired (GPU) memory; 0 = no cap
  std::string policy = "linux";         // eviction policy name
  int swappiness = 60;                  // vm.swappiness
  int watermark_scale_factor = 10;      // vm.watermark_scale_factor (1/10000 of managed memory)
  std::optional<std::uint64_t> min_free_bytes;  // vm.min_free_kbytes override; default: kernel formula
  std::uint32_t readahead_pages = 32;   // file readahead window (Linux default 128 KiB at 4 KiB pages)
  int page_cluster = 3;                 // vm.page-cluster: swap readahead of 2^page_cluster pages
};

using OwnerId = std::uint32_t;    // a workload (process) that owns mappings
using MappingId = std::uint32_t;  // a file mapping, an anonymous region or a wired region

enum class Backing : std::uint8_t { file, anon, wired };

enum class AccessPattern : std::uint8_t { sequential, random };

// What one touch cost; every byte figure is a multiple of the page size.
struct TouchCost {
  std::uint64_t hit_bytes = 0;             // already resident
  std::uint64_t file_read_bytes = 0;       // major faults on file pages, including readahead
  std::uint64_t file_read_ios = 0;         // separate read requests issued for them
  std::uint64_t swap_in_bytes = 0;         // major faults on swapped-out anonymous pages
  std::uint64_t swap_in_ios = 0;
  std::uint64_t zero_fill_bytes = 0;       // first touch of anonymous pages (minor faults)
  std::uint64_t major_faults = 0;          // fault events that waited on I/O
  // Times the faulting thread waited a whole device latency: once per contiguous sequential file
  // miss run (async readahead keeps the next windows in flight while the current one is consumed),
  // once per page for random file misses, once per swap-in cluster (swap-in is synchronous).
  std::uint64_t fault_waits = 0;
  std::uint64_t direct_reclaim_pages = 0;  // reclaimed synchronously by this touch (caller stalls)
  std::uint64_t direct_write_bytes = 0;    // swap-out and writeback the caller waited for
  std::uint64_t background_write_bytes = 0;  // kswapd's swap-out and writeback (async, shares disk)
  bool out_of_memory = false;              // not satisfiable even after reclaim: OOM
};

struct MemoryStats {
  std::uint64_t total_frames = 0;
  std::uint64_t free_frames = 0;
  std::uint64_t file_frames = 0;         // page cache
  std::uint64_t anon_frames = 0;
  std::uint64_t unevictable_frames = 0;  // OS reserve + wired + mlocked
  std::uint64_t swap_slots_used = 0;
  std::uint64_t swap_slots_total = 0;
  std::uint64_t peak_file_frames = 0, peak_anon_frames = 0, peak_unevictable_frames = 0;
  std::uint64_t peak_swap_slots_used = 0;
  std::uint64_t major_faults = 0;
  std::uint64_t swap_in_bytes = 0, swap_out_bytes = 0;
  std::uint64_t file_read_bytes = 0, writeback_bytes = 0;
  std::uint64_t direct_reclaim_pages = 0, kswapd_reclaim_pages = 0;
  std::uint64_t oom_kills = 0;
};

class MemoryManager {
 public:
  explicit MemoryManager(const ManagerConfig& config);  // throws std::invalid_argument on bad config
  ~MemoryManager();
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  const ManagerConfig& config() const;
  const Watermarks& watermarks() const;
  std::uint64_t page_bytes() const;

  OwnerId add_owner(std::string name, int oom_score_adj = 0);
  // Creates a mapping of `bytes` (rounded up to pages); nothing is resident until touched, except
  // `wired`, which is allocated, pinned and counted against wired_limit_bytes at once (throws
  // WiredLimitExceeded when it does not fit).
  MappingId map(OwnerId owner, Backing backing, std::string name, std::uint64_t bytes);
  // Touches [offset, offset + length) of a mapping; `write` dirties file pages. Pages are referenced
  // in ascending order either way; `random` only changes the I/O count (no readahead).
  TouchCost touch(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes,
                  AccessPattern pattern = AccessPattern::sequential, bool write = false);
  // Frees a mapping's frames and swap slots.
  void unmap(MappingId mapping);
  // The OOM killer's choice: highest badness = (resident pages of the owner's mappings, file-mapped,
  // anon and wired, + its swapped pages) * 1000 / total frames, plus oom_score_adj; ties go to the
  // lowest owner id; owners with adj -1000 are never chosen.
  std::optional<OwnerId> select_oom_victim() const;
  // Kills an owner: unmaps all its mappings and counts an OOM kill.
  void kill(OwnerId owner);
  std::uint64_t owner_rss_bytes(OwnerId owner) const;
  std::uint64_t owner_swap_bytes(OwnerId owner) const;
  // Frames a mapping holds now (0 once unmapped). For per-workload peaks until owner_memory()
  // (issue 7, part A) lands; lead: drop at merge if owner_memory() covers it.
  std::uint64_t mapping_resident_bytes(MappingId mapping) const;

  MemoryStats stats() const;
  // Throws std::logic_error naming the broken law: every frame is free, cached, anonymous or
  // unevictable exactly once; swap slots in use equal anonymous pages swapped out; policy
  // residency matches the frame counts.
  void check_invariants() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WiredLimitExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace headroom::mm
