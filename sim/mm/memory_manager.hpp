// The host's physical memory, Linux-faithful at page granularity but kept as extents.
//
// Frames are free, cached (file-backed, clean or dirty), anonymous, or unevictable (OS reserve,
// mlock, GPU-wired). Evictable pages sit in an EvictionPolicy chosen by name, one instance per
// memory cgroup (the kernel's per-memcg lruvec). Watermarks follow the kernel's formulas for the
// RAM size; a touch that needs frames below `min` reclaims directly (the caller stalls); after each
// operation kswapd reclaims in the background from below `low` up to `high`. Anonymous victims go to
// a finite swap device; file victims are dropped (clean) or written back (dirty). The manager only
// counts: the engine turns a TouchCost into simulated time.
//
// Memory cgroups (cgroup v2, one level under the root; owners without a group are in the root):
// - Each group has its own policy instance (own LRU order) holding exactly the pages charged to it.
//   Its capacity is min(memory.max, host capacity): a group over memory.max reclaims only its own
//   pages, inside the policy call. If it cannot get under max (nothing reclaimable, or anon with no
//   swap slot under memory.swap.max) the touch reports out_of_memory with oom_group = that group.
// - Host-level reclaim (direct below min, kswapd from below low up to high) takes pages from every
//   group in proportion to its resident pages above its protection (shrink_node_memcgs with
//   proportional scanning): first above max(memory.min, memory.low), then, when that was not
//   enough, above memory.min only (counting a memory.events `low` event); never below memory.min.
//   Kernel difference: the kernel scales each lruvec's scan by its unprotected share and reclaims as
//   it allocates; here the touched group's policy first takes the whole touch and the host then
//   reclaims the excess once, after the call (with only the root group nothing changes: reclaim
//   happens inside the policy call exactly as before groups existed).
// - memory.high: after a touch that charged pages leaves its group over high (try_charge flags only
//   charging tasks), the group reclaims the excess directly (the caller waits); if it is still over,
//   the caller is throttled by the kernel's penalty
//   (memcg_high_delay_s). Kernel difference: the kernel throttles per return to user mode with the
//   pages charged since; here once per touch with the pages the touch charged (at least one charge
//   batch of 64), so one touch sleeps at most 2 s.
// - memory.swap.max caps the group's anonymous pages in swap: its policy's anon victim limit is the
//   smaller of the free swap slots and the group's remaining swap.max.
// - Wired (GPU) memory and the OS reserve are charged to no group (unevictable, host-wide).
//
// Files: add_file() creates a file object with its own key range, shared by every map_file()
// mapping of it (any owner, any group): one page-cache copy. A page is charged to the group of the
// owner that faulted it in (first touch charges); a touch from another group of a page resident in
// group A is a hit referenced in A's policy. Unmapping (or exit, or an OOM kill) leaves the file's
// pages in the page cache, charged where they were, but they stop counting in the owner's RSS.
// The legacy map(owner, Backing::file, ...) is a private file: its cache dies with the mapping.
// FileUse::mapped pages count in the owner's RSS (OOM badness); FileUse::read (read() page cache)
// never does.
//
// Refaults (as workingset_refault): every file object keeps a shadow set of its evicted pages; a
// miss on a shadowed page counts a file refault and clears the shadow. A swap-in is an anon refault.
// discard() of a file range clears its shadows (invalidation leaves no shadow entry); unmapping a
// private file drops them with it. The kernel's shadow shrinker is not modelled: shadows live until
// refault, discard or the object's end.
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
  std::uint32_t readahead_pages = 32;   // file readahead window, ra_pages (Linux default 128 KiB at 4 KiB pages)
  int page_cluster = 3;                 // vm.page-cluster: swap readahead of 2^page_cluster pages
};

using OwnerId = std::uint32_t;    // a workload (process) that owns mappings
using MappingId = std::uint32_t;  // a file mapping, an anonymous region or a wired region
using GroupId = std::uint32_t;    // a memory cgroup
inline constexpr GroupId kRootGroup = 0;  // always exists; owners without a group are in it
using FileId = std::uint32_t;     // a file on disk whose page cache all its mappings share

struct GroupLimits {                            // cgroup v2 knobs; nullopt = "max"
  std::optional<std::uint64_t> max_bytes;       // memory.max
  std::optional<std::uint64_t> high_bytes;      // memory.high
  std::optional<std::uint64_t> swap_max_bytes;  // memory.swap.max
  std::uint64_t min_bytes = 0;                  // memory.min (hard protection from host reclaim)
  std::uint64_t low_bytes = 0;                  // memory.low (best-effort protection)
  // Not a cgroup knob: the group is a VM's guest, whose files have a page cache of their own
  // (engine::WorkloadContext::file names them apart). The manager itself does not read it.
  bool private_page_cache = false;
};

