// The memory manager: frames, objects (key ranges) and the mappings onto them, swap, dirty and shadow
// run sets, one policy per memory cgroup, direct reclaim, kswapd. See memory_manager.hpp for the
// contract, the cgroup and shared-file rules and where they differ from the kernel.
//
// Modelling choices (each one also shows in the counts a caller sees):
// - Every object (an anonymous region, a private file, a wired region, or a shared file's page
//   cache) gets a disjoint key range with a one-page gap after it, so that no policy run ever spans
//   two objects and every victim run belongs to exactly one object. A legacy map() creates an object
//   for its mapping; map_file() points a mapping at the file's object. Unmapped mapping slots and
//   object slots are reused (keys are not: they only grow), so map/unmap churn keeps both tables at
//   their high-water mark.
// - Policy capacity = total frames - unevictable - min watermark: a touch that would push free frames
//   below `min` reclaims directly (its writes are direct_write_bytes, the caller waits for them).
//   After each operation, kswapd evicts from below `low` up to `high` (background_write_bytes).
//   With groups, each group's policy has capacity min(memory.max, that); the sum over the groups may
//   exceed it during a touch, and the host reclaims the excess right after the policy call.
// - File read I/O: a sequential miss run of n pages is ceil(n / readahead_pages) read requests
//   (the kernel issues one request per readahead window), so file_read_ios counts those; the
//   faulting thread waits one device latency per miss run (fault_waits), because async readahead
//   issues the next window while the current one is consumed; file_read_bytes is exactly the
//   missed pages (readahead never reads past what the touch covers). A random touch of a read()
//   file, or of an mmap'd file with Advice::random (MADV_RANDOM), issues one single-page request
//   per missed page (ondemand readahead reads only the request on random read()s; VM_RAND_READ
//   turns read-around off).
// - pgmajfault (TouchCost::major_faults): an mmap'd file counts one per sequential miss run and one
//   per random miss or read-around window; a read() file none; a swap-in one per cluster; a zero
//   fill none. The request count is read_requests() (what major_faults meant before).
// - mmap read-around (Linux 6.1 mm/filemap.c, do_sync_mmap_readahead, do_async_mmap_readahead,
//   filemap_map_pages): each mapping keeps the kernel's f_ra.mmap_miss. On a random touch of an
//   mmap'd file with Advice::normal, page by page in ascending order: a resident page is a minor
//   fault whose fault-around (fault_around_bytes, 64 KiB) maps the cached pages of its aligned
//   64 KiB block, and each of those decrements mmap_miss (not below 0; filemap_map_pages, as in
//   6.18); a missed page increments it (not above MMAP_LOTSAMISS * 10 = 1000) and
//   then, while mmap_miss <= MMAP_LOTSAMISS (100), reads the window start = max(0, pgoff - ra / 2),
//   ra pages long, clipped at the end of the file (ra = readahead_pages): its non-resident pages
//   only, as one request, one major fault and one device wait; with mmap_miss > 100 it reads the
//   page alone (one request, one fault). Window pages enter the policy like other faulted pages (a
//   first reference on the inactive list); resident pages inside the window are not referenced
//   (the kernel's readahead skips cached folios and does not mark them accessed). Sequential touches
//   keep the readahead-window rule above and leave mmap_miss alone, except that their hits
//   decrement it too (one per page). Differences from the kernel: (1) a page the process already
//   mapped never faults again in the kernel, so it decrements nothing; the model does not track page
//   tables and counts the fault-around block of every random hit, which holds read-around on a
//   little longer (with read-around the kernel measured about as many faults as the model:
//   tests/validation, mmap-rand-readaround; with one decrement per hit, as first written, the
//   model switched read-around off after a few hundred touches and read 2.4x fewer windows); (2) a window with resident pages in the
//   middle is one request here, several bios in the kernel; (3) no PG_readahead marker: the async
//   readahead the window's last quarter would trigger on a later sequential fault is not modelled
//   (random touches rarely reach it); (4) order-0 folios only (no large folios, no VM_HUGEPAGE
//   path, no VM_EXEC alignment of later kernels); (5) mmap_miss is per mapping (map_file call), the
//   kernel's is per open struct file, which is the same for a process that opens and maps once.
// - Swap-in: a contiguous piece of n swapped pages costs ceil(n / 2^page_cluster) requests; a swap
//   slot is freed when its page comes back in (no swap cache).
// - Writes dirty the file pages of the touched range; a dirty victim is written back. A write touch
//   larger than memory that evicts its own range mid-touch is approximate: pages evicted before the
//   cursor reaches them are written back then, and the re-faulted copies count as clean.
// - An anonymous victim needs a free swap slot (and room under its group's memory.swap.max). The
//   policy is told the free slots before each call and again whenever a swap-in frees some
//   (set_anon_victim_limit) so that the run-based policies pass over anonymous pages when swap is
//   full; if a policy evicts an anonymous page anyway, its data is lost (it will fault back as a zero
//   fill) and the touch reports out_of_memory. A touch also reports out_of_memory when the policy
//   could not find enough victims and stays over its capacity (with oom_group when that capacity
//   was the group's memory.max).
// - A touch of a shared file by group B is cut by the file's charge map: pieces charged to another
//   group A are referenced in A's policy (all hits: nothing is evicted inside a hit), the rest in
//   B's policy (misses are charged to B).
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

constexpr std::uint64_t kNoLimit = ~std::uint64_t{0};
constexpr OwnerId kNoOwner = ~OwnerId{0};

}  // namespace

double memcg_high_delay_s(std::uint64_t usage_pages, std::uint64_t high_pages, std::uint64_t nr_pages) {
  constexpr std::uint64_t kHz = 1000, kPrecisionShift = 20, kScalingShift = 14, kChargeBatch = 64;
  if (usage_pages <= high_pages) return 0;
  const std::uint64_t high = std::max<std::uint64_t>(high_pages, 1);
  // The kernel computes in u64; 128 bits keep the product exact for any overage.
  const unsigned __int128 overage = (static_cast<unsigned __int128>(usage_pages - high_pages) << kPrecisionShift) / high;
  unsigned __int128 jiffies = (overage * overage * kHz) >> (kPrecisionShift + kScalingShift);
  jiffies = jiffies * nr_pages / kChargeBatch;
  jiffies = std::min<unsigned __int128>(jiffies, 2 * kHz);
  if (jiffies <= kHz / 100) return 0;
  return static_cast<double>(static_cast<std::uint64_t>(jiffies)) / static_cast<double>(kHz);
}

