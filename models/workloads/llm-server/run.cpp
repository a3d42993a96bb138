// llm-server's behaviour (engine, hr_engine): an LLM inference server (llama.cpp server / vLLM style) with
// continuous batching, as one SimGrid actor.
//
// Memory: the weights are a file mapping (mmap: the page cache of the shared file spec.weights_file,
// cold at start unless another server of the same file warmed it; a page is charged to the group of
// the server that faulted it in, and stays cached when the server stops), an anonymous mapping
// (load: read once from the SSD, then swappable) or a wired region (Metal buffer on unified memory,
// counted against the GPU wired limit). The KV cache is one region of kv_budget_bytes split into
// max_batch slots of context x kv_bytes_per_token; a sequence holding L tokens uses the first
// L x kv_bytes_per_token bytes of its slot, and what was touched stays allocated (a KV pool).
//
// Time: each engine iteration prefills the newly admitted requests (one batched pass: 2 x
// active_params x prompt tokens FLOPs plus one pass over the weights, producing each request's first
// token), then runs one decode step for every running sequence (2 x active_params x batch FLOPs;
// the weights and every sequence's KV are read). A step first pays its page faults and reclaim on
// the SSD (HostMemory::pay), then runs one parallel task whose bus bytes are only the bytes that
// were resident: bytes that faulted in are paid as disk time, their DRAM read overlapping the next
// I/O, so counting them again on the bus would charge them twice. A mixture-of-experts model reads
// only the shared weights and the experts its tokens are routed to: the resident weight bytes on
// the bus are scaled by LlmSpec::weight_read_fraction(tokens in the step). For residency every
// expert counts as referenced each step (over a few steps every expert is used), so under memory
// pressure an MoE model faults like a dense one: pessimistic, stated.
//
// Device (issue 8, models/README.md "Devices and weights"): `device` defaults to the host's GPU when
// it has one. A unified-memory GPU computes on the weights where they are: `wired` and `load`
// (llama.cpp --no-mmap) put them in a wired Metal buffer; `mmap` (llama.cpp's default on a Mac) keeps
// them as file pages, counted with the KV (a wired buffer) against the GPU wired limit at start. A
// discrete GPU holds `gpu_layers` of the model's layers (weights and their KV) in its VRAM; the
// other layers stay in host RAM as `weights:` says, and a step runs CPU layers, activations over
// PCIe and GPU layers in sequence (engine::run_split_step). `lock` (--mlock) pins the host-side
// weights (a wired region read at start). The CPU device maps the weights as `weights:` says
// (`wired` = pinned).
//
// OOM: when the OOM killer picks this server (in another actor's touch), its memory is freed and
// its in-flight, queued and later requests fail at once; the activity it was running completes
// (a killed process does not release the bus instantly either), then the actor stops.
//
// Requests come from a RequestSource (models/workloads/common/request_source.hpp: Poisson, or a
// trace parsed at load time) into the server's queue, which it takes from between iterations. A
// replica (`arrivals: {router: NAME}`) has no source: its router sends requests into its inbox on
// the RouterPort (models/workloads/common/router_port.hpp); it makes a record as each one comes,
// waits on the inbox when idle, and reports admissions, first tokens, completions and losses (an
// OOM kill loses every unfinished request, which the router may retry elsewhere).
// Requests whose prompt + output exceed the context fail at arrival. The server serves until the
// horizon or its stop_at (it never calls finished(): a server stays up).
#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/request_source.hpp"
#include "models/workloads/common/router_port.hpp"
#include "models/workloads/llm-server/data.hpp"
#include "models/workloads/llm-server/prefix_cache.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "models/workloads/llm-server/speed_model.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/timeline.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::workloads::llm_server {

namespace {

using analysis::Cause;
using analysis::WorkloadStatus;
using engine::WorkloadContext;

struct Sequence {
  std::size_t record = 0;  // index in result.requests
  std::uint32_t slot = 0;
  std::uint32_t generated = 0;
  // prefix_cache: its KV blocks in token order (the first hit_tokens / block tokens were cached).
  std::vector<std::uint32_t> blocks;
  std::uint32_t hit_tokens = 0;
};

class LlmServer {
 public:
  LlmServer(WorkloadContext& ctx, const LlmServerSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), result_(*make_data(ctx)),
        source_(spec.arrivals, sg4::Engine::get_clock(), run_end_s(spec, ctx.scenario.duration_s),
                ctx.scenario.seed + ctx.index),
        kv_per_token_bytes_(spec.kv_bytes_per_token()),
        slot_stride_bytes_(static_cast<std::uint64_t>(spec.context_tokens) * spec.kv_bytes_per_token()),
        host_kv_per_token_bytes_(kv_per_token_bytes_), host_slot_stride_bytes_(slot_stride_bytes_),
        host_kv_bytes_(spec.kv_budget_bytes), host_weights_bytes_(spec.weights_bytes),
        slot_used_(std::max<std::uint32_t>(1, spec.max_batch), false) {
    result_.weights_bytes = spec.weights_bytes;
    result_.kv_budget_bytes = spec.kv_budget_bytes;
    result_.max_batch = std::max<std::uint32_t>(1, spec.max_batch);
    result_.trace_skips_bad_rows = spec.arrivals.trace_skips_bad_rows;
    result_.trace_failed_rows = spec.arrivals.trace_failed_rows;
    result_.trace_skipped_rows = spec.arrivals.trace_skipped_rows;
    if (spec.prefix_cache) {
      const auto blocks = static_cast<std::uint32_t>(spec.kv_budget_bytes / spec.prefix_block_bytes());
      prefix_.emplace(blocks, spec.prefix_block_tokens);
      result_.prefix.enabled = true;
      result_.prefix.block_tokens = spec.prefix_block_tokens;
      result_.prefix.blocks = blocks;
      result_.prefix.last_change_s = sg4::Engine::get_clock();
    }
    make_records();
    if (ctx_.timeline)
      ctx_.timeline->requests(ctx_.index, &result_.requests);
  }

