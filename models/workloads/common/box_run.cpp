// kind: container / vm: the engine side (hr_engine). One actor per box:
// - container: one process in the box's group holding `overhead` of anonymous memory (written once
//   at start); the group's other workloads are ordinary workloads with `group: <box>`.
// - vm: the same process for the guest kernel (`overhead`, inside the guest's RAM) plus the
//   reservation: a host process in the root group holding an anonymous region of the guest's
//   free RAM, kept at max(0, ram - guest usage) so that the host holds max(ram, guest usage) = ram
//   (the guest cannot use more than ram, its group's memory.max). A guest that frees memory does
//   not give it back: the reservation grows again (the pages stay the VM's).
//   Balloon: once the host is under pressure (its free frames below the low watermark, or kswapd
//   reclaimed since the last check), the balloon inflates for the rest of the run: the
//   reservation is kept at max(0, min - guest usage) instead, handing the guest's free RAM back
//   down to a guest of `min` bytes. It only takes free guest RAM (a guest above min keeps its
//   pages); see models/README.md for where this differs from virtio-balloon.
// Every kBoxPeriod_s (and at the horizon) the actor re-sizes the reservation and records the
// group's memory.peak and its OOM events in BoxData.
#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/box.hpp"
#include "models/workloads/common/box_result.hpp"
#include "models/workloads/common/box_spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::workloads {
namespace {

// How often the box looks at its group: the reservation follows the guest within this period (a
// guest growing faster briefly holds host memory beside the full reservation), and the balloon
// reacts to host pressure within it. 100 ms of simulated time: 6,000 checks per 10 minutes.
constexpr double kBoxPeriod_s = 0.1;

using engine::WorkloadContext;

class Box {
 public:
  Box(WorkloadContext& ctx, const BoxSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), page_(ctx.memory.page_bytes()),
        data_(std::make_shared<BoxData>()) {
    const config::GroupSpec& g = *spec.provides_group;
    data_->vm = spec.vm;
    data_->max_bytes = g.max_bytes;
    data_->high_bytes = g.high_bytes;
    data_->swap_max_bytes = g.swap_max_bytes;
    data_->min_bytes = g.min_bytes;
    data_->low_bytes = g.low_bytes;
    data_->overhead_bytes = spec.overhead_bytes;
    data_->private_page_cache = g.private_page_cache;
    data_->ram_bytes = spec.ram_bytes;
    data_->balloon_min_bytes = spec.balloon_min_bytes;
    ctx.result.data = data_;
    group_ = find_group(spec.name);
  }

  void set_self(const std::shared_ptr<Box>& self) { self_ = self; }

  void run() {
    if (!begin()) return;
    while (alive() && !ctx_.stopping()) {
      const double next_s = std::min(sg4::Engine::get_clock() + kBoxPeriod_s, ctx_.scenario.duration_s);
      sg4::this_actor::sleep_until(next_s);
      if (!alive() || ctx_.stopping()) break;
      if (spec_.vm && !resize_reservation(true)) break;
      sample();
      if (next_s >= ctx_.scenario.duration_s) break;
    }
    sample();
  }

 private:
  mm::GroupId find_group(const std::string& name) const {
    const mm::MemoryManager& m = memory_.manager();
    for (mm::GroupId g = 1; g < m.group_count(); ++g)
      if (m.group_name(g) == name) return g;
    throw std::logic_error("box '" + name + "' has no group (the loader adds it to the scenario's groups)");
  }

  bool alive() const { return memory_.alive(kernel_) && (!spec_.vm || memory_.alive(reserver_)); }

  // The processes, the overhead written, the reservation taken; false when the box died doing it.
  bool begin() {
    if (spec_.vm) reserver_ = ctx_.add_process({});  // a host process: the root group
    ctx_.group = group_;
    kernel_ = ctx_.add_process({});
    ctx_.busy();
    mm::TouchCost cost;
    if (spec_.overhead_bytes > 0) {
      const mm::MappingId overhead = memory_.map(kernel_, mm::Backing::anon, spec_.name + ":overhead", spec_.overhead_bytes);
      const auto c = memory_.touch(kernel_, overhead, 0, spec_.overhead_bytes, mm::AccessPattern::sequential, true);
      if (!c) return false;
      engine::add_cost(cost, *c);
    }
    memory_.pay(cost, ctx_.result.memory_stall);
    if (spec_.vm) {
      kswapd_seen_ = memory_.manager().stats().kswapd_reclaim_pages;  // pressure before the VM is not its own
      reservation_ = memory_.map(reserver_, mm::Backing::anon, spec_.name + ":reserved", spec_.ram_bytes);
      if (!resize_reservation(true)) return false;
      data_->reserved_at_start_bytes = held_bytes_;
      // The hooks keep the box alive: guest processes may touch after the VM's actor ended (a VM
      // stopped or killed); its hooks then do nothing (alive() is false).
      const std::shared_ptr<Box> self = self_.lock();
      memory_.set_reservation(group_, [self](std::uint64_t bytes) { self->make_room(bytes); },
                              [self] { self->resize_reservation(false); });
    }
    ctx_.idle();
    sample();
    return alive();
  }

