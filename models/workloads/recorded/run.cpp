// kind: recorded: the engine side (compiled into hr_engine). One SimGrid actor replays the series:
// at each sample's time (seconds after the workload starts, time_scale applied) it
//   1. grows or shrinks to the sample's footprint (page-rounded): growth touches the new pages once
//      (anonymous: written, zero-filled; file: read sequentially from the SSD); shrinking discards
//      the range given up (anonymous frames and swap slots freed; file pages dropped);
//   2. with access: resident, re-touches the whole footprint once, sequentially (the stated
//      assumption, spec.hpp): what was reclaimed comes back (swap-in, file re-read);
//   3. pays the faults and reclaim (a memory stall), then the touched resident bytes over the
//      memory bus (no CPU work: the series records memory, not compute);
//   4. waits for the next sample's time; a step that ends after it is late (counted, never
//      skipped: the next step starts at once).
// After the last sample it holds (the same step every mean interval) or exits (at_end). Under
// pressure the memory manager decides: reclaim, swap, or the OOM killer, whose kill ends it.
#include <algorithm>
#include <memory>
#include <optional>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/step_run.hpp"
#include "models/workloads/recorded/result.hpp"
#include "models/workloads/recorded/spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::models {
namespace {

using config::RecordedSpec;
using engine::WorkloadContext;

class Recorded {
 public:
  Recorded(WorkloadContext& ctx, const RecordedSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), page_(ctx.memory.page_bytes()),
        data_(std::make_shared<RecordedData>()) {
    data_->series = spec.series;
    data_->format = spec.format;
    data_->access = spec.access == config::RecordedAccess::resident ? "resident" : "growth";
    data_->series_samples = spec.series_samples;
    data_->skipped_rows = spec.skipped_rows;
    data_->steps_in_horizon = spec.steps.size();
    ctx.result.data = data_;
  }

  static void register_process(const std::shared_ptr<Recorded>& self) { self->owner_ = self->ctx_.add_process({}); }

  void run() {
    map_regions();
    data_->start_s = sg4::Engine::get_clock();
    for (std::size_t i = 0; i < spec_.steps.size(); ++i) {
      if (!wait_until(data_->start_s + spec_.steps[i].at_s) || !step(spec_.steps[i])) return;
      ++data_->samples_replayed;
      note_lateness(i);
    }
    if (spec_.at_end == config::RecordedEnd::exit) {
      ctx_.idle();
      anon_.reset();
      file_.reset();
      workloads::mark_finished(ctx_, *data_);
      return;
    }
    hold();
  }

 private:
  void map_regions() {
    if (spec_.peak_anon_bytes > 0)
      anon_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":anon", spec_.peak_anon_bytes);
    if (spec_.peak_file_bytes == 0) return;
    file_id_ = ctx_.file(spec_.file_name, spec_.peak_file_bytes);
    file_ = memory_.map_file(owner_, *file_id_, spec_.file_mapped ? mm::FileUse::mapped : mm::FileUse::read);
  }

  bool alive() const { return memory_.alive(owner_) && !ctx_.stopping(); }

  // Idles until `time_s` (at once when it has passed); false when the workload ended meanwhile.
  bool wait_until(double time_s) {
    if (sg4::Engine::get_clock() < time_s) {
      ctx_.idle();
      sg4::this_actor::sleep_until(time_s);
    }
    return alive();
  }

  // The next sample's time has passed when this one's work ends: late by the difference.
  void note_lateness(std::size_t i) {
    if (i + 1 >= spec_.steps.size()) return;
    const double lag_s = sg4::Engine::get_clock() - (data_->start_s + spec_.steps[i + 1].at_s);
    if (lag_s <= 0) return;
    ++data_->late_samples;
    data_->max_lag_s = std::max(data_->max_lag_s, lag_s);
  }

  // Touches [offset, offset + length) of one mapping; false when this workload died.
  bool touch(const std::optional<mm::MappingId>& mapping, std::uint64_t offset, std::uint64_t length, bool write,
             mm::TouchCost& total) {
    if (length == 0) return true;
    const auto cost = memory_.touch(owner_, *mapping, offset, length, mm::AccessPattern::sequential, write);
    if (!cost) return false;
    engine::add_cost(total, *cost);
    return true;
  }

