// kind: process: the engine side (compiled into hr_engine). One SimGrid actor per process runs
// steps in a loop:
//   1. the footprint at this step's time (ProcessSpec::footprint_at, page-rounded): growth touches
//      the new pages (anonymous: written, zero-filled; file: read, sequentially); shrinking
//      discards the range given up (anonymous frames and swap slots freed, file pages dropped);
//   2. the access pattern's touches over the current footprint, seen as one range (the anonymous
//      part first, then the file part), split at the boundary into the two mappings;
//   3. HostMemory::pay for the faults and reclaim (a memory stall), then the step's CPU
//      (cpu_per_step on the host's CPU alone, or flops_per_step) and its resident bytes over the
//      memory bus, as one activity;
//   4. the step's period ends at max(its start + 1 / steps_per_s, the end of its work): a late step
//      is never skipped and never caught up, the achieved rate drops to 1 / step time.
// After work_steps steps the process finishes (WorkloadContext::finished frees its memory; file
// pages stay in the page cache, as the kernel keeps them). At stop_at it returns at its next step.
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/access_pattern.hpp"
#include "models/workloads/common/step_run.hpp"
#include "models/workloads/process/result.hpp"
#include "models/workloads/process/spec.hpp"
#include "sim/checked.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::models {

namespace {

using config::ProcessSpec;
using engine::WorkloadContext;

class Process {
 public:
  Process(WorkloadContext& ctx, const ProcessSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), page_(ctx.memory.page_bytes()),
        rng_(ctx.scenario.seed + ctx.index), data_(std::make_shared<ProcessData>()) {
    data_->asked_steps_per_s = spec.steps_per_s;
    data_->work_steps = spec.work_steps;
    data_->pattern = config::to_string(spec.access.kind);
    data_->sampled = spec.access.sampled();
    // pages x page may pass the range (the pattern clips to it) or even 2^64 (saturated: a step
    // can never touch more than the whole range anyway).
    data_->step_bytes = spec.bytes_per_step > 0
                            ? spec.bytes_per_step
                            : checked_mul(spec.pages_per_step, page_).value_or(std::numeric_limits<std::uint64_t>::max());
    ctx.result.data = data_;
  }

  // An OOM kill needs nothing of the process itself: the context marks the workload oom-killed
  // and closes its busy interval.
  static void register_process(const std::shared_ptr<Process>& self) { self->owner_ = self->ctx_.add_process({}); }

  void run() {
    map_regions();
    data_->start_s = sg4::Engine::get_clock();
    while (memory_.alive(owner_) && !ctx_.stopping() &&
           (spec_.work_steps == 0 || data_->steps_done < spec_.work_steps))
      if (!step()) break;
    ctx_.idle();
    if (memory_.alive(owner_) && !ctx_.stopping() && spec_.work_steps > 0 && data_->steps_done == spec_.work_steps)
      finish();
  }

 private:
  void map_regions() {
    const config::Footprint peak = spec_.peak();
    if (peak.anon_bytes > 0) anon_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":anon", peak.anon_bytes);
    if (!spec_.file) return;
    // One page-cache copy per file name, shared with every workload naming it; read() pages are
    // not in the process's RSS (OOM badness), mmapped ones are.
    file_ = memory_.map_file(owner_, ctx_.file(spec_.file->name, spec_.file->size_bytes),
                             spec_.file->use == config::FileUse::read ? mm::FileUse::read : mm::FileUse::mapped);
    if (spec_.access.advice == config::AccessAdvice::random)  // madvise(MADV_RANDOM): no read-around
      memory_.manager().set_advice(*file_, mm::Advice::random);
  }

  // The footprint now, in whole pages (the file range never past the file).
  config::Footprint footprint_now() const {
    const config::Footprint f = spec_.footprint_at(sg4::Engine::get_clock() - data_->start_s);
    const std::uint64_t file_size = spec_.file ? workloads::round_up_to_page(spec_.file->size_bytes, page_) : 0;
    return {workloads::round_up_to_page(f.anon_bytes, page_), std::min(workloads::round_up_to_page(f.file_bytes, page_), file_size)};
  }

  // Touches [offset, offset + length) of one mapping, adding its cost; false when this process died.
  bool touch(std::optional<mm::MappingId> mapping, std::uint64_t offset, std::uint64_t length,
             mm::AccessPattern pattern, bool write, mm::TouchCost& total) {
    if (length == 0) return true;
    const auto cost = memory_.touch(owner_, *mapping, offset, length, pattern, write);
    if (!cost) return false;
    engine::add_cost(total, *cost);
    data_->touched_bytes += length;
    return true;
  }