  std::uint64_t guest_usage_bytes() const { return memory_.manager().group_stats(group_).usage_pages * page_; }

  // The host is under pressure: free frames below the low watermark now, or kswapd reclaimed since
  // the last check (it restores `high` within the operation that woke it).
  bool host_pressure() {
    const mm::MemoryStats s = memory_.manager().stats();
    const bool pressure = s.free_frames < memory_.manager().watermarks().low_pages || s.kswapd_reclaim_pages > kswapd_seen_;
    kswapd_seen_ = s.kswapd_reclaim_pages;
    return pressure;
  }

  // Before a guest's touch of `bytes`: the reservation gives up as much (the most the touch may
  // allocate), so the host never holds both; settle() takes back what the touch did not use.
  void make_room(std::uint64_t bytes) {
    if (!alive()) return;
    const std::uint64_t room = std::min(reserved_, (bytes + page_ - 1) / page_ * page_);
    memory_.discard(*reservation_, reserved_ - room, room);
    reserved_ -= room;
  }

  // The reservation at max(0, guest RAM - guest usage) in whole pages (the group's memory.max is
  // ram rounded down to pages, as the kernel rounds). `pay`: the VM's own actor waits for any
  // reclaim its growth caused; after a guest's touch (settle) nobody does (growing back into the
  // frames the touch did not use costs nothing but zero fills). False when the VM was killed.
  bool resize_reservation(bool pay) {
    if (!alive()) return false;
    if (pay && spec_.balloon_min_bytes && !data_->balloon_inflated_s && host_pressure())
      data_->balloon_inflated_s = sg4::Engine::get_clock();
    const std::uint64_t usage = guest_usage_bytes();
    const auto free_below = [&](std::uint64_t ram_bytes) {
      const std::uint64_t ram = ram_bytes / page_ * page_;
      return ram > usage ? ram - usage : 0;
    };
    const std::uint64_t unballooned = free_below(spec_.ram_bytes);
    const std::uint64_t target = data_->balloon_inflated_s ? free_below(*spec_.balloon_min_bytes) : unballooned;
    data_->balloon_returned_bytes = std::max(data_->balloon_returned_bytes, unballooned - target);
    if (target < reserved_) {
      memory_.discard(*reservation_, target, reserved_ - target);
    } else if (target > reserved_) {
      const auto cost = memory_.touch(reserver_, *reservation_, reserved_, target - reserved_,
                                      mm::AccessPattern::sequential, true);
      if (!cost) return false;
      if (pay) memory_.pay(*cost, ctx_.result.memory_stall);
    }
    reserved_ = target;
    held_bytes_ = reserved_ + usage;
    data_->host_bytes_now = held_bytes_;
    data_->peak_host_bytes = std::max(data_->peak_host_bytes, held_bytes_);
    return alive();
  }

  void sample() {
    const mm::GroupStats g = memory_.manager().group_stats(group_);
    data_->peak_usage_bytes = std::max(data_->peak_usage_bytes, g.peak_usage_pages * page_);
    if (!spec_.vm) data_->peak_host_bytes = data_->peak_usage_bytes;
    data_->oom_kills_inside = g.events_oom_kill;
    data_->group_ooms = g.events_oom;
    ++data_->samples;
    ctx_.sample_memory();
  }

  WorkloadContext& ctx_;
  const BoxSpec& spec_;
  engine::HostMemory& memory_;
  const std::uint64_t page_;
  std::shared_ptr<BoxData> data_;
  mm::GroupId group_ = mm::kRootGroup;
  mm::OwnerId kernel_ = 0, reserver_ = 0;
  std::optional<mm::MappingId> reservation_;
  std::uint64_t reserved_ = 0;    // bytes of the reservation written (resident or swapped)
  std::uint64_t held_bytes_ = 0;  // reservation + guest usage at the last check
  std::uint64_t kswapd_seen_ = 0;
  std::weak_ptr<Box> self_;
};

}  // namespace

void start_box(WorkloadContext& ctx) {
  const auto* spec = dynamic_cast<const BoxSpec*>(&ctx.spec);
  if (!spec || !spec->provides_group)
    throw std::logic_error("workload '" + ctx.spec.name + "' has kind " + ctx.spec.kind + " but no BoxSpec");
  auto box = std::make_shared<Box>(ctx, *spec);
  box->set_self(box);
  engine::create_actor(ctx.platform, spec->name, ctx.platform.cpu, [box] { box->run(); });
}

}  // namespace headroom::workloads