struct MemoryManager::Impl final : PolicyListener {
  // A key range whose pages share one backing.
  struct Object {
    Backing backing = Backing::file;
    std::string name;
    PageKey first_key = 0;
    std::uint64_t pages = 0;
    std::uint64_t resident = 0;  // frames held (wired: all pages)
    IntervalSet swapped;         // keys of anonymous pages in swap
    IntervalSet dirty;           // keys of resident file pages written since read
    IntervalSet shadow;          // keys of evicted file pages not faulted back since (refault evidence)
    GroupId group = kRootGroup;  // private objects: the group charged for all its pages
    bool shared = false;         // a FileId's page cache, charged per page (`charged`)
    std::vector<IntervalSet> charged;  // shared: charged[g] = its keys resident in group g's policy
    std::uint64_t bytes = 0;     // shared: the file's size as given
    bool live = true;

    IntervalSet& charged_to(GroupId g) {
      if (charged.size() <= g) charged.resize(g + 1);
      return charged[g];
    }
  };
  struct Mapping {
    OwnerId owner = 0;
    std::uint32_t object = 0;
    FileUse use = FileUse::mapped;
    bool live = true;
    Advice advice = Advice::normal;
    std::uint32_t mmap_miss = 0;  // the kernel's file->f_ra.mmap_miss (see the header)
  };
  struct Owner {
    std::string name;
    int oom_score_adj = 0;
    GroupId group = kRootGroup;
    bool alive = true;
    std::vector<MappingId> mappings;
  };
  struct Group {
    std::string name;
    GroupLimits limits;
    std::uint64_t max_pages = kNoLimit, high_pages = kNoLimit, swap_max_pages = kNoLimit;
    std::uint64_t min_pages = 0, low_pages = 0;
    std::unique_ptr<EvictionPolicy> policy;
    std::uint64_t swap_used = 0;
    GroupStats stats;  // event and flow counters, peaks; levels are read from the policy
  };

  ManagerConfig config;
  Watermarks marks;
  std::uint64_t total_frames = 0, reserve_frames = 0, wired_frames = 0;
  std::uint64_t file_frames = 0, anon_frames = 0;
  std::uint64_t swap_total = 0, swap_used = 0;
  PolicyOptions policy_options;
  std::vector<Group> groups;
  std::vector<Owner> owners;
  std::vector<Object> objects;
  std::vector<std::uint32_t> free_objects;
  std::vector<Mapping> mappings;
  std::vector<MappingId> free_mappings;
  std::vector<std::uint32_t> files;  // FileId -> object
  std::map<PageKey, std::uint32_t> by_first_key;  // live objects
  PageKey next_key = 0;
  MemoryStats totals;

  // The listener's context for the call in progress.
  TouchCost* cost = nullptr;
  bool background = false;
  AccessPattern pattern = AccessPattern::sequential;
  bool mmap_faults = false;   // the touch faults on a mapped file: file misses count pgmajfault
  bool window_read = false;   // inside a read-around window: its request and fault are counted once
  GroupId cur_group = kRootGroup;  // whose policy is calling
  std::uint64_t refault_file = 0, refault_anon = 0, charged_pages = 0;  // this operation, so far
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
  std::uint64_t resident() const { return file_frames + anon_frames; }
  std::uint64_t free_frames() const { return total_frames - unevictable() - resident(); }
  std::uint64_t capacity() const {
    std::uint64_t fixed = unevictable() + marks.min_pages;
    return total_frames > fixed ? total_frames - fixed : 0;
  }
  bool multi() const { return groups.size() > 1; }
  EvictionPolicy& policy(GroupId g) { return *groups[g].policy; }
  // memory.max bounds the group's policy (the kernel's per-memcg limit) below the host capacity.
  std::uint64_t group_capacity(GroupId g) const { return std::min(groups[g].max_pages, capacity()); }
  bool max_limited(GroupId g) const { return groups[g].max_pages < capacity(); }
  // How many more anonymous pages group g may swap out: free slots, and its memory.swap.max.
  std::uint64_t anon_limit(GroupId g) const {
    const Group& G = groups[g];
    const std::uint64_t room = G.swap_max_pages > G.swap_used ? G.swap_max_pages - G.swap_used : 0;
    return std::min(swap_total - swap_used, room);
  }

  Object& object_of(PageKey key) {
    auto it = by_first_key.upper_bound(key);
    --it;  // keys handed to a policy always belong to a live object
    return objects[it->second];
  }

  void missed(PageRun run, PageKind kind) override {
    Object& o = object_of(run.first);
    o.resident += run.count;
    charged_pages += run.count;
    if (o.shared) o.charged_to(cur_group).add(run.first, run.end());
    (kind == PageKind::anon ? anon_frames : file_frames) += run.count;
    if (kind == PageKind::anon) {
      const std::uint64_t cluster = std::uint64_t{1} << config.page_cluster;
      std::uint64_t swapped = o.swapped.remove(run.first, run.end(), [&](std::uint64_t from, std::uint64_t to) {
        const std::uint64_t clusters = extend(swap_stretch, from, to - from, cluster).first;
        cost->swap_in_ios += clusters;
        cost->major_faults += clusters;
        cost->fault_waits += clusters;  // swap-in is synchronous per cluster
      });
      swap_used -= swapped;
      groups[o.group].swap_used -= swapped;
      refault_anon += swapped;
      // The freed slots can take this call's own anonymous victims (a sweep larger than RAM swaps
      // each page in and another out); the run-based policies read the limit at every victim.
      if (swapped > 0) policy(cur_group).set_anon_victim_limit(anon_limit(cur_group));
      cost->swap_in_bytes += swapped * page();
      cost->zero_fill_bytes += (run.count - swapped) * page();
      return;
    }
    if (!o.shadow.empty()) refault_file += o.shadow.remove(run.first, run.end());
    cost->file_read_bytes += run.count * page();
    if (window_read) return;  // read_around() counts the window's one request
    if (pattern == AccessPattern::random) {
      cost->file_read_ios += run.count;
      cost->major_faults += mmap_faults ? run.count : 0;
      cost->fault_waits += run.count;
      return;
    }
    const auto [ios, fresh] = extend(file_stretch, run.first, run.count, config.readahead_pages);
    cost->file_read_ios += ios;
    cost->major_faults += (mmap_faults && fresh) ? 1 : 0;
    cost->fault_waits += fresh ? 1 : 0;
  }