  // Growth faults in the new range; shrinking only stops touching it.
  bool resize(const config::Footprint& now, mm::TouchCost& total) {
    if (now.anon_bytes > current_.anon_bytes &&
        !touch(anon_, current_.anon_bytes, now.anon_bytes - current_.anon_bytes, mm::AccessPattern::sequential, true,
               total))
      return false;
    if (now.file_bytes > current_.file_bytes &&
        !touch(file_, current_.file_bytes, now.file_bytes - current_.file_bytes, mm::AccessPattern::sequential,
               spec_.access.write, total))
      return false;
    // Shrinking frees the range given up (free() of anonymous memory; for the file, the pages
    // leave the page cache as after FADV_DONTNEED).
    if (current_.anon_bytes > now.anon_bytes) memory_.discard(*anon_, now.anon_bytes, current_.anon_bytes - now.anon_bytes);
    if (current_.file_bytes > now.file_bytes) memory_.discard(*file_, now.file_bytes, current_.file_bytes - now.file_bytes);
    data_->shrunk_bytes += (current_.anon_bytes > now.anon_bytes ? current_.anon_bytes - now.anon_bytes : 0) +
                           (current_.file_bytes > now.file_bytes ? current_.file_bytes - now.file_bytes : 0);
    current_ = now;
    data_->peak_anon_bytes = std::max(data_->peak_anon_bytes, now.anon_bytes);
    data_->peak_file_bytes = std::max(data_->peak_file_bytes, now.file_bytes);
    return true;
  }

  // The pattern's touches over [anon part | file part], split at the boundary.
  bool access(mm::TouchCost& total) {
    const std::uint64_t anon = current_.anon_bytes, range = anon + current_.file_bytes;
    const bool write = spec_.access.write;
    for (const Touch& t : step_touches(spec_.access, range, page_, data_->step_bytes, state_, rng_)) {
      const std::uint64_t end = t.offset_bytes + t.length_bytes;
      if (t.offset_bytes < anon &&
          !touch(anon_, t.offset_bytes, std::min(end, anon) - t.offset_bytes, t.pattern, write, total))
        return false;
      if (end > anon) {
        const std::uint64_t begin = std::max(t.offset_bytes, anon);
        if (!touch(file_, begin - anon, end - begin, t.pattern, write, total)) return false;
      }
    }
    return true;
  }

  // One step; false when the process died in it.
  bool step() {
    const double begin_s = sg4::Engine::get_clock();
    ctx_.busy();
    mm::TouchCost cost;
    if (!resize(footprint_now(), cost) || !access(cost)) return false;
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    const double flops =
        spec_.flops_per_step > 0 ? spec_.flops_per_step : spec_.cpu_per_step_s * ctx_.host.cpu_flops;
    engine::run_on_bus(ctx_.platform, ctx_.platform.cpu, flops, static_cast<double>(cost.hit_bytes));
    if (!memory_.alive(owner_)) return false;
    workloads::sample_peak_rss(ctx_, owner_, data_->peak_resident_bytes);
    ++data_->steps_done;  // its work is done; its period may still run
    const double period_end_s = begin_s + 1.0 / spec_.steps_per_s;
    if (sg4::Engine::get_clock() < period_end_s) {
      ctx_.idle();  // ahead of the asked rate: idle until the next step is due
      sg4::this_actor::sleep_until(period_end_s);
    }
    workloads::note_step_end(*data_);
    return true;
  }

  // Done: the context frees the memory, marks it finished and releases its dependants.
  void finish() {
    data_->finished = true;
    data_->finish_s = sg4::Engine::get_clock();
    anon_.reset();
    file_.reset();
    ctx_.finished();
  }

  WorkloadContext& ctx_;
  const ProcessSpec& spec_;
  engine::HostMemory& memory_;
  const std::uint64_t page_;
  std::mt19937_64 rng_;
  std::shared_ptr<ProcessData> data_;
  AccessState state_;
  config::Footprint current_;  // the footprint made so far (page-rounded)
  mm::OwnerId owner_ = 0;
  std::optional<mm::MappingId> anon_, file_;
};

}  // namespace
}  // namespace headroom::models

namespace headroom::workloads::process {

void start(engine::WorkloadContext& ctx) {
  start_one_actor<models::Process, config::ProcessSpec>(ctx, "process", "ProcessSpec");
}

}  // namespace headroom::workloads::process