  // The OOM killer may pick this process even after its actor ended (it still holds its memory),
  // so the callback shares ownership of the server.
  static void register_process(const std::shared_ptr<LlmServer>& self) {
    self->owner_ = self->ctx_.add_process([self] { self->on_oom_killed(); });
  }

  void run() {
    if (start()) {
      serve();
    }
    release_vram();
    ctx_.idle();
  }

 private:
  // ---- set-up -------------------------------------------------------------------------------

  static LlmServerData* make_data(WorkloadContext& ctx) {
    auto data = std::make_shared<LlmServerData>();
    ctx.result.data = data;
    return data.get();
  }

  void make_records() {
    result_.requests.reserve(source_.requests().size());
    for (const Request& arr : source_.requests()) {
      result_.requests.push_back(record_of(arr));
      prefix_ids_.push_back(arr.prefix_hashes);
    }
  }

  // A request's record as it arrives: failed at once when it cannot fit the context or the budget.
  analysis::RequestRecord record_of(const Request& arr) const {
    analysis::RequestRecord r;
    r.arrival_s = arr.arrival_s;
    r.prompt_tokens = arr.prompt_tokens;
    r.output_tokens = arr.output_tokens;
    const std::uint64_t tokens = std::uint64_t{arr.prompt_tokens} + arr.output_tokens;
    if (tokens > spec_.context_tokens)
      fail(r, Cause::context_too_long);
    else if (tokens * kv_per_token_bytes_ > spec_.kv_budget_bytes ||
             (prefix_ && prefix_->blocks_for(tokens) > prefix_->total_blocks()))
      fail(r, Cause::kv_budget);
    return r;
  }

 public:
  // ---- routed intake (a replica behind a router) ------------------------------------------------

  // Called once at start when the arrivals name a router: attaches to its port.
  void attach_router() {
    if (spec_.arrivals.kind != ArrivalSpec::Kind::router)
      return;
    port_ = RouterPort::of(ctx_, spec_.arrivals.router);
    port_slot_ = port_->attach(spec_.name, [this] { return memory_.alive(owner_) && !ctx_.stopping(); });
  }

 private:
  // The requests sent since the last call become records (refused ones reported lost at once) and
  // join the queue.
  void take_routed() {
    for (const RoutedRequest& sent : port_->take(port_slot_)) {
      const std::size_t record = result_.requests.size();
      result_.requests.push_back(record_of(sent.request));
      prefix_ids_.push_back(sent.request.prefix_hashes);
      routed_ids_.push_back(sent.id);
      const analysis::RequestRecord& r = result_.requests.back();
      if (r.failed)
        port_->lost(port_slot_, sent.id, r.failure, false, true);
      else
        queue_.push_back(record);
    }
  }

  // Idle: a replica waits for its router to send (or the horizon); a lone server sleeps until its
  // source's next arrival. False when nothing more will come.
  bool wait_for_requests() {
    if (port_) {
      port_->wait(port_slot_, ctx_.scenario.duration_s);
      return sg4::Engine::get_clock() < ctx_.scenario.duration_s;
    }
    const std::optional<double> next = source_.next_arrival_s();
    if (!next)
      return false;
    sg4::this_actor::sleep_until(*next);
    return true;
  }

  void report_first_token(std::size_t record, double now) {
    if (port_)
      port_->first_token(routed_ids_[record], now);
  }

  void report_completed(std::size_t record, double now) {
    if (port_)
      port_->completed(port_slot_, routed_ids_[record], now, result_.requests[record].generated_tokens);
  }

  // Killed or never started: the router hears that this replica is gone, then of each request it
  // held (already marked failed here), so it can send them elsewhere.
  void report_gone(const std::string& why, const std::vector<std::size_t>& lost_records) {
    if (!port_)
      return;
    port_->gone(port_slot_, why);
    for (std::size_t record : lost_records)
      port_->lost(port_slot_, routed_ids_[record], why, true, result_.requests[record].admitted_s < 0);
  }

  static void fail(analysis::RequestRecord& r, Cause why) {
    r.failed = true;
    r.failure = to_string(why);
  }