  void evicted(PageRun run, PageKind kind) override {
    Object& o = object_of(run.first);
    o.resident -= run.count;
    if (o.shared) o.charged_to(cur_group).remove(run.first, run.end());
    (kind == PageKind::anon ? anon_frames : file_frames) -= run.count;
    (background ? totals.kswapd_reclaim_pages : cost->direct_reclaim_pages) += run.count;
    groups[cur_group].stats.reclaim_pages += run.count;
    std::uint64_t written = 0;
    if (kind == PageKind::file) {
      written = o.dirty.remove(run.first, run.end());
      totals.writeback_bytes += written * page();
      o.shadow.add(run.first, run.end());
    } else {
      Group& G = groups[o.group];
      const std::uint64_t limit = anon_limit(o.group), free_slots = swap_total - swap_used;
      written = std::min(run.count, limit);
      o.swapped.add(run.first, run.first + written);
      swap_used += written;
      G.swap_used += written;
      totals.swap_out_bytes += written * page();
      if (written < run.count) {  // no slot: the data is lost
        cost->out_of_memory = true;
        if (limit < free_slots) cost->oom_group = o.group;  // its memory.swap.max, not the device, ran out
      }
    }
    (background ? cost->background_write_bytes : cost->direct_write_bytes) += written * page();
  }

  void note_peaks() {
    totals.peak_file_frames = std::max(totals.peak_file_frames, file_frames);
    totals.peak_anon_frames = std::max(totals.peak_anon_frames, anon_frames);
    totals.peak_unevictable_frames = std::max(totals.peak_unevictable_frames, unevictable());
    totals.peak_swap_slots_used = std::max(totals.peak_swap_slots_used, swap_used);
    for (Group& G : groups) {
      G.stats.peak_usage_pages = std::max(G.stats.peak_usage_pages, G.policy->resident_pages());
      G.stats.peak_swap_pages = std::max(G.stats.peak_swap_pages, G.swap_used);
    }
  }

  // Adds an operation's counts to the host totals and to `g`, the group of the owner who waited.
  void add_to_totals(TouchCost& c, GroupId g) {
    totals.major_faults += c.major_faults;
    totals.read_requests += c.read_requests();
    totals.swap_in_bytes += c.swap_in_bytes;
    totals.file_read_bytes += c.file_read_bytes;
    totals.direct_reclaim_pages += c.direct_reclaim_pages;
    totals.refault_file_pages += refault_file;
    totals.refault_anon_pages += refault_anon;
    c.refault_pages += refault_file + refault_anon;
    GroupStats& gs = groups[g].stats;
    gs.major_faults += c.major_faults;
    gs.read_requests += c.read_requests();
    gs.refault_file_pages += refault_file;
    gs.refault_anon_pages += refault_anon;
    refault_file = refault_anon = 0;
  }

  // Runs a policy call of group g with the listener pointed at `c`.
  template <class Call>
  void with_listener(TouchCost& c, bool in_background, AccessPattern p, GroupId g, Call&& call) {
    cost = &c;
    background = in_background;
    pattern = p;
    window_read = false;
    file_stretch = swap_stretch = Stretch{};
    in_group(g);
    call();
    cost = nullptr;
  }
  void in_group(GroupId g) {
    cur_group = g;
    policy(g).set_anon_victim_limit(anon_limit(g));
  }

  std::uint64_t protection(GroupId g, bool honour_low) const {
    const Group& G = groups[g];
    return honour_low ? std::max(G.min_pages, G.low_pages) : G.min_pages;
  }

  // Host-level reclaim of `pages` (shrink_node_memcgs with proportional scanning): every group gives
  // in proportion to its resident pages above its protection, first max(min, low), then min only;
  // a group that cannot give its share leaves it to the others. With only the root group, one
  // policy call, exactly as before groups existed. Runs inside with_listener.
  std::uint64_t reclaim_host(std::uint64_t pages) {
    if (!multi()) return policy(kRootGroup).evict(pages, *this);
    std::uint64_t reclaimed = 0;
    std::vector<std::uint64_t> eligible(groups.size());
    for (const bool honour_low : {true, false}) {
      // A group that gave less than asked has nothing more it may give (anon without swap room):
      // the next round splits the rest among the others, so a pass takes at most one round per group.
      std::vector<bool> spent(groups.size(), false);
      while (reclaimed < pages) {
        unsigned __int128 total = 0;
        for (GroupId g = 0; g < groups.size(); ++g) {
          const std::uint64_t r = groups[g].policy->resident_pages(), p = protection(g, honour_low);
          eligible[g] = spent[g] || r <= p ? 0 : r - p;
          total += eligible[g];
        }
        if (total == 0) break;
        std::uint64_t progress = 0;
        const std::uint64_t want = pages - reclaimed;
        for (GroupId g = 0; g < groups.size() && reclaimed < pages; ++g) {
          if (eligible[g] == 0) continue;
          const auto share = static_cast<std::uint64_t>(
              (static_cast<unsigned __int128>(want) * eligible[g] + total - 1) / total);
          in_group(g);
          const std::uint64_t asked = std::min({share, eligible[g], pages - reclaimed});
          const std::uint64_t got = policy(g).evict(asked, *this);
          if (got < asked) spent[g] = true;
          reclaimed += got;
          progress += got;
          if (!honour_low && got > 0 && policy(g).resident_pages() < groups[g].low_pages) ++groups[g].stats.events_low;
        }
        if (progress == 0) break;
      }
      if (reclaimed >= pages) break;
    }
    return reclaimed;
  }

  void kswapd(TouchCost& c) {
    std::uint64_t free = free_frames();
    if (free >= marks.low_pages) return;
    with_listener(c, true, AccessPattern::sequential, kRootGroup, [&] { reclaim_host(marks.high_pages - free); });
  }