// memory.current/peak, memory.swap.current/peak, memory.stat and memory.events of one group.
struct GroupStats {
  std::uint64_t usage_pages = 0, peak_usage_pages = 0;  // file + anon charged to the group
  std::uint64_t file_pages = 0, anon_pages = 0;
  std::uint64_t swap_pages = 0, peak_swap_pages = 0;
  std::uint64_t major_faults = 0;   // pgmajfault of the group's owners' touches (see TouchCost)
  std::uint64_t read_requests = 0;  // read requests (file + swap-in) of the group's owners' touches
  std::uint64_t refault_file_pages = 0, refault_anon_pages = 0;
  std::uint64_t reclaim_pages = 0;  // pgsteal: reclaimed from this group, for any reason
  // low: reclaimed below memory.low; high: touches that left it over memory.high; max: touches that
  // hit memory.max and reclaimed from the group; oom: group OOMs; oom_kill: its owners OOM-killed.
  std::uint64_t events_low = 0, events_high = 0, events_max = 0, events_oom = 0, events_oom_kill = 0;
  double high_throttle_s = 0;  // memory.high penalty imposed on its tasks
};

// How an owner uses a shared file: mmap (resident pages count in its RSS) or read() (page cache only).
enum class FileUse : std::uint8_t { mapped, read };

// An owner's memory now, by kind (for per-workload peaks).
struct OwnerMemory {
  std::uint64_t anon_bytes = 0, file_mapped_bytes = 0, wired_bytes = 0, swap_bytes = 0;
};

// The kernel's memory.high throttle (mm/memcontrol.c: calculate_overage, calculate_high_delay,
// mem_cgroup_handle_over_high) at HZ = 1000: overage = ((usage - high) << 20) / max(high, 1);
// penalty_jiffies = ((overage^2 * HZ) >> 20 >> 14) * nr_pages / 64 (MEMCG_CHARGE_BATCH), at most
// 2 * HZ; a penalty of HZ / 100 jiffies (10 ms) or less is not slept. Returns seconds.
double memcg_high_delay_s(std::uint64_t usage_pages, std::uint64_t high_pages, std::uint64_t nr_pages);

enum class Backing : std::uint8_t { file, anon, wired };

enum class AccessPattern : std::uint8_t { sequential, random };

// madvise advice of a file mapping: normal (MADV_NORMAL: mmap read-around) or random (MADV_RANDOM:
// VM_RAND_READ, each miss reads only its page).
enum class Advice : std::uint8_t { normal, random };

// What one touch cost; every byte figure is a multiple of the page size.
struct TouchCost {
  std::uint64_t hit_bytes = 0;             // already resident
  std::uint64_t file_read_bytes = 0;       // major faults on file pages, including readahead
  std::uint64_t file_read_ios = 0;         // separate read requests issued for them
  std::uint64_t swap_in_bytes = 0;         // major faults on swapped-out anonymous pages
  std::uint64_t swap_in_ios = 0;
  std::uint64_t zero_fill_bytes = 0;       // first touch of anonymous pages (minor faults)
  // The kernel's pgmajfault: faults on a *mapped* page that waited for I/O. An mmap'd file (a
  // FileUse::mapped mapping or a legacy private file map): one per sequential miss run, one per
  // random miss (a read-around window is one fault); swap-in: one per swap-in cluster; read() use of
  // a file (FileUse::read): none (no page fault, the I/O still happens); zero fill: none (minor).
  std::uint64_t major_faults = 0;
  // Times the faulting thread waited a whole device latency: once per contiguous sequential file
  // miss run (async readahead keeps the next windows in flight while the current one is consumed),
  // once per page for random file misses, once per swap-in cluster (swap-in is synchronous).
  std::uint64_t fault_waits = 0;
  std::uint64_t direct_reclaim_pages = 0;  // reclaimed synchronously by this touch (caller stalls)
  std::uint64_t direct_write_bytes = 0;    // swap-out and writeback the caller waited for
  std::uint64_t background_write_bytes = 0;  // kswapd's swap-out and writeback (async, shares disk)
  // Pages faulted in that had been evicted before: file pages with a shadow entry (as
  // workingset_refault) plus swapped-in anonymous pages.
  std::uint64_t refault_pages = 0;
  // Read requests issued (file readahead windows, read-around windows, single-page random reads,
  // swap-in clusters): the figure `major_faults` counted before it meant pgmajfault.
  std::uint64_t read_requests() const { return file_read_ios + swap_in_ios; }
  double high_throttle_s = 0;              // memory.high penalty the caller sleeps (memcg_high_delay_s)
  bool out_of_memory = false;              // not satisfiable even after reclaim: OOM
  std::optional<GroupId> oom_group;        // with out_of_memory: a group's memory.max, not the host, is exhausted
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
  std::uint64_t major_faults = 0;   // pgmajfault (TouchCost::major_faults)
  std::uint64_t read_requests = 0;  // TouchCost::read_requests()
  std::uint64_t swap_in_bytes = 0, swap_out_bytes = 0;
  std::uint64_t file_read_bytes = 0, writeback_bytes = 0;
  std::uint64_t direct_reclaim_pages = 0, kswapd_reclaim_pages = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t refault_file_pages = 0, refault_anon_pages = 0;  // see TouchCost::refault_pages
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

