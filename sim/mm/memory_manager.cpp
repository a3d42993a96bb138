// The memory manager: frames, mappings and their key ranges, swap and dirty run sets, the policy,
// direct reclaim and kswapd. See memory_manager.hpp for the contract.
//
// Modelling choices (each one also shows in the counts a caller sees):
// - Every mapping gets a disjoint key range with a one-page gap after it, so that no policy run ever
//   spans two mappings and every victim run belongs to exactly one mapping.
// - Policy capacity = total frames - unevictable - min watermark: a touch that would push free frames
//   below `min` reclaims directly (its writes are direct_write_bytes, the caller waits for them).
//   After each operation, kswapd evicts from below `low` up to `high` (background_write_bytes).
// - File read I/O: a sequential miss run of n pages is ceil(n / readahead_pages) read requests
//   (the kernel issues one request per readahead window), so file_read_ios and major_faults count
//   those; the faulting thread waits one device latency per miss run (fault_waits), because async
//   readahead issues the next window while the current one is consumed; file_read_bytes is exactly the missed pages (readahead never reads past what the touch
//   covers). A random touch issues one single-page request per missed page (the kernel shrinks the
//   readahead window to nothing on random access).
// - Swap-in: a contiguous piece of n swapped pages costs ceil(n / 2^page_cluster) requests; a swap
//   slot is freed when its page comes back in (no swap cache).
// - Writes dirty the file pages of the touched range; a dirty victim is written back. A write touch
//   larger than memory that evicts its own range mid-touch is approximate: pages evicted before the
//   cursor reaches them are written back then, and the re-faulted copies count as clean.
// - An anonymous victim needs a free swap slot. The policy is told the free slots before each call
//   and again whenever a swap-in frees some (set_anon_victim_limit) so that the run-based policies pass over anonymous pages when swap is
//   full; if a policy evicts an anonymous page anyway, its data is lost (it will fault back as a zero
//   fill) and the touch reports out_of_memory. A touch also reports out_of_memory when the policy
//   could not find enough victims and stays over its capacity.
#include "sim/mm/memory_manager.hpp"

#include <algorithm>
#include <utility>
#include <cmath>
#include <map>
#include <sstream>

#include "sim/mm/interval_set.hpp"
#include "sim/mm/policy_registry.hpp"

namespace headroom::mm {
namespace {

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return (a + b - 1) / b; }

PageKind kind_of(Backing b) { return b == Backing::anon ? PageKind::anon : PageKind::file; }

}  // namespace

struct MemoryManager::Impl final : PolicyListener {
  struct Mapping {
    OwnerId owner = 0;
    Backing backing = Backing::file;
    std::string name;
    PageKey first_key = 0;
    std::uint64_t pages = 0;
    std::uint64_t resident = 0;  // frames held (wired: all pages)
    IntervalSet swapped;         // keys of anonymous pages in swap
    IntervalSet dirty;           // keys of resident file pages written since read
    bool live = true;
  };
  struct Owner {
    std::string name;
    int oom_score_adj = 0;
    bool alive = true;
    std::vector<MappingId> mappings;
  };

  ManagerConfig config;
  Watermarks marks;
  std::uint64_t total_frames = 0, reserve_frames = 0, wired_frames = 0;
  std::uint64_t file_frames = 0, anon_frames = 0;
  std::uint64_t swap_total = 0, swap_used = 0;
  std::unique_ptr<EvictionPolicy> policy;
  std::vector<Owner> owners;
  std::vector<Mapping> mappings;
  std::map<PageKey, MappingId> by_first_key;
  PageKey next_key = 0;
  MemoryStats totals;

  // The listener's context for the call in progress.
  TouchCost* cost = nullptr;
  bool background = false;
  AccessPattern pattern = AccessPattern::sequential;
  // The contiguous stretch of missed pages the call is in, of each I/O kind: a policy may report
  // one stretch in several missed() calls, and the I/O it costs must not depend on that.
  struct Stretch {
    PageKey end = 0;          // key after the stretch's last page
    std::uint64_t pages = 0;  // 0: no stretch open
  };
  Stretch file_stretch, swap_stretch;

  // Extends `s` by [first, first + n) (or starts a new stretch) and returns how many more requests
  // of `pages_per_request` the stretch now needs, and whether it is a new stretch (a new wait).
  static std::pair<std::uint64_t, bool> extend(Stretch& s, PageKey first, std::uint64_t n,
                                               std::uint64_t pages_per_request) {
    const bool fresh = s.pages == 0 || s.end != first;
    if (fresh) s.pages = 0;
    const std::uint64_t before = ceil_div(s.pages, pages_per_request);
    s.pages += n;
    s.end = first + n;
    return {ceil_div(s.pages, pages_per_request) - before, fresh};
  }

