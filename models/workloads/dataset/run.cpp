// kind: dataset: the engine side (compiled into hr_engine). One SimGrid actor processes the corpus
// chunk by chunk, epoch after epoch. Per chunk:
//   stream  touch the chunk of the file (read(): page cache, sequential, readahead); in the first
//           epoch, grow the dedup table (anonymous, written) to dedup_bytes(bytes read so far);
//   load    first epoch: touch the file chunk and write the same bytes of the anonymous copy, grow
//           the dedup table; later epochs: read the copy's chunk;
//   random  ceil(chunk / record) records drawn uniformly over the corpus's records (a
//           std::mt19937_64 seeded with scenario seed + workload index; with replacement, which
//           over a corpus larger than memory hits at the resident fraction as a shuffled epoch
//           does) touched in the mapped file, random pattern (no madvise: the kernel's mmap
//           read-around reads the readahead window around each miss until more than 100 net
//           misses switch it off, sim/mm/memory_manager.cpp);
// then HostMemory::pay for the faults and reclaim (the memory stall), then the chunk's CPU
// (chunk / process_rate of the whole CPU) with the touched bytes over the memory bus, one activity.
// I/O and CPU run in sequence (a tokenizer that waits for its reads). After the last epoch it
// finishes: its anonymous memory is freed, the corpus's pages stay in the page cache.
#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/access_pattern.hpp"
#include "models/workloads/common/step_run.hpp"
#include "models/workloads/dataset/result.hpp"
#include "models/workloads/dataset/spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::models {
namespace {

using config::DatasetMode;
using config::DatasetSpec;
using engine::WorkloadContext;

class Dataset {
 public:
  Dataset(WorkloadContext& ctx, const DatasetSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), page_(ctx.memory.page_bytes()),
        rng_(ctx.scenario.seed + ctx.index), data_(std::make_shared<DatasetData>()) {
    data_->mode = config::to_string(spec.mode);
    data_->size_bytes = spec.size_bytes;
    data_->epochs = spec.epochs;
    ctx.result.data = data_;
  }

  static void register_process(const std::shared_ptr<Dataset>& self) { self->owner_ = self->ctx_.add_process({}); }

  void run() {
    map_regions();
    data_->start_s = sg4::Engine::get_clock();
    for (std::uint64_t epoch = 0; epoch < spec_.epochs; ++epoch) {
      for (std::uint64_t offset = 0; offset < spec_.size_bytes; offset += spec_.chunk_bytes)
        if (!memory_.alive(owner_) || ctx_.stopping() ||
            !chunk(epoch, offset, std::min(spec_.chunk_bytes, spec_.size_bytes - offset))) {
          ctx_.idle();
          return;
        }
      data_->epoch_end_s.push_back(sg4::Engine::get_clock());
    }
    ctx_.idle();
    finish();
  }

 private:
  void map_regions() {
    const mm::FileUse use = spec_.mode == DatasetMode::random ? mm::FileUse::mapped : mm::FileUse::read;
    file_ = memory_.map_file(owner_, memory_.file(spec_.file, spec_.size_bytes), use);
    if (spec_.mode == DatasetMode::load)
      copy_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":corpus", spec_.size_bytes);
    const std::uint64_t dedup = spec_.dedup_bytes(spec_.size_bytes);
    if (dedup > 0) dedup_ = memory_.map(owner_, mm::Backing::anon, spec_.name + ":dedup", dedup);
  }

  bool touch(mm::MappingId mapping, std::uint64_t offset, std::uint64_t length, mm::AccessPattern pattern, bool write,
             mm::TouchCost& total) {
    if (length == 0) return true;
    const auto cost = memory_.touch(owner_, mapping, offset, length, pattern, write);
    if (!cost) return false;
    engine::add_cost(total, *cost);
    return true;
  }

  // The dedup table grows to its size after `read_bytes` (first epoch), page-rounded.
  bool grow_dedup(std::uint64_t read_bytes, mm::TouchCost& cost) {
    if (!dedup_) return true;
    const std::uint64_t want = std::min(workloads::round_up_to_page(spec_.dedup_bytes(read_bytes), page_),
                                        workloads::round_up_to_page(spec_.dedup_bytes(spec_.size_bytes), page_));
    if (want <= data_->dedup_bytes) return true;
    if (!touch(*dedup_, data_->dedup_bytes, want - data_->dedup_bytes, mm::AccessPattern::sequential, true, cost))
      return false;
    data_->dedup_bytes = want;
    return true;
  }

  bool random_records(std::uint64_t length, mm::TouchCost& cost) {
    const std::uint64_t record = spec_.record_bytes, records = spec_.size_bytes / record;
    for (std::uint64_t done = 0; done < length; done += record) {
      const auto index = std::min(records - 1, static_cast<std::uint64_t>(uniform01(rng_) * double(records)));
      if (!touch(*file_, index * record, record, mm::AccessPattern::random, false, cost)) return false;
    }
    return true;
  }

  // The touches of one chunk, by mode (the header's list).
  bool chunk_touches(std::uint64_t epoch, std::uint64_t offset, std::uint64_t length, mm::TouchCost& cost,
                     std::uint64_t& bus_bytes) {
    bus_bytes = length;
    switch (spec_.mode) {
      case DatasetMode::stream:
        return touch(*file_, offset, length, mm::AccessPattern::sequential, false, cost) &&
               (epoch > 0 || grow_dedup(offset + length, cost));
      case DatasetMode::load:
        if (epoch > 0) return touch(*copy_, offset, length, mm::AccessPattern::sequential, false, cost);
        bus_bytes = 2 * length;  // the copy: read from the page cache, written to the buffer
        return touch(*file_, offset, length, mm::AccessPattern::sequential, false, cost) &&
               touch(*copy_, offset, length, mm::AccessPattern::sequential, true, cost) &&
               grow_dedup(offset + length, cost);
      case DatasetMode::random:
        return random_records(length, cost);
    }
    return false;
  }

  bool chunk(std::uint64_t epoch, std::uint64_t offset, std::uint64_t length) {
    ctx_.busy();
    mm::TouchCost cost;
    std::uint64_t bus_bytes = 0;
    if (!chunk_touches(epoch, offset, length, cost, bus_bytes)) return false;
    memory_.pay(cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_)) return false;
    const double flops = static_cast<double>(length) / spec_.process_rate_Bps * ctx_.host.cpu_flops;
    engine::run_on_bus(ctx_.platform, ctx_.platform.cpu, flops, static_cast<double>(bus_bytes));
    if (!memory_.alive(owner_)) return false;
    data_->processed_bytes += length;
    workloads::sample_peak_rss(ctx_, owner_, data_->peak_resident_bytes);
    return true;
  }

  void finish() {
    if (!memory_.alive(owner_) || ctx_.stopping()) return;
    workloads::mark_finished(ctx_, *data_);
  }

  WorkloadContext& ctx_;
  const DatasetSpec& spec_;
  engine::HostMemory& memory_;
  const std::uint64_t page_;
  std::mt19937_64 rng_;
  std::shared_ptr<DatasetData> data_;
  mm::OwnerId owner_ = 0;
  std::optional<mm::MappingId> file_, copy_, dedup_;
};

}  // namespace
}  // namespace headroom::models

namespace headroom::workloads::dataset {

void start(engine::WorkloadContext& ctx) {
  start_one_actor<models::Dataset, config::DatasetSpec>(ctx, "dataset", "DatasetSpec");
}

}  // namespace headroom::workloads::dataset