  // A group one level under the root, with its own policy instance. Throws std::invalid_argument on
  // an empty or duplicate name.
  GroupId add_group(std::string name, const GroupLimits& limits);
  std::size_t group_count() const;
  const std::string& group_name(GroupId group) const;  // the root's name is ""
  const GroupLimits& group_limits(GroupId group) const;
  GroupStats group_stats(GroupId group) const;

  OwnerId add_owner(std::string name, int oom_score_adj = 0, GroupId group = kRootGroup);
  // A file on disk of `bytes` (rounded up to pages); its page cache is shared by all its mappings.
  FileId add_file(std::string name, std::uint64_t bytes);
  std::uint64_t file_bytes(FileId file) const;  // the size add_file was given
  std::uint64_t file_resident_bytes(FileId file) const;  // its pages in the page cache, all groups
  // Maps the whole of `file` for `owner`. Unmapping leaves its pages cached.
  MappingId map_file(OwnerId owner, FileId file, FileUse use);
  // madvise(MADV_NORMAL / MADV_RANDOM) on a file mapping (mmap'd: FileUse::mapped or a legacy file
  // map); new mappings are Advice::normal. On a read() mapping it is posix_fadvise's RANDOM and
  // changes nothing (random read()s already read only their pages). Throws std::invalid_argument on
  // an anonymous or wired mapping.
  void set_advice(MappingId mapping, Advice advice);
  // Creates a mapping of `bytes` (rounded up to pages); nothing is resident until touched, except
  // `wired`, which is allocated, pinned and counted against wired_limit_bytes at once (throws
  // WiredLimitExceeded when it does not fit).
  MappingId map(OwnerId owner, Backing backing, std::string name, std::uint64_t bytes);
  // Touches [offset, offset + length) of a mapping; `write` dirties file pages. Pages are referenced
  // in ascending order either way. `random` changes the I/O: on an mmap'd file with Advice::normal,
  // each missed page is an mmap read-around (see memory_manager.cpp); otherwise one request per
  // missed page.
  TouchCost touch(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes,
                  AccessPattern pattern = AccessPattern::sequential, bool write = false);
  // Frees a mapping's frames and swap slots (a shared file's pages stay cached). Mapping ids of
  // unmapped mappings are reused by later map() calls, so map/unmap churn keeps the table small.
  void unmap(MappingId mapping);
  // MADV_DONTNEED / FADV_DONTNEED on [offset, offset + length): anonymous frames and swap slots are
  // freed (the next touch is a zero fill); a file range leaves the page cache (dirty pages are
  // written back first, counted as writeback_bytes; nobody waits) and loses its shadows. O(runs).
  // Throws std::invalid_argument on a wired mapping, std::out_of_range outside the mapping.
  void discard(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes);
  // The OOM killer's choice: highest badness = (resident pages of the owner's mappings, file-mapped,
  // anon and wired, + its swapped pages) * 1000 / total frames, plus oom_score_adj; ties go to the
  // lowest owner id; owners with adj -1000 are never chosen. Shared files count only where mapped
  // with FileUse::mapped (all the file's resident pages); read() page cache never counts.
  // `within`: a group OOM, choosing inside that group only, the total being the group's
  // memory.max + its usable swap (mem_cgroup_get_max).
  std::optional<OwnerId> select_oom_victim(std::optional<GroupId> within = std::nullopt) const;
  // Kills an owner: unmaps all its mappings and counts an OOM kill (host and its group's oom_kill).
  void kill(OwnerId owner);
  // An owner that ended (finished or stopped): unmaps all its mappings, counts nothing.
  void release_owner(OwnerId owner);
  OwnerMemory owner_memory(OwnerId owner) const;
  std::uint64_t owner_rss_bytes(OwnerId owner) const;
  std::uint64_t owner_swap_bytes(OwnerId owner) const;

  MemoryStats stats() const;
  // Throws std::logic_error naming the broken law: every frame is free, cached, anonymous or
  // unevictable exactly once; swap slots in use equal anonymous pages swapped out; policy
  // residency matches the frame counts; every resident page is charged to exactly one group (group
  // residency sums to the frame counts, per kind; a shared file's charge map matches its residency
  // and the group policies); per-group swap sums; shadows are never resident.
  // `page_laws` = false skips the laws whose cost grows with the number of intervals (swapped,
  // dirty and shadow sets against residency), keeping the check O(objects + groups).
  void check_invariants(bool page_laws = true) const;
  // Intervals the page laws walk (swapped, dirty, shadow and charge sets of live objects): their cost.
  std::uint64_t interval_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WiredLimitExceeded : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace headroom::mm