  std::uint64_t page() const { return config.page_bytes; }
  std::uint64_t unevictable() const { return reserve_frames + wired_frames; }
  std::uint64_t free_frames() const { return total_frames - unevictable() - policy->resident_pages(); }
  std::uint64_t capacity() const {
    std::uint64_t fixed = unevictable() + marks.min_pages;
    return total_frames > fixed ? total_frames - fixed : 0;
  }

  Mapping& mapping_of(PageKey key) {
    auto it = by_first_key.upper_bound(key);
    --it;  // keys handed to the policy always belong to a live mapping
    return mappings[it->second];
  }

  void missed(PageRun run, PageKind kind) override {
    Mapping& m = mapping_of(run.first);
    m.resident += run.count;
    (kind == PageKind::anon ? anon_frames : file_frames) += run.count;
    if (kind == PageKind::anon) {
      const std::uint64_t cluster = std::uint64_t{1} << config.page_cluster;
      std::uint64_t swapped = m.swapped.remove(run.first, run.end(), [&](std::uint64_t from, std::uint64_t to) {
        const std::uint64_t clusters = extend(swap_stretch, from, to - from, cluster).first;
        cost->swap_in_ios += clusters;
        cost->major_faults += clusters;
        cost->fault_waits += clusters;  // swap-in is synchronous per cluster
      });
      swap_used -= swapped;
      // The freed slots can take this call's own anonymous victims (a sweep larger than RAM swaps
      // each page in and another out); the run-based policies read the limit at every victim.
      if (swapped > 0) policy->set_anon_victim_limit(swap_total - swap_used);
      cost->swap_in_bytes += swapped * page();
      cost->zero_fill_bytes += (run.count - swapped) * page();
      return;
    }
    cost->file_read_bytes += run.count * page();
    if (pattern == AccessPattern::random) {
      cost->file_read_ios += run.count;
      cost->major_faults += run.count;
      cost->fault_waits += run.count;
      return;
    }
    const auto [ios, fresh] = extend(file_stretch, run.first, run.count, config.readahead_pages);
    cost->file_read_ios += ios;
    cost->major_faults += ios;
    cost->fault_waits += fresh ? 1 : 0;
  }

  void evicted(PageRun run, PageKind kind) override {
    Mapping& m = mapping_of(run.first);
    m.resident -= run.count;
    (kind == PageKind::anon ? anon_frames : file_frames) -= run.count;
    (background ? totals.kswapd_reclaim_pages : cost->direct_reclaim_pages) += run.count;
    std::uint64_t written = 0;
    if (kind == PageKind::file) {
      written = m.dirty.remove(run.first, run.end());
      totals.writeback_bytes += written * page();
    } else {
      written = std::min(run.count, swap_total - swap_used);
      m.swapped.add(run.first, run.first + written);
      swap_used += written;
      totals.swap_out_bytes += written * page();
      if (written < run.count) cost->out_of_memory = true;  // no slot: the data is lost
    }
    (background ? cost->background_write_bytes : cost->direct_write_bytes) += written * page();
  }

  void note_peaks() {
    totals.peak_file_frames = std::max(totals.peak_file_frames, file_frames);
    totals.peak_anon_frames = std::max(totals.peak_anon_frames, anon_frames);
    totals.peak_unevictable_frames = std::max(totals.peak_unevictable_frames, unevictable());
    totals.peak_swap_slots_used = std::max(totals.peak_swap_slots_used, swap_used);
  }

  void add_to_totals(const TouchCost& c) {
    totals.major_faults += c.major_faults;
    totals.swap_in_bytes += c.swap_in_bytes;
    totals.file_read_bytes += c.file_read_bytes;
    totals.direct_reclaim_pages += c.direct_reclaim_pages;
  }

  // Runs a policy call with the listener pointed at `c`.
  template <class Call>
  void with_listener(TouchCost& c, bool in_background, AccessPattern p, Call&& call) {
    cost = &c;
    background = in_background;
    pattern = p;
    file_stretch = swap_stretch = Stretch{};
    policy->set_anon_victim_limit(swap_total - swap_used);
    call();
    cost = nullptr;
  }