  bool resize(const config::RecordedStep& target, mm::TouchCost& cost) {
    const std::uint64_t anon = workloads::round_up_to_page(target.anon_bytes, page_);
    const std::uint64_t file = workloads::round_up_to_page(target.file_bytes, page_);
    if (anon > anon_bytes_ && !touch(anon_, anon_bytes_, anon - anon_bytes_, true, cost)) return false;
    if (file > file_bytes_ && !touch(file_, file_bytes_, file - file_bytes_, false, cost)) return false;
    if (anon < anon_bytes_) memory_.discard(*anon_, anon, anon_bytes_ - anon);
    if (file < file_bytes_) memory_.discard(*file_, file, file_bytes_ - file);
    grown_anon_ = anon > anon_bytes_ ? anon - anon_bytes_ : 0;
    grown_file_ = file > file_bytes_ ? file - file_bytes_ : 0;
    anon_bytes_ = anon;
    file_bytes_ = file;
    data_->peak_anon_bytes = std::max(data_->peak_anon_bytes, anon);
    data_->peak_file_bytes = std::max(data_->peak_file_bytes, file);
    return true;
  }

  // The access assumption: the part not touched by growth this step, once, in order.
  bool retouch(mm::TouchCost& cost) {
    if (spec_.access != config::RecordedAccess::resident) return true;
    return touch(anon_, 0, anon_bytes_ - grown_anon_, false, cost) &&
           touch(file_, 0, file_bytes_ - grown_file_, false, cost);
  }

  // One sample's step; false when the workload died in it.
  bool step(const config::RecordedStep& target) {
    ctx_.busy();
    mm::TouchCost cost;
    if (!resize(target, cost) || !retouch(cost)) return false;
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!alive()) return false;
    engine::run_on_bus(ctx_.platform, ctx_.platform.cpu, 0.0, static_cast<double>(cost.hit_bytes));
    if (!alive()) return false;
    workloads::sample_peak_rss(ctx_, owner_, data_->peak_resident_bytes);
    record_point();
    return true;
  }

  void record_point() {
    const mm::OwnerMemory m = memory_.manager().owner_memory(owner_);
    RecordedData::Point p;
    p.time_s = sg4::Engine::get_clock() - data_->start_s;
    p.anon_bytes = anon_bytes_;
    p.file_bytes = file_bytes_;
    p.anon_resident_bytes = m.anon_bytes;
    p.file_resident_bytes = file_id_ ? memory_.manager().file_resident_bytes(*file_id_) : 0;
    p.swap_bytes = m.swap_bytes;
    data_->points.push_back(p);
  }

  // After the last sample: the same footprint, re-touched every mean interval, to the end.
  void hold() {
    const config::RecordedStep last = spec_.steps.back();
    double next_s = data_->start_s + last.at_s + spec_.hold_period_s;
    // No sleep past the horizon (a period of hours, or infinite with a huge time_scale).
    while (next_s < ctx_.scenario.duration_s && wait_until(next_s) && step(last)) {
      ++data_->hold_steps;
      next_s += spec_.hold_period_s;
    }
    ctx_.idle();  // the last step's work is done: not busy to the horizon
  }

  WorkloadContext& ctx_;
  const RecordedSpec& spec_;
  engine::HostMemory& memory_;
  const std::uint64_t page_;
  std::shared_ptr<RecordedData> data_;
  mm::OwnerId owner_ = 0;
  std::optional<mm::MappingId> anon_, file_;
  std::optional<mm::FileId> file_id_;
  std::uint64_t anon_bytes_ = 0, file_bytes_ = 0;  // the footprint reached (page-rounded)
  std::uint64_t grown_anon_ = 0, grown_file_ = 0;  // touched by this step's growth
};

}  // namespace
}  // namespace headroom::models

namespace headroom::workloads::recorded {

void start(engine::WorkloadContext& ctx) {
  start_one_actor<models::Recorded, config::RecordedSpec>(ctx, "recorded", "RecordedSpec");
}

}  // namespace headroom::workloads::recorded