  // After unevictable frames changed: resize the policies (shrinking evicts directly), then kswapd.
  void resize() {
    TouchCost c;
    for (GroupId g = 0; g < groups.size(); ++g)
      with_listener(c, false, AccessPattern::sequential, g, [&] { policy(g).set_capacity(group_capacity(g), *this); });
    if (multi() && resident() > capacity())
      with_listener(c, false, AccessPattern::sequential, kRootGroup, [&] { reclaim_host(resident() - capacity()); });
    kswapd(c);
    add_to_totals(c, kRootGroup);
    note_peaks();
  }

  Mapping& live_mapping(MappingId id, const char* what) {
    if (id >= mappings.size() || !mappings[id].live)
      throw std::invalid_argument(std::string(what) + ": mapping " + std::to_string(id) + " does not exist");
    return mappings[id];
  }

  // Drops keys [from, to) of `o` from group g's policy (not an eviction: freed or never placed).
  // Returns the frames freed. Dirty pages in the range are forgotten; the caller says whether
  // they were written back.
  std::uint64_t drop_range(GroupId g, Object& o, PageKey from, PageKey to, std::uint64_t* dirty_pages = nullptr) {
    EvictionPolicy& p = policy(g);
    const std::uint64_t before = p.resident_pages();
    p.erase({from, to - from});
    const std::uint64_t dropped = before - p.resident_pages();
    o.resident -= dropped;
    (o.backing == Backing::anon ? anon_frames : file_frames) -= dropped;
    std::uint64_t dirty = 0;
    if (o.shared) {
      o.charged_to(g).remove(from, to, [&](std::uint64_t a, std::uint64_t b) { dirty += o.dirty.remove(a, b); });
    } else {
      dirty = o.dirty.remove(from, to);
    }
    if (dirty_pages) *dirty_pages += dirty;
    return dropped;
  }

  // A touch that found no victims leaves a policy over its bound: the pages it could not place are
  // the newest ones, at the end of the touched run; they are dropped (never materialised), so that
  // the frame counts stay within RAM (and the group within memory.max) until the caller resolves
  // the OOM. `over()` says how many pages are still too many.
  template <class Over>
  void drop_unplaced(GroupId g, Object& o, PageRun run, Over&& over) {
    for (std::uint64_t window = over(); over() > 0; window *= 2) {
      const std::uint64_t from = run.end() - std::min(window, run.count);
      drop_range(g, o, from, run.end());
      if (from == run.first) break;
    }
  }

  // Frees an object's frames, swap slots, dirty and shadow sets, and its key range.
  void free_object(std::uint32_t id) {
    Object& o = objects[id];
    if (o.backing == Backing::wired) {
      wired_frames -= o.pages;
    } else {
      policy(o.group).erase({o.first_key, o.pages});
      (o.backing == Backing::anon ? anon_frames : file_frames) -= o.resident;
      swap_used -= o.swapped.size();
      groups[o.group].swap_used -= o.swapped.size();
    }
    by_first_key.erase(o.first_key);
    o = Object{};
    o.live = false;
    free_objects.push_back(id);
  }

  std::uint32_t new_object(Object o) {
    o.first_key = next_key;
    next_key += o.pages + 1;  // the gap keeps runs of different objects apart
    std::uint32_t id = 0;
    if (free_objects.empty()) {
      id = static_cast<std::uint32_t>(objects.size());
      objects.push_back(std::move(o));
    } else {
      id = free_objects.back();
      free_objects.pop_back();
      objects[id] = std::move(o);
    }
    by_first_key.emplace(objects[id].first_key, id);
    return id;
  }

  MappingId new_mapping(Mapping m) {
    MappingId id = 0;
    if (free_mappings.empty()) {
      id = static_cast<MappingId>(mappings.size());
      mappings.push_back(m);
    } else {
      id = free_mappings.back();
      free_mappings.pop_back();
      mappings[id] = m;
    }
    owners[m.owner].mappings.push_back(id);
    return id;
  }

  void unmap(MappingId id) {
    Mapping& m = live_mapping(id, "unmap");
    Object& o = objects[m.object];
    const bool wired = o.backing == Backing::wired;
    if (!o.shared) free_object(m.object);
    auto& list = owners[m.owner].mappings;
    list.erase(std::find(list.begin(), list.end(), id));
    m.live = false;
    free_mappings.push_back(id);
    if (wired) resize();
  }

  void end_owner(OwnerId owner, const char* what) {
    if (owner >= owners.size() || !owners[owner].alive)
      throw std::invalid_argument(std::string(what) + ": owner " + std::to_string(owner) +
                                  " does not exist or was already killed");
    const std::vector<MappingId> list = owners[owner].mappings;
    for (MappingId id : list) unmap(id);
    owners[owner].alive = false;
  }

  // Pieces of [run) charged to groups other than g, ascending: (from, to, group).
  struct Piece {
    PageKey from, to;
    GroupId group;
  };
  std::vector<Piece> foreign_pieces(Object& o, PageRun run, GroupId g) {
    std::vector<Piece> out;
    for (GroupId h = 0; h < o.charged.size(); ++h) {
      if (h == g || o.charged[h].empty()) continue;
      const auto& iv = o.charged[h].intervals();
      auto it = iv.upper_bound(run.first);
      if (it != iv.begin()) --it;
      for (; it != iv.end() && it->first < run.end(); ++it)
        if (it->second > run.first) out.push_back({std::max(it->first, run.first), std::min(it->second, run.end()), h});
    }
    std::sort(out.begin(), out.end(), [](const Piece& a, const Piece& b) { return a.from < b.from; });
    return out;
  }

  // References `run` of `o` for a touch by group g: a private object in its own group's policy, a
  // shared file piece by piece (pages charged elsewhere are hits in their group's policy).
  ReferenceResult reference(Object& o, PageRun run, GroupId g) {
    const PageKind kind = kind_of(o.backing);
    if (!o.shared) {
      in_group(o.group);
      return policy(o.group).reference(run, kind, *this);
    }
    ReferenceResult total;
    auto add = [&](GroupId h, PageKey from, PageKey to) {
      if (from >= to) return;
      in_group(h);
      const ReferenceResult r = policy(h).reference({from, to - from}, kind, *this);
      total.hit_pages += r.hit_pages;
      total.miss_pages += r.miss_pages;
    };
    PageKey at = run.first;
    for (const Piece& p : foreign_pieces(o, run, g)) {
      add(g, at, p.from);
      add(p.group, p.from, p.to);
      at = p.to;
    }
    add(g, at, run.end());
    return total;
  }