  void kswapd(TouchCost& c) {
    std::uint64_t free = free_frames();
    if (free >= marks.low_pages) return;
    with_listener(c, true, AccessPattern::sequential, [&] { policy->evict(marks.high_pages - free, *this); });
  }

  // After unevictable frames changed: resize the policy (shrinking evicts directly), then kswapd.
  void resize() {
    TouchCost c;
    with_listener(c, false, AccessPattern::sequential, [&] { policy->set_capacity(capacity(), *this); });
    kswapd(c);
    add_to_totals(c);
    note_peaks();
  }

  Mapping& live_mapping(MappingId id, const char* what) {
    if (id >= mappings.size() || !mappings[id].live)
      throw std::invalid_argument(std::string(what) + ": mapping " + std::to_string(id) + " does not exist");
    return mappings[id];
  }

  // A touch that found no victims leaves the policy over capacity: the pages it could not place are
  // the newest ones, at the end of the touched run; they are dropped (never materialised), so that
  // the frame counts stay within RAM until the caller resolves the OOM.
  void drop_unplaced(Mapping& m, PageRun run) {
    for (std::uint64_t window = policy->resident_pages() - policy->capacity_pages();
         policy->resident_pages() > policy->capacity_pages(); window *= 2) {
      const std::uint64_t before = policy->resident_pages();
      const std::uint64_t from = run.end() - std::min(window, run.count);
      policy->erase({from, run.end() - from});
      const std::uint64_t dropped = before - policy->resident_pages();
      m.resident -= dropped;
      (m.backing == Backing::anon ? anon_frames : file_frames) -= dropped;
      m.dirty.remove(from, run.end());
      if (from == run.first) break;
    }
  }

  void unmap(MappingId id) {
    Mapping& m = live_mapping(id, "unmap");
    if (m.backing == Backing::wired) {
      wired_frames -= m.pages;
    } else {
      policy->erase({m.first_key, m.pages});
      (m.backing == Backing::anon ? anon_frames : file_frames) -= m.resident;
      swap_used -= m.swapped.size();
    }
    m.resident = 0;
    m.swapped.clear();
    m.dirty.clear();
    m.live = false;
    by_first_key.erase(m.first_key);
    if (m.backing == Backing::wired) resize();
  }
};

namespace {

void validate(const ManagerConfig& c) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("memory manager: " + what); };
  if (c.page_bytes < 1024 || (c.page_bytes & (c.page_bytes - 1)) != 0)
    fail("page_bytes must be a power of two of at least 1024, got " + std::to_string(c.page_bytes));
  if (c.ram_bytes < 64 * c.page_bytes) fail("ram_bytes must hold at least 64 pages, got " + std::to_string(c.ram_bytes));
  if (c.os_reserve_bytes >= c.ram_bytes)
    fail("os_reserve_bytes (" + std::to_string(c.os_reserve_bytes) + ") must be below ram_bytes (" +
         std::to_string(c.ram_bytes) + ")");
  if (c.swappiness < 0 || c.swappiness > 200) fail("swappiness must be in [0, 200], got " + std::to_string(c.swappiness));
  if (c.watermark_scale_factor < 1 || c.watermark_scale_factor > 3000)
    fail("watermark_scale_factor must be in [1, 3000], got " + std::to_string(c.watermark_scale_factor));
  if (c.readahead_pages == 0) fail("readahead_pages must be at least 1");
  if (c.page_cluster < 0 || c.page_cluster > 20) fail("page_cluster must be in [0, 20], got " + std::to_string(c.page_cluster));
  if (PolicyRegistry::instance().find(c.policy) == nullptr) {
    std::string known;
    for (const auto& n : PolicyRegistry::instance().names()) known += (known.empty() ? "" : ", ") + n;
    fail("unknown eviction policy '" + c.policy + "' (known: " + known + ")");
  }
}

}  // namespace

MemoryManager::MemoryManager(const ManagerConfig& config) : impl_(std::make_unique<Impl>()) {
  validate(config);
  Impl& s = *impl_;
  s.config = config;
  s.total_frames = config.ram_bytes / config.page_bytes;
  s.reserve_frames = ceil_div(config.os_reserve_bytes, config.page_bytes);
  s.swap_total = config.swap_bytes / config.page_bytes;
  s.marks = kernel_watermarks(config.ram_bytes, config.page_bytes, config.watermark_scale_factor, config.min_free_bytes);
  if (s.reserve_frames + s.marks.high_pages >= s.total_frames)
    throw std::invalid_argument("memory manager: os_reserve_bytes plus the high watermark (" +
                                std::to_string(s.marks.high_pages) + " pages) leave no memory");
  PolicyOptions options;
  options.swappiness = config.swappiness;
  options.page_bytes = config.page_bytes;
  s.policy = PolicyRegistry::instance().find(config.policy)->make(s.capacity(), options);
  s.note_peaks();
}

