#include "sim/engine/host_memory.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <utility>

#include <simgrid/s4u.hpp>

#include "sim/engine/platform.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::engine {

mm::ManagerConfig manager_config(const config::HostSpec& host, const config::MemorySpec& memory) {
  mm::ManagerConfig c;
  c.ram_bytes = host.ram_bytes;
  c.page_bytes = host.page_bytes;
  c.os_reserve_bytes = host.os_reserve_bytes;
  c.swap_bytes = host.swap_bytes;
  c.wired_limit_bytes = host.gpu_wired_limit_bytes;
  c.policy = memory.policy;
  c.swappiness = memory.swappiness;
  c.watermark_scale_factor = memory.watermark_scale_factor;
  c.min_free_bytes = memory.min_free_bytes;
  // The scenario's memory.readahead, when given, overrides every host's own.
  const std::uint64_t readahead_bytes = memory.readahead_bytes.value_or(host.readahead_bytes);
  c.readahead_pages = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, readahead_bytes / host.page_bytes));
  c.page_cluster = memory.page_cluster;
  return c;
}

void add_cost(mm::TouchCost& into, const mm::TouchCost& c) {
  into.hit_bytes += c.hit_bytes;
  into.file_read_bytes += c.file_read_bytes;
  into.file_read_ios += c.file_read_ios;
  into.swap_in_bytes += c.swap_in_bytes;
  into.swap_in_ios += c.swap_in_ios;
  into.zero_fill_bytes += c.zero_fill_bytes;
  into.major_faults += c.major_faults;
  into.fault_waits += c.fault_waits;
  into.direct_reclaim_pages += c.direct_reclaim_pages;
  into.direct_write_bytes += c.direct_write_bytes;
  into.background_write_bytes += c.background_write_bytes;
  into.refault_pages += c.refault_pages;
  into.high_throttle_s += c.high_throttle_s;
  into.out_of_memory = into.out_of_memory || c.out_of_memory;
  if (!into.oom_group)
    into.oom_group = c.oom_group;
}

namespace {

// waits x the SSD's latency, then one read of `bytes`, in the calling actor.
void ssd_read(const Platform& platform, std::uint64_t bytes, std::uint64_t waits) {
  if (waits > 0 && platform.ssd_latency_s > 0)
    sg4::this_actor::sleep_for(static_cast<double>(waits) * platform.ssd_latency_s);
  if (bytes > 0)
    platform.ssd->read(bytes);
}

// Actors that only start an SSD transfer or two and sleep: a small stack suffices (the Strix Halo
// day runs with 12 KiB; 64 leaves room for sanitizer builds), and SimGrid's default (8 MiB, mapped
// and unmapped for each actor) would cost more than the simulation itself.
constexpr unsigned kIoActorStack_KiB = 64;  // Actor::set_stacksize takes KiB

sg4::ActorPtr start_io_actor(const Platform& platform, const std::string& name, sg4::Host* host,
                             std::function<void()> io) {
  return create_actor(platform, name, host, std::move(io), kIoActorStack_KiB);
}

// Runs `io` (which starts SSD transfers) in a short-lived actor and waits for it to end; creating
// and joining it takes no simulated time.
// Why: SimGrid 3.32 records every I/O in the list of the actor that started it and, unlike an
// execution, never takes a finished I/O out of that list: the list is freed only when the actor
// ends. Every execution that completes removes itself from its actor's list by a linear scan, so a
// server doing its I/O in its own actor made each step cost O(I/Os done so far) and kept every
// finished I/O in memory (CPU time per step 3.7x higher at 36 simulated hours than at 6). With an
// actor per transfer every list holds at most one entry.
void in_io_actor(const Platform& platform, std::function<void()> io) {
  start_io_actor(platform, "ssd-io", sg4::this_actor::get_host(), std::move(io))->join();
}

}  // namespace