  // The end of the resident stretch of `o` that starts at `from` (== from when `from` is not
  // resident), at most `to`. A shared file asks its charge maps (a page is resident in exactly one
  // group), a private object its policy (by halving: O(log pages) calls of O(runs)).
  PageKey resident_end(const Object& o, PageKey from, PageKey to) const {
    if (o.shared) {
      PageKey at = from;
      for (bool moved = true; moved && at < to;) {
        moved = false;
        for (const IntervalSet& set : o.charged) {
          const auto& iv = set.intervals();
          auto it = iv.upper_bound(at);
          if (it == iv.begin() || std::prev(it)->second <= at) continue;
          at = std::prev(it)->second;
          moved = true;
        }
      }
      return std::min(at, to);
    }
    const EvictionPolicy& p = *groups[o.group].policy;
    std::uint64_t lo = 0, hi = to - from;  // [from, from + lo) resident; answer in [lo, hi]
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo + 1) / 2;
      if (p.resident_in({from, mid}) == mid) lo = mid; else hi = mid - 1;
    }
    return from + lo;
  }
  // The end of the non-resident stretch of `o` that starts at `from`, at most `to`.
  PageKey missing_end(const Object& o, PageKey from, PageKey to) const {
    if (o.shared) {
      PageKey end = to;
      for (const IntervalSet& set : o.charged) {
        const auto& iv = set.intervals();
        auto it = iv.lower_bound(from);
        if (it != iv.end()) end = std::min(end, it->first);
      }
      return end;
    }
    const EvictionPolicy& p = *groups[o.group].policy;
    std::uint64_t lo = 0, hi = to - from;  // [from, from + lo) not resident
    while (lo < hi) {
      const std::uint64_t mid = lo + (hi - lo + 1) / 2;
      if (p.resident_in({from, mid}) == 0) lo = mid; else hi = mid - 1;
    }
    return from + lo;
  }

  // The kernel's MMAP_LOTSAMISS (mm/filemap.c): more net misses than this turn read-around off.
  static constexpr std::uint32_t kMmapLotsAMiss = 100;

  // The kernel's fault-around (mm/memory.c do_fault_around, fault_around_bytes = 64 KiB): a minor
  // fault on a cached page maps the cached pages of the aligned 64 KiB block around it, and
  // filemap_map_pages takes each one it maps off mmap_miss. Returns how many that is for a hit on
  // [from, to) of `o`: the resident pages of the aligned blocks covering it (pages the process
  // already mapped would not fault again; the model does not track them).
  std::uint64_t fault_around_pages(const Object& o, PageKey from, PageKey to) const {
    const std::uint64_t block = std::max<std::uint64_t>(1, 65536 / page());
    const std::uint64_t first = (from - o.first_key) / block * block;
    const std::uint64_t last = std::min<std::uint64_t>(o.pages, ceil_div(to - o.first_key, block) * block);
    std::uint64_t resident = 0;
    for (PageKey p = o.first_key + first, end = o.first_key + last; p < end;) {
      const PageKey r = resident_end(o, p, end);
      resident += r - p;
      p = r < end ? missing_end(o, r, end) : end;
    }
    return resident;
  }

  // A random touch of an mmap'd file with Advice::normal: mmap read-around page by page (see the
  // header). Runs inside with_listener; returns the touched run's hits and misses.
  ReferenceResult read_around(Mapping& mp, Object& o, PageRun run, GroupId toucher) {
    ReferenceResult total;
    const std::uint64_t ra = config.readahead_pages;
    const PageKey file_end = o.first_key + o.pages;
    PageKey at = run.first;
    while (at < run.end()) {
      const PageKey hit_end = resident_end(o, at, run.end());
      if (hit_end > at) {  // cached pages: a hit each (filemap_map_pages' mmap_miss--)
        const ReferenceResult r = reference(o, {at, hit_end - at}, toucher);
        total.hit_pages += r.hit_pages;
        total.miss_pages += r.miss_pages;
        const std::uint64_t mapped = fault_around_pages(o, at, hit_end);
        mp.mmap_miss -= static_cast<std::uint32_t>(std::min<std::uint64_t>(mp.mmap_miss, mapped));
        at = hit_end;
        continue;
      }
      if (mp.mmap_miss < kMmapLotsAMiss * 10) ++mp.mmap_miss;
      ++total.miss_pages;
      if (mp.mmap_miss > kMmapLotsAMiss) {  // read-around off: this page alone
        reference(o, {at, 1}, toucher);
        ++at;
        continue;
      }
      const PageKey start = o.first_key + (at - o.first_key > ra / 2 ? at - o.first_key - ra / 2 : 0);
      const PageKey end = std::min(file_end, start + ra);
      window_read = true;
      for (PageKey p = start; p < end;) {
        const PageKey r = resident_end(o, p, end);
        if (r > p) {  // resident: not referenced (readahead skips cached folios)
          p = r;
          continue;
        }
        const PageKey m = missing_end(o, p, end);
        reference(o, {p, m - p}, toucher);
        p = m;
      }
      window_read = false;
      ++cost->file_read_ios;
      ++cost->major_faults;
      ++cost->fault_waits;
      ++at;
    }
    return total;
  }

  // memory.high, after a touch that charged pages to g (try_charge only flags the task when it
  // charges): reclaim the group's excess directly, then throttle when still over.
  void handle_high(GroupId g, TouchCost& c) {
    Group& G = groups[g];
    if (G.high_pages == kNoLimit || charged_pages == 0 || G.policy->resident_pages() <= G.high_pages) return;
    ++G.stats.events_high;
    with_listener(c, false, AccessPattern::sequential, g,
                  [&] { G.policy->evict(G.policy->resident_pages() - G.high_pages, *this); });
    const double delay_s = memcg_high_delay_s(G.policy->resident_pages(), G.high_pages, std::max<std::uint64_t>(charged_pages, 64));
    c.high_throttle_s += delay_s;
    G.stats.high_throttle_s += delay_s;
  }

  std::uint64_t owner_rss_pages(OwnerId owner) const {
    std::uint64_t pages = 0;
    for (MappingId id : owners.at(owner).mappings) {
      const Mapping& m = mappings[id];
      const Object& o = objects[m.object];
      if (!o.shared || m.use == FileUse::mapped) pages += o.resident;
    }
    return pages;
  }
  std::uint64_t owner_swap_pages(OwnerId owner) const {
    std::uint64_t pages = 0;
    for (MappingId id : owners.at(owner).mappings) pages += objects[mappings[id].object].swapped.size();
    return pages;
  }

  void check_group(GroupId g) const {
    if (g >= groups.size()) throw std::invalid_argument("memory group " + std::to_string(g) + " does not exist");
  }
};