MemoryManager::~MemoryManager() = default;

const ManagerConfig& MemoryManager::config() const { return impl_->config; }
const Watermarks& MemoryManager::watermarks() const { return impl_->marks; }
std::uint64_t MemoryManager::page_bytes() const { return impl_->config.page_bytes; }

OwnerId MemoryManager::add_owner(std::string name, int oom_score_adj) {
  if (oom_score_adj < -1000 || oom_score_adj > 1000)
    throw std::invalid_argument("owner '" + name + "': oom_score_adj must be in [-1000, 1000], got " +
                                std::to_string(oom_score_adj));
  impl_->owners.push_back({std::move(name), oom_score_adj, true, {}});
  return static_cast<OwnerId>(impl_->owners.size() - 1);
}

MappingId MemoryManager::map(OwnerId owner, Backing backing, std::string name, std::uint64_t bytes) {
  Impl& s = *impl_;
  if (owner >= s.owners.size() || !s.owners[owner].alive)
    throw std::invalid_argument("map '" + name + "': owner " + std::to_string(owner) + " does not exist or was killed");
  if (bytes == 0) throw std::invalid_argument("map '" + name + "': size must be positive");
  const std::uint64_t pages = ceil_div(bytes, s.page());
  if (backing == Backing::wired) {
    const std::uint64_t limit = s.config.wired_limit_bytes;
    if (limit > 0 && (s.wired_frames + pages) * s.page() > limit)
      throw WiredLimitExceeded("wired mapping '" + name + "' of " + std::to_string(pages * s.page()) +
                               " bytes exceeds wired_limit_bytes " + std::to_string(limit) + " (" +
                               std::to_string(s.wired_frames * s.page()) + " bytes already wired)");
    if (s.unevictable() + pages + s.marks.high_pages > s.total_frames)
      throw WiredLimitExceeded("wired mapping '" + name + "' of " + std::to_string(pages * s.page()) +
                               " bytes does not fit in RAM beside " + std::to_string(s.unevictable() * s.page()) +
                               " unevictable bytes");
  }
  Impl::Mapping m;
  m.owner = owner;
  m.backing = backing;
  m.name = std::move(name);
  m.first_key = s.next_key;
  m.pages = pages;
  s.next_key += pages + 1;  // the gap keeps runs of different mappings apart
  const auto id = static_cast<MappingId>(s.mappings.size());
  s.by_first_key.emplace(m.first_key, id);
  s.owners[owner].mappings.push_back(id);
  if (backing == Backing::wired) {
    m.resident = pages;
    s.wired_frames += pages;
  }
  s.mappings.push_back(std::move(m));
  if (backing == Backing::wired) s.resize();
  return id;
}

TouchCost MemoryManager::touch(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes,
                               AccessPattern pattern, bool write) {
  Impl& s = *impl_;
  Impl::Mapping& m = s.live_mapping(mapping, "touch");
  TouchCost c;
  if (length_bytes == 0) return c;
  const std::uint64_t first = offset_bytes / s.page();
  const std::uint64_t end = ceil_div(offset_bytes + length_bytes, s.page());
  if (offset_bytes + length_bytes < offset_bytes || end > m.pages)
    throw std::out_of_range("touch of mapping '" + m.name + "': bytes [" + std::to_string(offset_bytes) + ", +" +
                            std::to_string(length_bytes) + ") outside its " + std::to_string(m.pages * s.page()) +
                            " bytes");
  const PageRun run{m.first_key + first, end - first};
  if (m.backing == Backing::wired) {
    c.hit_bytes = run.count * s.page();
    return c;
  }
  if (write && m.backing == Backing::file) m.dirty.add(run.first, run.end());
  ReferenceResult r;
  s.with_listener(c, false, pattern, [&] { r = s.policy->reference(run, kind_of(m.backing), s); });
  c.hit_bytes = r.hit_pages * s.page();
  if (s.policy->resident_pages() > s.policy->capacity_pages()) {
    c.out_of_memory = true;
    s.drop_unplaced(m, run);
  }
  s.kswapd(c);
  s.add_to_totals(c);
  s.note_peaks();
  return c;
}