  // Maps the weights and the KV cache and loads the weights; false when the server cannot run.
  bool start() {
    const Device device = spec_.device.value_or(ctx_.host.has_gpu() ? Device::gpu : Device::cpu);
    if (device == Device::cpu)
      return start_on_cpu();
    if (!ctx_.host.has_gpu())
      return no_gpu();
    if (!ctx_.platform.gpus.empty())
      return start_discrete(ctx_.platform.gpus.front());
    return start_unified();
  }

  // The host's own CPU: weights as `weights:` says, `wired` (or `lock`) pinned in RAM.
  bool start_on_cpu() {
    const WeightsMode mode = spec_.lock ? WeightsMode::wired : spec_.weights_mode;
    if (!try_map(mode, mm::Backing::anon))
      return refuse_to_start();
    device_ = ctx_.platform.cpu;
    speed_ = cpu_speed();
    result_.device = "cpu";
    return load_weights(mode);
  }

  // A unified-memory GPU. wired, load (--no-mmap) and lock: one wired Metal buffer; mmap: file
  // pages the GPU reads in place, plus a wired KV buffer, the two counted against the wired limit.
  bool start_unified() {
    WeightsMode mode = spec_.weights_mode == WeightsMode::mmap && !spec_.lock ? WeightsMode::mmap : WeightsMode::wired;
    bool mapped = wired_fits() && (mode != WeightsMode::mmap || mapped_fits_beside_wired()) &&
                  try_map(mode, mm::Backing::wired);
    if (!mapped) {
      if (!spec_.wired_fallback_cpu)
        return refuse_to_start();
      mode = WeightsMode::mmap;  // llama.cpp without Metal offload: CPU compute on mmapped weights
      mapped = try_map(mode, mm::Backing::anon);
      ctx_.result.fell_back = true;
      ctx_.result.cause = Cause::wired_limit;
      ctx_.result.status_detail = "fell back to the CPU: weights " + std::to_string(spec_.weights_bytes) +
                              " bytes + KV " + std::to_string(spec_.kv_budget_bytes) +
                              " bytes exceed the GPU wired limit " +
                              std::to_string(ctx_.host.gpu_wired_limit_bytes) + " bytes";
      if (!mapped)
        return refuse_to_start();
      device_ = ctx_.platform.cpu;
      speed_ = cpu_speed();
      result_.device = "cpu";
      return load_weights(mode);
    }
    device_ = ctx_.platform.gpu;
    speed_ = gpu_speed(nullptr);
    set_layer_split(nullptr);
    return load_weights(mode);
  }

  // `device: gpu` on a host without one: the CPU when `wired_fallback: cpu` allows it, else refused.
  bool no_gpu() {
    const std::string why = "host '" + ctx_.host.name + "' has no GPU (no gpu_flops, no gpus)";
    if (!spec_.wired_fallback_cpu) {
      fail_all(Cause::no_gpu);
      ctx_.failed(WorkloadStatus::failed_to_start, Cause::no_gpu, "device gpu: " + why);
      report_gone(to_string(Cause::no_gpu), {});
      return false;
    }
    if (!start_on_cpu())
      return false;
    ctx_.result.fell_back = true;
    ctx_.result.cause = Cause::no_gpu;
    ctx_.result.status_detail = "fell back to the CPU: " + why;
    return true;
  }

  // False when the wired regions do not fit beside what other workloads already wired (Metal
  // refuses the buffer).
  bool try_map(WeightsMode mode, mm::Backing kv_backing) {
    try {
      map_regions(mode, kv_backing);
      return true;
    } catch (const mm::WiredLimitExceeded&) {
      return false;
    }
  }

  // mmap on a unified GPU: the mapped weights count against the wired limit without being wired
  // pages, so they are checked here beside what is wired now (the KV's wired mapping then checks
  // itself). A wired mapping made later does not see them: the limit holds at start only.
  bool mapped_fits_beside_wired() const {
    const mm::MemoryStats stats = memory_.manager().stats();
    const std::uint64_t page = memory_.page_bytes();
    const std::uint64_t reserve_frames = (ctx_.host.os_reserve_bytes + page - 1) / page;
    const std::uint64_t wired_bytes = (stats.unevictable_frames - reserve_frames) * page;
    return wired_bytes + spec_.weights_bytes + spec_.kv_budget_bytes <= ctx_.host.gpu_wired_limit_bytes;
  }

  bool wired_fits() const {
    const config::HostSpec& h = ctx_.host;
    return h.unified_memory && h.gpu_wired_limit_bytes > 0 &&
           spec_.weights_bytes + spec_.kv_budget_bytes <= h.gpu_wired_limit_bytes;
  }

  bool refuse_to_start() {
    std::string detail = "wired limit exceeded: weights " + std::to_string(spec_.weights_bytes) +
                            " bytes + KV " + std::to_string(spec_.kv_budget_bytes) + " bytes > limit " +
                            std::to_string(ctx_.host.gpu_wired_limit_bytes) + " bytes";
    if (wired_fits())
      detail = "wired limit exceeded: weights " + std::to_string(spec_.weights_bytes) +
                              " bytes + KV " + std::to_string(spec_.kv_budget_bytes) +
                              " bytes do not fit beside what other workloads wired, limit " +
                              std::to_string(ctx_.host.gpu_wired_limit_bytes) + " bytes";
    fail_all(Cause::wired_limit);
    ctx_.result.fell_back = false;
    ctx_.failed(WorkloadStatus::failed_to_start, Cause::wired_limit, detail);
    report_gone(to_string(Cause::wired_limit), {});
    return false;
  }