namespace {

bool overlaps(const IntervalSet& set, PageKey from, PageKey to) {
  const auto& iv = set.intervals();
  auto it = iv.upper_bound(from);
  if (it != iv.begin() && std::prev(it)->second > from) return true;
  return it != iv.end() && it->first < to;
}

// Pages of [from, to) that `set` holds.
std::uint64_t covered_pages(const IntervalSet& set, PageKey from, PageKey to) {
  const auto& iv = set.intervals();
  auto it = iv.upper_bound(from);
  if (it != iv.begin()) --it;
  std::uint64_t pages = 0;
  for (; it != iv.end() && it->first < to; ++it) {
    const PageKey a = std::max(it->first, from), b = std::min(it->second, to);
    if (b > a) pages += b - a;
  }
  return pages;
}

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
  s.policy_options.swappiness = config.swappiness;
  s.policy_options.page_bytes = config.page_bytes;
  Impl::Group root;
  root.policy = PolicyRegistry::instance().find(config.policy)->make(s.capacity(), s.policy_options);
  s.groups.push_back(std::move(root));
  s.note_peaks();
}

MemoryManager::~MemoryManager() = default;

const ManagerConfig& MemoryManager::config() const { return impl_->config; }
const Watermarks& MemoryManager::watermarks() const { return impl_->marks; }
std::uint64_t MemoryManager::page_bytes() const { return impl_->config.page_bytes; }

GroupId MemoryManager::add_group(std::string name, const GroupLimits& limits) {
  Impl& s = *impl_;
  if (name.empty()) throw std::invalid_argument("memory group: the name must not be empty");
  for (const auto& g : s.groups)
    if (g.name == name) throw std::invalid_argument("memory group '" + name + "' already exists");
  Impl::Group g;
  g.name = std::move(name);
  g.limits = limits;
  const std::uint64_t page = s.page();  // page_counter limits round down to pages
  if (limits.max_bytes) g.max_pages = *limits.max_bytes / page;
  if (limits.high_bytes) g.high_pages = *limits.high_bytes / page;
  if (limits.swap_max_bytes) g.swap_max_pages = *limits.swap_max_bytes / page;
  g.min_pages = limits.min_bytes / page;
  g.low_pages = limits.low_bytes / page;
  g.policy = PolicyRegistry::instance().find(s.config.policy)->make(std::min(g.max_pages, s.capacity()), s.policy_options);
  s.groups.push_back(std::move(g));
  return static_cast<GroupId>(s.groups.size() - 1);
}

std::size_t MemoryManager::group_count() const { return impl_->groups.size(); }

const std::string& MemoryManager::group_name(GroupId group) const {
  impl_->check_group(group);
  return impl_->groups[group].name;
}

const GroupLimits& MemoryManager::group_limits(GroupId group) const {
  impl_->check_group(group);
  return impl_->groups[group].limits;
}

GroupStats MemoryManager::group_stats(GroupId group) const {
  const Impl& s = *impl_;
  s.check_group(group);
  const Impl::Group& g = s.groups[group];
  GroupStats st = g.stats;
  st.usage_pages = g.policy->resident_pages();
  st.file_pages = g.policy->resident_pages(PageKind::file);
  st.anon_pages = g.policy->resident_pages(PageKind::anon);
  st.swap_pages = g.swap_used;
  return st;
}

OwnerId MemoryManager::add_owner(std::string name, int oom_score_adj, GroupId group) {
  if (oom_score_adj < -1000 || oom_score_adj > 1000)
    throw std::invalid_argument("owner '" + name + "': oom_score_adj must be in [-1000, 1000], got " +
                                std::to_string(oom_score_adj));
  impl_->check_group(group);
  impl_->owners.push_back({std::move(name), oom_score_adj, group, true, {}});
  return static_cast<OwnerId>(impl_->owners.size() - 1);
}

FileId MemoryManager::add_file(std::string name, std::uint64_t bytes) {
  Impl& s = *impl_;
  if (bytes == 0) throw std::invalid_argument("file '" + name + "': size must be positive");
  Impl::Object o;
  o.backing = Backing::file;
  o.name = std::move(name);
  o.pages = ceil_div(bytes, s.page());
  o.bytes = bytes;
  o.shared = true;
  s.files.push_back(s.new_object(std::move(o)));
  return static_cast<FileId>(s.files.size() - 1);
}

std::uint64_t MemoryManager::file_bytes(FileId file) const {
  if (file >= impl_->files.size()) throw std::invalid_argument("file " + std::to_string(file) + " does not exist");
  return impl_->objects[impl_->files[file]].bytes;
}

std::uint64_t MemoryManager::file_resident_bytes(FileId file) const {
  file_bytes(file);  // checks the id
  return impl_->objects[impl_->files[file]].resident * impl_->page();
}

MappingId MemoryManager::map_file(OwnerId owner, FileId file, FileUse use) {
  Impl& s = *impl_;
  if (file >= s.files.size()) throw std::invalid_argument("map_file: file " + std::to_string(file) + " does not exist");
  if (owner >= s.owners.size() || !s.owners[owner].alive)
    throw std::invalid_argument("map_file '" + s.objects[s.files[file]].name + "': owner " + std::to_string(owner) +
                                " does not exist or was killed");
  return s.new_mapping({owner, s.files[file], use, true});
}