void MemoryManager::unmap(MappingId mapping) { impl_->unmap(mapping); }

std::optional<OwnerId> MemoryManager::select_oom_victim() const {
  const Impl& s = *impl_;
  std::optional<OwnerId> best;
  std::int64_t best_badness = 0;
  for (OwnerId id = 0; id < s.owners.size(); ++id) {
    const auto& o = s.owners[id];
    if (!o.alive || o.oom_score_adj == -1000) continue;
    // oom_badness(): (rss + swap) pages scaled to 1000 of total memory, plus oom_score_adj.
    const std::uint64_t pages = (owner_rss_bytes(id) + owner_swap_bytes(id)) / s.page();
    const auto badness = static_cast<std::int64_t>(pages * 1000 / s.total_frames) + o.oom_score_adj;
    if (!best || badness > best_badness) {
      best = id;
      best_badness = badness;
    }
  }
  return best;
}

void MemoryManager::kill(OwnerId owner) {
  Impl& s = *impl_;
  if (owner >= s.owners.size() || !s.owners[owner].alive)
    throw std::invalid_argument("kill: owner " + std::to_string(owner) + " does not exist or was already killed");
  for (MappingId id : s.owners[owner].mappings)
    if (s.mappings[id].live) s.unmap(id);
  s.owners[owner].alive = false;
  ++s.totals.oom_kills;
}

std::uint64_t MemoryManager::owner_rss_bytes(OwnerId owner) const {
  std::uint64_t pages = 0;
  for (MappingId id : impl_->owners.at(owner).mappings) pages += impl_->mappings[id].resident;
  return pages * impl_->page();
}

std::uint64_t MemoryManager::mapping_resident_bytes(MappingId mapping) const {
  return impl_->mappings.at(mapping).resident * impl_->page();
}

std::uint64_t MemoryManager::owner_swap_bytes(OwnerId owner) const {
  std::uint64_t pages = 0;
  for (MappingId id : impl_->owners.at(owner).mappings) pages += impl_->mappings[id].swapped.size();
  return pages * impl_->page();
}

MemoryStats MemoryManager::stats() const {
  const Impl& s = *impl_;
  MemoryStats st = s.totals;
  st.total_frames = s.total_frames;
  st.free_frames = s.free_frames();
  st.file_frames = s.file_frames;
  st.anon_frames = s.anon_frames;
  st.unevictable_frames = s.unevictable();
  st.swap_slots_used = s.swap_used;
  st.swap_slots_total = s.swap_total;
  return st;
}

void MemoryManager::check_invariants() const {
  const Impl& s = *impl_;
  auto require = [](bool ok, const std::string& law) {
    if (!ok) throw std::logic_error("memory manager invariant broken: " + law);
  };
  const EvictionPolicy& p = *s.policy;
  require(s.unevictable() + p.resident_pages() <= s.total_frames, "resident + unevictable <= total frames");
  require(s.free_frames() + s.file_frames + s.anon_frames + s.unevictable() == s.total_frames,
          "free + file + anon + unevictable == total frames");
  require(p.resident_pages(PageKind::file) == s.file_frames, "policy file residency == file frames");
  require(p.resident_pages(PageKind::anon) == s.anon_frames, "policy anon residency == anon frames");
  std::uint64_t resident[3] = {0, 0, 0}, swapped = 0, wired = 0;
  for (const auto& m : s.mappings) {
    if (!m.live) continue;
    resident[static_cast<int>(m.backing)] += m.resident;
    swapped += m.swapped.size();
    if (m.backing == Backing::wired) wired += m.pages;
    require(m.backing == Backing::anon || m.swapped.empty(), "only anonymous pages are in swap");
    for (const auto& [from, to] : m.swapped.intervals())
      for (PageKey k = from; k < to; ++k) require(!p.contains(k), "no page is resident and in swap at once");
    for (const auto& [from, to] : m.dirty.intervals())
      for (PageKey k = from; k < to; ++k) require(p.contains(k), "dirty pages are resident");
  }
  require(resident[0] == s.file_frames && resident[1] == s.anon_frames, "mapping residency sums to frame counts");
  require(swapped == s.swap_used, "swap slots used == anonymous pages in swap");
  require(s.swap_used <= s.swap_total, "swap slots used <= swap slots");
  require(wired == s.wired_frames && resident[2] == wired, "wired frames == wired mapping pages");
}

}  // namespace headroom::mm