  void fail_all(Cause why) {
    for (auto& r : result_.requests)
      if (!r.failed)
        fail(r, why);
  }

  // The weights (the host-side share, host_weights_bytes_, unless mmapped: the whole file) and the
  // host-side KV (host_kv_bytes_; none when every layer's KV is in VRAM). KV is anonymous, except
  // beside wired weights and for a unified GPU (`kv_backing`), where it is a wired buffer.
  void map_regions(WeightsMode mode, mm::Backing kv_backing) {
    const mm::Backing weights = mode == WeightsMode::mmap   ? mm::Backing::file
                                : mode == WeightsMode::load ? mm::Backing::anon
                                                            : mm::Backing::wired;
    // mmap: the weights file's page cache is shared with every other server mapping the same file.
    if (mode == WeightsMode::mmap)
      weights_ = memory_.map_file(owner_, ctx_.file(weights_file(), spec_.weights_bytes), mm::FileUse::mapped);
    else if (host_weights_bytes_ > 0)
      weights_ = memory_.map(owner_, weights, spec_.name + ":weights", host_weights_bytes_);
    // Wired weights (a Metal buffer, or pinned CPU memory) come with a wired KV; lock (--mlock)
    // pins the model only.
    const mm::Backing kv = mode == WeightsMode::wired && !spec_.lock ? mm::Backing::wired : kv_backing;
    if (host_kv_bytes_ == 0)
      return;
    try {
      kv_ = memory_.map(owner_, kv, spec_.name + ":kv", host_kv_bytes_);
    } catch (...) {
      if (mode == WeightsMode::mmap || host_weights_bytes_ > 0)
        memory_.unmap(weights_);
      throw;
    }
  }

  // The config layer always names the file; a spec built in code without one gets a file of its
  // own (never shared by accident under the empty name).
  std::string weights_file() const {
    return spec_.weights_file.empty() ? spec_.name + ":weights" : spec_.weights_file;
  }

  // load: one streaming read of the file into fresh anonymous pages; wired: the same into the
  // already pinned buffer; mmap: nothing, pages fault in on first use.
  bool load_weights(WeightsMode mode) {
    if (mode == WeightsMode::mmap)
      return true;
    memory_.read_from_ssd(spec_.weights_bytes, 1);
    if (mode == WeightsMode::load && host_weights_bytes_ > 0) {
      auto cost = memory_.touch(owner_, weights_, 0, host_weights_bytes_, mm::AccessPattern::sequential, true);
      if (!cost)
        return false;
      memory_.pay(*cost, ctx_.result.memory_stall);
    }
    return memory_.alive(owner_);
  }

  // ---- serving ------------------------------------------------------------------------------

  void serve() {
    while (memory_.alive(owner_) && !ctx_.stopping()) {
      take_arrivals();
      admit();
      if (running_.empty() && fresh_.empty()) {
        ctx_.idle();
        if (!wait_for_requests())
          return;
        continue;
      }
      ctx_.busy();
      iterate();
      ctx_.sample_memory();
    }
  }

  static constexpr double kClockRounding_s = RequestSource::kClockRounding_s;

  void take_arrivals() {
    if (port_) {
      take_routed();
      return;
    }
    source_.produce_until(sg4::Engine::get_clock(), queue_,
                          [&](std::size_t record) { return !result_.requests[record].failed; });
  }

  std::uint64_t footprint_bytes(std::size_t record) const {
    const auto& r = result_.requests[record];
    return (std::uint64_t{r.prompt_tokens} + r.output_tokens) * kv_per_token_bytes_;
  }

  // FIFO admission while a slot is free and the KV budget holds the request's whole footprint
  // (prefix_cache: its blocks, less those already cached).
  void admit() {
    while (!queue_.empty()) {
      const std::size_t record = queue_.front();
      std::optional<std::uint32_t> slot = free_slot(footprint_bytes(record));
      if (!slot)
        return;
      Sequence seq{record, *slot, 0, {}, 0};
      if (prefix_ && !allocate_blocks(seq))
        return;
      queue_.pop_front();
      analysis::RequestRecord& r = result_.requests[record];
      const double now = sg4::Engine::get_clock();
      r.admitted_s = now - r.arrival_s <= kClockRounding_s ? r.arrival_s : now;
      slot_used_[*slot] = true;
      fresh_.push_back(std::move(seq));
      if (port_)
        port_->admitted(port_slot_);
    }
  }

  // A free batch slot; without the prefix cache its KV region must also hold `bytes` (with it, the
  // slot is only a concurrency limit: memory is the block pool's).
  std::optional<std::uint32_t> free_slot(std::uint64_t bytes) const {
    for (std::uint32_t s = 0; s < slot_used_.size(); ++s)
      if (!slot_used_[s] && (prefix_ || s * slot_stride_bytes_ + bytes <= spec_.kv_budget_bytes))
        return s;
    return std::nullopt;
  }