void MemoryManager::set_advice(MappingId mapping, Advice advice) {
  Impl& s = *impl_;
  Impl::Mapping& mp = s.live_mapping(mapping, "set_advice");
  const Impl::Object& o = s.objects[mp.object];
  if (o.backing != Backing::file)
    throw std::invalid_argument("set_advice of mapping '" + o.name + "': only a file mapping takes madvise advice");
  mp.advice = advice;
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
  Impl::Object o;
  o.backing = backing;
  o.name = std::move(name);
  o.pages = pages;
  o.group = s.owners[owner].group;
  if (backing == Backing::wired) {
    o.resident = pages;
    s.wired_frames += pages;
  }
  const MappingId id = s.new_mapping({owner, s.new_object(std::move(o)), FileUse::mapped, true});
  if (backing == Backing::wired) s.resize();
  return id;
}

TouchCost MemoryManager::touch(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes,
                               AccessPattern pattern, bool write) {
  Impl& s = *impl_;
  Impl::Mapping& mp = s.live_mapping(mapping, "touch");
  Impl::Object& m = s.objects[mp.object];
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
  const GroupId toucher = s.owners[mp.owner].group;
  const GroupId g = m.shared ? toucher : m.group;  // the group charged for this touch's misses
  Impl::Group& G = s.groups[g];
  s.charged_pages = 0;
  const std::uint64_t reclaimed_before = G.stats.reclaim_pages;
  // mmap'd: a FileUse::mapped mapping of a shared file, or a legacy private file map.
  const bool mmapped = m.backing == Backing::file && (!m.shared || mp.use == FileUse::mapped);
  ReferenceResult r;
  s.mmap_faults = mmapped;
  s.with_listener(c, false, pattern, g, [&] {
    if (mmapped && mp.advice == Advice::normal && pattern == AccessPattern::random) {
      r = s.read_around(mp, m, run, toucher);
      return;
    }
    r = s.reference(m, run, toucher);
    if (mmapped && mp.advice == Advice::normal)  // hits: filemap_map_pages' mmap_miss--
      mp.mmap_miss -= static_cast<std::uint32_t>(std::min<std::uint64_t>(mp.mmap_miss, r.hit_pages));
  });
  s.mmap_faults = false;
  c.hit_bytes = r.hit_pages * s.page();
  if (s.max_limited(g) && G.stats.reclaim_pages > reclaimed_before) ++G.stats.events_max;
  if (G.policy->resident_pages() > G.policy->capacity_pages()) {
    c.out_of_memory = true;
    if (s.max_limited(g)) c.oom_group = g;
    s.drop_unplaced(g, m, run, [&] {
      const std::uint64_t res = G.policy->resident_pages(), cap = G.policy->capacity_pages();
      return res > cap ? res - cap : 0;
    });
  }
  if (s.multi() && s.resident() > s.capacity()) {
    s.with_listener(c, false, pattern, kRootGroup, [&] { s.reclaim_host(s.resident() - s.capacity()); });
    if (s.resident() > s.capacity()) {  // the host, not a group, is out of memory
      c.out_of_memory = true;
      c.oom_group.reset();
      s.drop_unplaced(g, m, run, [&] { return s.resident() > s.capacity() ? s.resident() - s.capacity() : 0; });
    }
  }
  if (c.oom_group) ++s.groups[*c.oom_group].stats.events_oom;
  s.handle_high(g, c);
  s.kswapd(c);
  s.add_to_totals(c, toucher);
  s.note_peaks();
  return c;
}

void MemoryManager::unmap(MappingId mapping) { impl_->unmap(mapping); }

void MemoryManager::discard(MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes) {
  Impl& s = *impl_;
  const Impl::Mapping& mp = s.live_mapping(mapping, "discard");
  Impl::Object& o = s.objects[mp.object];
  if (o.backing == Backing::wired)
    throw std::invalid_argument("discard of mapping '" + o.name + "': wired memory cannot be discarded");
  if (length_bytes == 0) return;
  const std::uint64_t first = offset_bytes / s.page();
  const std::uint64_t end = ceil_div(offset_bytes + length_bytes, s.page());
  if (offset_bytes + length_bytes < offset_bytes || end > o.pages)
    throw std::out_of_range("discard of mapping '" + o.name + "': bytes [" + std::to_string(offset_bytes) + ", +" +
                            std::to_string(length_bytes) + ") outside its " + std::to_string(o.pages * s.page()) +
                            " bytes");
  const PageKey from = o.first_key + first, to = o.first_key + end;
  std::uint64_t dirty = 0;
  if (!o.shared) {
    s.drop_range(o.group, o, from, to, &dirty);
  } else {
    for (GroupId h = 0; h < o.charged.size(); ++h)
      if (overlaps(o.charged[h], from, to)) s.drop_range(h, o, from, to, &dirty);
  }
  const std::uint64_t freed_slots = o.swapped.remove(from, to);
  s.swap_used -= freed_slots;
  s.groups[o.group].swap_used -= freed_slots;
  s.totals.writeback_bytes += dirty * s.page();
  o.shadow.remove(from, to);
}

std::optional<OwnerId> MemoryManager::select_oom_victim(std::optional<GroupId> within) const {
  const Impl& s = *impl_;
  std::uint64_t total = s.total_frames;
  if (within) {
    s.check_group(*within);
    const Impl::Group& g = s.groups[*within];
    const std::uint64_t memory = std::min(g.max_pages, s.total_frames);
    total = std::max<std::uint64_t>(1, memory + std::min(g.swap_max_pages, s.swap_total));
  }
  std::optional<OwnerId> best;
  std::int64_t best_badness = 0;
  for (OwnerId id = 0; id < s.owners.size(); ++id) {
    const auto& o = s.owners[id];
    if (!o.alive || o.oom_score_adj == -1000 || (within && o.group != *within)) continue;
    // oom_badness(): (rss + swap) pages scaled to 1000 of total memory, plus oom_score_adj.
    const std::uint64_t pages = s.owner_rss_pages(id) + s.owner_swap_pages(id);
    const auto badness = static_cast<std::int64_t>(pages * 1000 / total) + o.oom_score_adj;
    if (!best || badness > best_badness) {
      best = id;
      best_badness = badness;
    }
  }
  return best;
}