static bool invariants_requested() {
#ifdef HEADROOM_DEBUG_INVARIANTS
  return true;
#else
  const char* v = std::getenv("HEADROOM_CHECK_INVARIANTS");
  return v && *v && std::strcmp(v, "0") != 0;
#endif
}

HostMemory::HostMemory(const config::HostSpec& host, const config::MemorySpec& memory, const Platform& platform)
    : platform_(platform), ram_bytes_(host.ram_bytes), swap_page_cpu_cost_s_(memory.swap_page_cpu_cost_s.value_or(host.swap_page_cost_s)),
      zero_fill_cost_s_(host.zero_fill_cost_s),
      manager_(manager_config(host, memory)),
      checking_(invariants_requested()) {
  check();
}

mm::GroupId HostMemory::add_group(const std::string& name, const mm::GroupLimits& limits) {
  return manager_.add_group(name, limits);
}

mm::OwnerId HostMemory::add_process(const std::string& name, int oom_score_adj, std::function<void()> on_killed) {
  return add_process(name, oom_score_adj, mm::kRootGroup, std::move(on_killed));
}

mm::OwnerId HostMemory::add_process(const std::string& name, int oom_score_adj, mm::GroupId group,
                                    std::function<void()> on_killed) {
  mm::OwnerId id = manager_.add_owner(name, oom_score_adj, group);
  owner_ids_.push_back(id);
  processes_.push_back({name, true, std::move(on_killed), group});
  return id;
}

const HostMemory::Process* HostMemory::find_process(mm::OwnerId owner) const {
  auto it = std::find(owner_ids_.begin(), owner_ids_.end(), owner);
  return it == owner_ids_.end() ? nullptr : &processes_[it - owner_ids_.begin()];
}

HostMemory::Process& HostMemory::process(mm::OwnerId owner) {
  if (const Process* p = find_process(owner))
    return const_cast<Process&>(*p);  // this HostMemory is not const: processes_ is ours to change
  throw std::logic_error("owner " + std::to_string(owner) + " is not a registered process");
}

mm::FileId HostMemory::file(const std::string& name, std::uint64_t bytes) {
  auto it = files_.find(name);
  if (it == files_.end())
    return files_.emplace(name, manager_.add_file(name, bytes)).first->second;
  const std::uint64_t had_bytes = manager_.file_bytes(it->second);
  if (had_bytes != bytes)
    throw std::logic_error("file '" + name + "' is already " + std::to_string(had_bytes) + " bytes, not " +
                           std::to_string(bytes));
  return it->second;
}

mm::MappingId HostMemory::map_file(mm::OwnerId owner, mm::FileId file, mm::FileUse use) {
  mm::MappingId id = manager_.map_file(owner, file, use);
  check();
  return id;
}

void HostMemory::discard(mm::MappingId mapping, std::uint64_t offset_bytes, std::uint64_t length_bytes) {
  const std::uint64_t written_before = manager_.stats().writeback_bytes;
  manager_.discard(mapping, offset_bytes, length_bytes);
  check();
  const std::uint64_t bytes = manager_.stats().writeback_bytes - written_before;
  if (bytes > 0) {
    sg4::Disk* ssd = platform_.ssd;
    start_io_actor(platform_, "discard-writeback", platform_.cpu, [ssd, bytes] { ssd->write(bytes); });
  }
}

void HostMemory::stop(mm::OwnerId owner) {
  Process& p = process(owner);
  if (!p.alive)
    return;  // already killed: its memory is gone
  manager_.release_owner(owner);
  p.alive = false;
  check();
}

std::vector<HostMemory::GroupReport> HostMemory::groups() const {
  std::vector<GroupReport> out;
  for (mm::GroupId g = 1; g < manager_.group_count(); ++g)
    out.push_back({manager_.group_name(g), manager_.group_limits(g), manager_.group_stats(g)});
  return out;
}

bool HostMemory::alive(mm::OwnerId owner) const {
  const Process* p = find_process(owner);
  return p && p->alive;
}