  // ---- prefix cache (prefix_cache.hpp) ----------------------------------------------------------

  // The request's blocks from the pool, its cached leading blocks shared; false when the pool
  // (free and evictable blocks) cannot hold it now.
  bool allocate_blocks(Sequence& seq) {
    const analysis::RequestRecord& r = result_.requests[seq.record];
    auto a = prefix_->allocate(prefix_ids_[seq.record], r.prompt_tokens,
                               std::uint64_t{r.prompt_tokens} + r.output_tokens);
    if (!a)
      return false;
    seq.blocks = std::move(a->blocks);
    seq.hit_tokens = a->hit_blocks * prefix_->block_tokens();
    PrefixCacheData& p = result_.prefix;
    p.prompt_tokens += r.prompt_tokens;
    p.hit_tokens += seq.hit_tokens;
    p.hit_requests += a->hit_blocks > 0;
    note_shared_bytes();
    return true;
  }

  void release_blocks(Sequence& s) {
    if (!prefix_)
      return;
    prefix_->release(s.blocks);
    s.blocks.clear();
    note_shared_bytes();
  }

  // The KV bytes sharing saves now, its peak and its time integral (for the mean).
  void note_shared_bytes() {
    PrefixCacheData& p = result_.prefix;
    const double now = sg4::Engine::get_clock();
    p.saved_byte_seconds += static_cast<double>(p.saved_bytes_now) * (now - p.last_change_s);
    p.last_change_s = now;
    p.saved_bytes_now = prefix_ ? prefix_->shared_references() * spec_.prefix_block_bytes() : 0;
    p.peak_saved_bytes = std::max(p.peak_saved_bytes, p.saved_bytes_now);
    p.evictions = prefix_ ? prefix_->evictions() : 0;
  }

  // Touches `tokens` tokens of a sequence's host-side KV: its slot's first bytes, or (prefix
  // cache) the blocks holding them, each a range of the one KV mapping.
  std::optional<mm::TouchCost> touch_kv(const Sequence& s, std::uint64_t tokens) {
    if (!prefix_)
      return memory_.touch(owner_, kv_, slot_offset(s), tokens * host_kv_per_token_bytes_,
                           mm::AccessPattern::sequential, true);
    const std::uint64_t block_tokens = prefix_->block_tokens();
    const std::uint64_t block_stride = block_tokens * host_kv_per_token_bytes_;
    mm::TouchCost total{};
    for (std::size_t i = 0; i < s.blocks.size() && i * block_tokens < tokens; ++i) {
      const std::uint64_t in_block = std::min(block_tokens, tokens - i * block_tokens);
      auto c = memory_.touch(owner_, kv_, s.blocks[i] * block_stride, in_block * host_kv_per_token_bytes_,
                             mm::AccessPattern::sequential, true);
      if (!c)
        return std::nullopt;
      engine::add_cost(total, *c);
    }
    return total;
  }

  std::uint64_t slot_offset(const Sequence& s) const { return s.slot * host_slot_stride_bytes_; }

  // The speed model's devices (speed_model.hpp). A spec built in code has no backend factors: its
  // devices are neutral (the roofline of issue 8 on the links the steps cross).
  static const config::BackendSpec& neutral_backend() {
    static const config::BackendSpec neutral{"neutral", {{"default", 1.0}}, {{"default", 1.0}}, 1.0, 1.0, 0.0, 0.0, 1.0, "neutral"};
    return neutral;
  }
  static speed::Device neutral(double flops, double link_Bps) { return {&neutral_backend(), link_Bps, flops, link_Bps}; }
  speed::Device cpu_speed() const {
    const config::HostSpec& h = ctx_.host;
    return spec_.backends.empty() ? neutral(h.cpu_flops, h.mem_bw_effective_Bps) : speed::host_cpu(h, spec_.backends);
  }
  // `gpu`: a discrete GPU, or nullptr for the host's unified-memory GPU.
  speed::Device gpu_speed(const engine::DiscreteGpu* gpu) const {
    const config::HostSpec& h = ctx_.host;
    if (gpu)
      return spec_.backends.empty() ? neutral(gpu->spec.flops, gpu->spec.vram_bw_effective_Bps)
                                    : speed::discrete_gpu(gpu->spec, spec_.backends);
    return spec_.backends.empty() ? neutral(h.gpu_flops, h.mem_bw_effective_Bps) : speed::unified_gpu(h, spec_.backends);
  }

  void iterate() {
    if (!fresh_.empty() && !prefill())
      return;
    if (!running_.empty())
      decode();
  }

  // What one step costs the memory system: the touches' summed cost, and the bytes the step reads
  // over the bus (resident bytes; of the weights only the share the step's tokens route to).
  struct StepCost {
    mm::TouchCost cost;
    // Read over the host bus (the host-side share, resident bytes): weights and KV.
    double bus_weight_bytes = 0, bus_kv_bytes = 0;
    // Read over a discrete GPU's VRAM (its layers' weights and KV).
    double vram_weight_bytes = 0, vram_kv_bytes = 0;
    double tokens = 0;           // tokens the step computes (activations crossing PCIe)
    double attention_pairs = 0;  // (token, attended position) pairs of the step's attention
  };