void MemoryManager::kill(OwnerId owner) {
  Impl& s = *impl_;
  s.end_owner(owner, "kill");
  ++s.totals.oom_kills;
  ++s.groups[s.owners[owner].group].stats.events_oom_kill;
}

void MemoryManager::release_owner(OwnerId owner) { impl_->end_owner(owner, "release_owner"); }

std::uint64_t MemoryManager::owner_rss_bytes(OwnerId owner) const { return impl_->owner_rss_pages(owner) * impl_->page(); }

std::uint64_t MemoryManager::owner_swap_bytes(OwnerId owner) const {
  return impl_->owner_swap_pages(owner) * impl_->page();
}

OwnerMemory MemoryManager::owner_memory(OwnerId owner) const {
  const Impl& s = *impl_;
  OwnerMemory r;
  for (MappingId id : s.owners.at(owner).mappings) {
    const Impl::Mapping& m = s.mappings[id];
    const Impl::Object& o = s.objects[m.object];
    const std::uint64_t bytes = o.resident * s.page();
    if (o.backing == Backing::anon) {
      r.anon_bytes += bytes;
      r.swap_bytes += o.swapped.size() * s.page();
    } else if (o.backing == Backing::wired) {
      r.wired_bytes += bytes;
    } else if (!o.shared || m.use == FileUse::mapped) {
      r.file_mapped_bytes += bytes;
    }
  }
  return r;
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

std::uint64_t MemoryManager::interval_count() const {
  std::uint64_t n = 0;
  for (const auto& o : impl_->objects) {
    if (!o.live) continue;
    n += o.swapped.intervals().size() + o.dirty.intervals().size() + o.shadow.intervals().size();
    for (const auto& c : o.charged) n += c.intervals().size();
  }
  return n;
}

void MemoryManager::check_invariants(bool page_laws) const {
  const Impl& s = *impl_;
  auto require = [](bool ok, const std::string& law) {
    if (!ok) throw std::logic_error("memory manager invariant broken: " + law);
  };
  std::uint64_t policy_file = 0, policy_anon = 0;
  for (const auto& g : s.groups) {
    policy_file += g.policy->resident_pages(PageKind::file);
    policy_anon += g.policy->resident_pages(PageKind::anon);
    require(g.policy->resident_pages() <= g.max_pages, "group '" + g.name + "' within memory.max");
  }
  require(s.unevictable() + s.resident() <= s.total_frames, "resident + unevictable <= total frames");
  require(policy_file == s.file_frames, "policy file residency == file frames");
  require(policy_anon == s.anon_frames, "policy anon residency == anon frames");
  const std::size_t n = s.groups.size();
  std::vector<std::uint64_t> gfile(n), ganon(n), gswap(n);
  std::uint64_t resident[3] = {0, 0, 0}, swapped = 0, wired = 0;
  for (const auto& m : s.objects) {
    if (!m.live) continue;
    resident[static_cast<int>(m.backing)] += m.resident;
    swapped += m.swapped.size();
    if (m.backing == Backing::wired) wired += m.pages;
    require(m.backing == Backing::anon || m.swapped.empty(), "only anonymous pages are in swap");
    const EvictionPolicy& p = *s.groups[m.group].policy;
    if (!m.shared) {
      if (m.backing != Backing::wired) (m.backing == Backing::anon ? ganon : gfile)[m.group] += m.resident;
      gswap[m.group] += m.swapped.size();
      if (!page_laws) continue;
      for (const auto& [from, to] : m.swapped.intervals())
        require(p.resident_in({from, to - from}) == 0, "no page is resident and in swap at once");
      for (const auto& [from, to] : m.dirty.intervals())
        require(p.resident_in({from, to - from}) == to - from, "dirty pages are resident");
      for (const auto& [from, to] : m.shadow.intervals())
        require(p.resident_in({from, to - from}) == 0, "shadows are never resident");
      continue;
    }
    // A shared file: each resident page charged to one group, and resident in that group's policy.
    if (!page_laws) {
      std::uint64_t charged = 0;
      for (GroupId h = 0; h < m.charged.size(); ++h) {
        charged += m.charged[h].size();
        gfile[h] += m.charged[h].size();
      }
      require(charged == m.resident, "shared file '" + m.name + "': charged pages == resident pages");
      continue;
    }
    IntervalSet all;
    std::uint64_t charged = 0;
    for (GroupId h = 0; h < m.charged.size(); ++h) {
      charged += m.charged[h].size();
      gfile[h] += m.charged[h].size();
      for (const auto& [from, to] : m.charged[h].intervals()) {
        all.add(from, to);
        require(s.groups[h].policy->resident_in({from, to - from}) == to - from,
                "shared file '" + m.name + "': charged pages are resident in their group's policy");
      }
    }
    require(all.size() == charged, "shared file '" + m.name + "': every page is charged to at most one group");
    require(charged == m.resident, "shared file '" + m.name + "': charged pages == resident pages");
    for (const auto& [from, to] : m.dirty.intervals())
      require(covered_pages(all, from, to) == to - from, "dirty pages are resident");
    for (const auto& [from, to] : m.shadow.intervals())
      require(!overlaps(all, from, to), "shadows are never resident");
  }
  require(resident[0] == s.file_frames && resident[1] == s.anon_frames, "mapping residency sums to frame counts");
  require(swapped == s.swap_used, "swap slots used == anonymous pages in swap");
  require(s.swap_used <= s.swap_total, "swap slots used <= swap slots");
  require(wired == s.wired_frames && resident[2] == wired, "wired frames == wired mapping pages");
  for (GroupId g = 0; g < n; ++g) {
    const auto& G = s.groups[g];
    require(G.policy->resident_pages(PageKind::file) == gfile[g] && G.policy->resident_pages(PageKind::anon) == ganon[g],
            "group '" + G.name + "': policy residency == pages charged to it");
    require(G.swap_used == gswap[g], "group '" + G.name + "': swap slots == its anonymous pages in swap");
  }
  for (const auto& o : s.owners)
    for (MappingId id : o.mappings) require(s.mappings[id].live, "an owner's mappings are live");
}

}  // namespace headroom::mm