mm::MappingId HostMemory::map(mm::OwnerId owner, mm::Backing backing, const std::string& name, std::uint64_t bytes) {
  mm::MappingId id = manager_.map(owner, backing, name, bytes);
  check();
  return id;
}

void HostMemory::unmap(mm::MappingId mapping) {
  manager_.unmap(mapping);
  check();
}

bool HostMemory::kill_for(mm::OwnerId owner, std::optional<mm::GroupId> group) {
  std::optional<mm::OwnerId> victim = manager_.select_oom_victim(group);
  // Nobody may be killed (all oom_score_adj -1000): the allocating process cannot proceed.
  mm::OwnerId dead = victim ? *victim : owner;
  manager_.kill(dead);
  check();
  Process& p = process(dead);
  p.alive = false;
  kill_group_ = group;
  if (p.on_killed)
    p.on_killed();
  kill_group_.reset();
  return dead != owner;
}

void HostMemory::set_reservation(mm::GroupId group, std::function<void(std::uint64_t)> make_room,
                                 std::function<void()> settle) {
  reservations_[group] = {std::move(make_room), std::move(settle)};
}

std::optional<mm::TouchCost> HostMemory::touch(mm::OwnerId owner, mm::MappingId mapping, std::uint64_t offset_bytes,
                                               std::uint64_t length_bytes, mm::AccessPattern pattern, bool write) {
  if (!alive(owner))
    return std::nullopt;  // killed while it waited: its mappings are gone
  const auto reserved = reservations_.find(process(owner).group);
  if (reserved == reservations_.end()) return touch_unreserved(owner, mapping, offset_bytes, length_bytes, pattern, write);
  const Reservation hooks = reserved->second;  // copied: the hooks may touch (another group's) memory
  hooks.make_room(length_bytes);
  auto cost = touch_unreserved(owner, mapping, offset_bytes, length_bytes, pattern, write);
  hooks.settle();
  return cost;
}

std::optional<mm::TouchCost> HostMemory::touch_unreserved(mm::OwnerId owner, mm::MappingId mapping,
                                                          std::uint64_t offset_bytes, std::uint64_t length_bytes,
                                                          mm::AccessPattern pattern, bool write) {
  mm::TouchCost total;
  // Each retry follows a kill, so this ends after at most one attempt per process.
  for (std::size_t attempt = 0; attempt <= processes_.size(); ++attempt) {
    mm::TouchCost c = manager_.touch(mapping, offset_bytes, length_bytes, pattern, write);
    check();
    bool oom = c.out_of_memory;
    const std::optional<mm::GroupId> group = c.oom_group;
    c.out_of_memory = false;
    c.oom_group.reset();
    add_cost(total, c);
    fault_waits_ += c.fault_waits;
    if (!oom)
      return total;
    if (!kill_for(owner, group))
      return std::nullopt;
  }
  throw std::logic_error("touch still out of memory after the OOM killer ran out of victims");
}