  // Touches the weights and, for each sequence, its first `tokens(seq)` tokens of KV; `step_tokens`
  // is how many tokens the step computes (for the MoE read share), `pairs` its attention pairs.
  // nullopt when this server was OOM-killed meanwhile.
  template <class Tokens>
  std::optional<StepCost> touch_step(const std::vector<Sequence>& seqs, Tokens tokens, double step_tokens,
                                     double pairs) {
    std::optional<mm::TouchCost> total = mm::TouchCost{};
    if (host_weights_bytes_ > 0)
      total = memory_.touch(owner_, weights_, 0, host_weights_bytes_);
    if (!total)
      return std::nullopt;
    const double weight_hit_bytes = static_cast<double>(total->hit_bytes);
    double gpu_kv_bytes = 0;
    for (const Sequence& s : seqs) {
      gpu_kv_bytes += static_cast<double>(tokens(s)) * static_cast<double>(kv_per_token_bytes_ - host_kv_per_token_bytes_);
      const std::uint64_t bytes = std::uint64_t{tokens(s)} * host_kv_per_token_bytes_;
      if (bytes == 0)
        continue;
      auto c = touch_kv(s, tokens(s));
      if (!c)
        return std::nullopt;
      engine::add_cost(*total, *c);
    }
    const double read_fraction = spec_.model.weight_read_fraction(step_tokens);
    const double gpu_weight_bytes = static_cast<double>(spec_.weights_bytes - host_weights_bytes_) * read_fraction;
    return StepCost{*total, weight_hit_bytes * read_fraction, static_cast<double>(total->hit_bytes) - weight_hit_bytes,
                    gpu_weight_bytes, gpu_kv_bytes, step_tokens, pairs};
  }

  // Pays the step's memory cost, then the speed model's fixed time (a sleep: launch gaps hold no
  // bandwidth), then its compute and bus traffic as one activity; false if killed.
  bool run_step(const StepCost& step) {
    memory_.pay(step.cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_))
      return false;
    if (split_) {
      double fixed_s = 0;
      const engine::SplitStep s = split_step(step, fixed_s);
      if (fixed_s > 0)
        sg4::this_actor::sleep_for(fixed_s);
      engine::run_split_step(ctx_.platform, gpu_, s);
    } else {
      const speed::StepShape shape{step.tokens, static_cast<double>(spec_.model.layers), step.bus_weight_bytes,
                                   step.bus_kv_bytes, step.attention_pairs};
      const speed::StepCost c = speed::step_cost(speed_, spec_.model, spec_.quant.id, shape);
      if (c.fixed_s > 0)
        sg4::this_actor::sleep_for(c.fixed_s);
      engine::run_on_bus(ctx_.platform, device_, c.flops, c.bus_bytes);
    }
    return memory_.alive(owner_);
  }

  bool prefill() {
    const double begin_s = sg4::Engine::get_clock();
    std::vector<Sequence> batch;
    batch.swap(fresh_);
    double prompt_tokens = 0, pairs = 0;
    for (const Sequence& s : batch) {
      // The prompt past its cached blocks (all of it without the prefix cache): each computed
      // token attends to every position up to its own, the cached ones included.
      const double p = result_.requests[s.record].prompt_tokens, h = s.hit_tokens;
      prompt_tokens += p - h;
      pairs += p * (p + 1) / 2 - h * (h + 1) / 2;
    }
    auto cost = touch_step(
        batch, [&](const Sequence& s) { return result_.requests[s.record].prompt_tokens; }, prompt_tokens, pairs);
    if (!cost || !run_step(*cost))
      return false;
    ++result_.prefill_steps;
    const double now = sg4::Engine::get_clock();
    if (ctx_.timeline)
      ctx_.timeline->slice(ctx_.index, "prefill", begin_s, now,
                           {{"batch", static_cast<double>(batch.size())}, {"tokens", prompt_tokens}});
    for (Sequence& s : batch) {
      result_.requests[s.record].first_token_s = now;
      report_first_token(s.record, now);
      produce_token(s, now);
      if (s.generated < result_.requests[s.record].output_tokens)
        running_.push_back(s);
    }
    return true;
  }

  void decode() {
    const double begin_s = sg4::Engine::get_clock();
    // The KV read for the next token covers the prompt and every token generated so far.
    const double batch = static_cast<double>(running_.size());
    auto context = [&](const Sequence& s) { return result_.requests[s.record].prompt_tokens + s.generated; };
    double pairs = 0;
    for (const Sequence& s : running_)
      pairs += context(s);
    auto cost = touch_step(running_, context, batch, pairs);
    if (!cost || !run_step(*cost))
      return;
    ++result_.decode_steps;
    const double now = sg4::Engine::get_clock();
    if (ctx_.timeline)
      ctx_.timeline->slice(ctx_.index, "decode", begin_s, now, {{"batch", batch}});
    for (Sequence& s : running_)
      produce_token(s, now);
    std::erase_if(running_, [&](const Sequence& s) { return s.generated >= result_.requests[s.record].output_tokens; });
  }

  // One more token for `s`; a sequence that has all its tokens completes and frees its slot.
  void produce_token(Sequence& s, double now) {
    analysis::RequestRecord& r = result_.requests[s.record];
    s.generated = std::min(s.generated + 1, r.output_tokens);
    r.generated_tokens = s.generated;
    if (s.generated >= r.output_tokens) {
      r.finish_s = now;
      slot_used_[s.slot] = false;
      release_blocks(s);
      report_completed(s.record, now);
    }
  }

  // ---- OOM and bookkeeping ------------------------------------------------------------------

  // Runs in the killing actor: every request not yet completed fails, including later arrivals
  // (the context then marks the workload oom-killed).
  void on_oom_killed() {
    if (prefix_) {  // its memory is gone: nothing is shared from now on
      note_shared_bytes();
      result_.prefix.saved_bytes_now = 0;
    }
    std::vector<std::size_t> lost;
    for (std::size_t i = 0; i < result_.requests.size(); ++i) {
      auto& r = result_.requests[i];
      if (!r.failed && r.finish_s < 0) {
        fail(r, Cause::oom_kill);
        lost.push_back(i);
      }
    }
    release_vram();
    report_gone(to_string(Cause::oom_kill), lost);
  }

  WorkloadContext& ctx_;
  const LlmServerSpec& spec_;
  engine::HostMemory& memory_;
  LlmServerData& result_;  // the kind's records (ctx_.result.data)
  RequestSource source_;
  const std::uint64_t kv_per_token_bytes_;
  const std::uint64_t slot_stride_bytes_;
  // The host-RAM share of the KV and the weights (all of them unless layers sit in VRAM).
  std::uint64_t host_kv_per_token_bytes_, host_slot_stride_bytes_, host_kv_bytes_, host_weights_bytes_;
  std::vector<bool> slot_used_;
  std::deque<std::size_t> queue_;  // admitted in FIFO order
  std::vector<Sequence> fresh_;    // admitted, waiting for prefill
  std::vector<Sequence> running_;  // decoding
  mm::OwnerId owner_ = 0;
  mm::MappingId weights_ = 0, kv_ = 0;
  sg4::Host* device_ = nullptr;
  speed::Device speed_;  // device_ as the speed model sees it (unsplit steps)
  std::shared_ptr<RouterPort> port_;  // a replica's router; null for a lone server
  std::size_t port_slot_ = 0;
  std::vector<std::size_t> routed_ids_;  // per record: the router's id of the request
  std::vector<std::span<const std::uint64_t>> prefix_ids_;  // per record: its prefix block ids
  std::optional<PrefixCache> prefix_;  // prefix_cache: the KV block pool
  // Layer split (placement.cpp): set when some layers run on a GPU and the step is split, or the
  // GPU is discrete; gpu_ is the discrete GPU (nullptr: the unified one).
  bool split_ = false;
  std::uint32_t gpu_layers_ = 0;
  engine::DiscreteGpu* gpu_ = nullptr;
  engine::VramReservation vram_;  // the GPU layers' weights and KV

  bool start_discrete(engine::DiscreteGpu& gpu);
  void set_layer_split(engine::DiscreteGpu* gpu);
  engine::SplitStep split_step(const StepCost& step, double& fixed_s) const;
  void release_vram();
  bool upload_to_vram(WeightsMode mode);
};

// ---- layer split between a GPU and the CPU (discrete GPUs; -ngl) --------------------------------

// x * num / den for den > 0 and num <= den, rounded down, without overflow (x < 2^63).
std::uint64_t share_of(std::uint64_t x, std::uint64_t num, std::uint64_t den) {
  return static_cast<std::uint64_t>(static_cast<unsigned __int128>(x) * num / den);
}

// f32 activations (the hidden state) cross PCIe twice per token when the layers are split: into the
// first GPU layer and back out of the last (llama.cpp keeps the output layer with the CPU layers
// unless -ngl exceeds the layer count). Token embeddings and logits of a full offload are ignored.
constexpr double kActivationBytesPerValue = 4;

void LlmServer::set_layer_split(engine::DiscreteGpu* gpu) {
  const auto layers = static_cast<std::uint32_t>(spec_.model.layers);
  gpu_ = gpu;
  gpu_layers_ = std::min(spec_.offloaded_layers(), layers);
  split_ = gpu != nullptr || gpu_layers_ < layers;
  result_.device = gpu ? gpu->spec.id : "gpu";
  if (gpu_layers_ < layers)
    result_.device += " (" + std::to_string(gpu_layers_) + " of " + std::to_string(layers) + " layers)";
}