void HostMemory::pay(const mm::TouchCost& cost, std::vector<analysis::Interval>& stalls) {
  const double begin_s = sg4::Engine::get_clock();
  // Pushed open (end < begin) first, so a stall cut by the horizon is still recorded.
  const std::size_t slot = stalls.size();
  stalls.push_back({begin_s, -1});
  const std::uint64_t read_bytes = cost.file_read_bytes + cost.swap_in_bytes;
  // Direct-reclaim writes are swap-outs (and, in this model, dirty file pages, which take the same
  // per-page pageout path in the kernel).
  const std::uint64_t swap_pages = (cost.swap_in_bytes + cost.direct_write_bytes) / manager_.page_bytes();
  const double swap_cpu_s = swap_page_cpu_cost_s_ > 0 ? static_cast<double>(swap_pages) * swap_page_cpu_cost_s_ : 0;
  if (read_bytes > 0 || cost.direct_write_bytes > 0) {
    const Platform& platform = platform_;
    const std::uint64_t waits = cost.fault_waits, write_bytes = cost.direct_write_bytes;
    in_io_actor(platform, [&platform, read_bytes, waits, swap_cpu_s, write_bytes] {
      ssd_read(platform, read_bytes, waits);
      if (swap_cpu_s > 0)
        sg4::this_actor::sleep_for(swap_cpu_s);
      if (write_bytes > 0)
        platform.ssd->write(write_bytes);
    });
  } else {
    ssd_read(platform_, 0, cost.fault_waits);
    if (swap_cpu_s > 0)
      sg4::this_actor::sleep_for(swap_cpu_s);
  }
  if (cost.high_throttle_s > 0)
    sg4::this_actor::sleep_for(cost.high_throttle_s);  // memory.high: mem_cgroup_handle_over_high
  if (cost.background_write_bytes > 0) {
    sg4::Disk* ssd = platform_.ssd;
    std::uint64_t bytes = cost.background_write_bytes;
    start_io_actor(platform_, "kswapd-writeback", platform_.cpu, [ssd, bytes] { ssd->write(bytes); });
  }
  const double end_s = sg4::Engine::get_clock();
  if (end_s > begin_s)
    stalls[slot].end_s = end_s;
  else
    stalls.pop_back();
  // Zero fill after the stall: the kernel does not count it in PSI memory (no reclaim, no I/O wait).
  const std::uint64_t zero_pages = cost.zero_fill_bytes / manager_.page_bytes();
  if (zero_pages > 0 && zero_fill_cost_s_ > 0)
    sg4::this_actor::sleep_for(static_cast<double>(zero_pages) * zero_fill_cost_s_);
}

void HostMemory::read_from_ssd(std::uint64_t bytes, std::uint64_t waits) {
  if (bytes == 0) {
    ssd_read(platform_, 0, waits);
    return;
  }
  const Platform& platform = platform_;
  in_io_actor(platform, [&platform, bytes, waits] { ssd_read(platform, bytes, waits); });
}

void HostMemory::check() const {
  if (!checking_)
    return;
  const bool page_laws = ++events_since_page_laws_ * kPageLawEventsPerInterval >= manager_.interval_count();
  manager_.check_invariants(page_laws);
  if (page_laws)
    events_since_page_laws_ = 0;
}

void HostMemory::check_all() const {
  if (checking_)
    manager_.check_invariants();
}

analysis::MemoryResult HostMemory::result() const {
  const mm::MemoryStats s = manager_.stats();
  const std::uint64_t page = manager_.page_bytes();
  analysis::MemoryResult r;
  r.total_bytes = ram_bytes_;
  r.peak_file_bytes = s.peak_file_frames * page;
  r.peak_anon_bytes = s.peak_anon_frames * page;
  r.peak_unevictable_bytes = s.peak_unevictable_frames * page;
  r.peak_swap_bytes = s.peak_swap_slots_used * page;
  r.major_faults = s.major_faults;
  r.file_read_bytes = s.file_read_bytes;
  r.read_requests = s.read_requests;
  r.fault_waits = fault_waits_;
  r.swap_in_bytes = s.swap_in_bytes;
  r.swap_out_bytes = s.swap_out_bytes;
  r.writeback_bytes = s.writeback_bytes;
  r.direct_reclaim_pages = s.direct_reclaim_pages;
  r.kswapd_reclaim_pages = s.kswapd_reclaim_pages;
  r.oom_kills = s.oom_kills;
  r.refault_file_bytes = s.refault_file_pages * page;
  r.refault_anon_bytes = s.refault_anon_pages * page;
  const mm::Watermarks& w = manager_.watermarks();
  r.watermark_min_bytes = w.min_pages * page;
  r.watermark_low_bytes = w.low_pages * page;
  r.watermark_high_bytes = w.high_pages * page;
  return r;
}

}  // namespace headroom::engine