// A discrete GPU: gpu_layers' share of the weights and of the KV budget in VRAM (refused when it does
// not fit beside what other workloads reserved there), the rest in host RAM as `weights:` (or
// `lock`) says; the GPU share is read from the file and copied over PCIe at start.
bool LlmServer::start_discrete(engine::DiscreteGpu& gpu) {
  set_layer_split(&gpu);
  const std::uint64_t layers = static_cast<std::uint64_t>(spec_.model.layers);
  const std::uint64_t cpu_layers = layers - gpu_layers_;
  host_weights_bytes_ = share_of(spec_.weights_bytes, cpu_layers, layers);
  host_kv_per_token_bytes_ = share_of(kv_per_token_bytes_, cpu_layers, layers);
  host_slot_stride_bytes_ = std::uint64_t{spec_.context_tokens} * host_kv_per_token_bytes_;
  host_kv_bytes_ = share_of(spec_.kv_budget_bytes, cpu_layers, layers);
  const std::uint64_t vram_weights = spec_.weights_bytes - host_weights_bytes_;
  const std::uint64_t vram_kv = spec_.kv_budget_bytes - host_kv_bytes_;
  if (vram_weights + vram_kv > engine::VramReservation::free_bytes(gpu)) {
    fail_all(Cause::vram_exceeded);
    ctx_.failed(WorkloadStatus::failed_to_start, Cause::vram_exceeded,
                "VRAM exceeded: " + std::to_string(gpu_layers_) + " of " + std::to_string(layers) +
                    " layers need weights " + std::to_string(vram_weights) + " bytes + KV " +
                    std::to_string(vram_kv) + " bytes > " + engine::VramReservation::describe_free(gpu));
    report_gone(to_string(Cause::vram_exceeded), {});
    return false;
  }
  const WeightsMode mode = spec_.lock ? WeightsMode::wired : spec_.weights_mode;
  if (!try_map(mode, mm::Backing::anon))
    return refuse_to_start();
  vram_.reserve(gpu, vram_weights + vram_kv);  // fits: checked above, and mapping reserved no VRAM
  device_ = gpu.compute;
  return load_weights(mode) && upload_to_vram(mode);
}

// The GPU layers' weights reach VRAM from the file: mmapped, through the page cache (they fault in
// once and then go cold); loaded, from the read load_weights made. Then one PCIe copy.
bool LlmServer::upload_to_vram(WeightsMode mode) {
  const std::uint64_t bytes = spec_.weights_bytes - host_weights_bytes_;
  if (bytes == 0)
    return true;
  if (mode == WeightsMode::mmap) {
    auto cost = memory_.touch(owner_, weights_, host_weights_bytes_, bytes);
    if (!cost)
      return false;
    memory_.pay(*cost, ctx_.result.memory_stall);
  }
  engine::SplitStep copy;
  copy.pcie_bytes = static_cast<double>(bytes);
  engine::run_split_step(ctx_.platform, gpu_, copy);
  return memory_.alive(owner_);
}

// The step split by layers, each part through the speed model on its device (the CPU layers on
// the CPU, the GPU layers on the GPU); bytes: the host share on the host bus and, on a discrete
// GPU, its layers' weights and KV on its VRAM (on a unified GPU both parts read the one bus, the
// host-side bytes split by layers). `fixed_s`: both parts' fixed time.
engine::SplitStep LlmServer::split_step(const StepCost& step, double& fixed_s) const {
  const double layers = spec_.model.layers;
  const double gpu_share = gpu_layers_ / layers;
  speed::StepShape cpu{step.tokens, layers - gpu_layers_, step.bus_weight_bytes, step.bus_kv_bytes,
                       step.attention_pairs};
  speed::StepShape gpu{step.tokens, static_cast<double>(gpu_layers_), step.vram_weight_bytes, step.vram_kv_bytes,
                       step.attention_pairs};
  if (!gpu_) {
    cpu.weight_bytes = step.bus_weight_bytes * (1.0 - gpu_share);
    cpu.kv_bytes = step.bus_kv_bytes * (1.0 - gpu_share);
    gpu.weight_bytes = step.bus_weight_bytes * gpu_share;
    gpu.kv_bytes = step.bus_kv_bytes * gpu_share;
  }
  const speed::StepCost on_cpu = speed::step_cost(cpu_speed(), spec_.model, spec_.quant.id, cpu);
  const speed::StepCost on_gpu = speed::step_cost(gpu_speed(gpu_), spec_.model, spec_.quant.id, gpu);
  fixed_s = on_cpu.fixed_s + on_gpu.fixed_s;
  engine::SplitStep s;
  s.cpu_flops = on_cpu.flops;
  s.cpu_bus_bytes = on_cpu.bus_bytes;
  s.gpu_flops = on_gpu.flops;
  s.gpu_bus_bytes = on_gpu.bus_bytes;
  if (gpu_ && gpu_layers_ > 0 && gpu_layers_ < static_cast<std::uint32_t>(spec_.model.layers))
    s.pcie_bytes = 2.0 * step.tokens * spec_.model.hidden * kActivationBytesPerValue;
  return s;
}

void LlmServer::release_vram() { vram_.release(); }

}  // namespace

void start(WorkloadContext& ctx) {
  const auto* spec = dynamic_cast<const LlmServerSpec*>(&ctx.spec);
  if (!spec)
    throw std::logic_error("workload '" + ctx.spec.name + "' has kind llm-server but no LlmServerSpec");
  auto server = std::make_shared<LlmServer>(ctx, *spec);
  LlmServer::register_process(server);
  server->attach_router();
  engine::create_actor(ctx.platform, spec->name, ctx.platform.cpu, [server] { server->run(); });
}

}  // namespace headroom::workloads::llm_server
