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
#include "models/workloads/llm-server/spec.hpp"
#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
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
};

class LlmServer {
 public:
  LlmServer(WorkloadContext& ctx, const LlmServerSpec& spec)
      : ctx_(ctx), spec_(spec), memory_(ctx.memory), result_(*make_data(ctx)),
        source_(spec.arrivals, ctx.scenario.duration_s, ctx.scenario.seed + ctx.index),
        kv_per_token_bytes_(spec.kv_bytes_per_token()),
        slot_stride_bytes_(static_cast<std::uint64_t>(spec.context_tokens) * spec.kv_bytes_per_token()),
        slot_used_(std::max<std::uint32_t>(1, spec.max_batch), false) {
    result_.weights_bytes = spec.weights_bytes;
    result_.kv_budget_bytes = spec.kv_budget_bytes;
    result_.max_batch = std::max<std::uint32_t>(1, spec.max_batch);
    make_records();
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
    for (const Request& arr : source_.requests())
      result_.requests.push_back(record_of(arr));
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
    else if (tokens * kv_per_token_bytes_ > spec_.kv_budget_bytes)
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
    WeightsMode mode = spec_.weights_mode;
    bool mapped = mode == WeightsMode::wired ? wired_fits() && try_map(mode) : try_map(mode);
    if (!mapped && mode == WeightsMode::wired) {
      if (!spec_.wired_fallback_cpu)
        return refuse_to_start();
      mode = WeightsMode::mmap;  // llama.cpp without Metal offload: CPU compute on mmapped weights
      mapped = try_map(mode);
      ctx_.result.fell_back = true;
      ctx_.result.cause = Cause::wired_limit;
      ctx_.result.status_detail = "fell back to the CPU: weights " + std::to_string(spec_.weights_bytes) +
                              " bytes + KV " + std::to_string(spec_.kv_budget_bytes) +
                              " bytes exceed the GPU wired limit " +
                              std::to_string(ctx_.host.gpu_wired_limit_bytes) + " bytes";
    }
    if (!mapped)
      return refuse_to_start();
    device_ = mode == WeightsMode::wired && ctx_.platform.gpu ? ctx_.platform.gpu : ctx_.platform.cpu;
    result_.device = device_ == ctx_.platform.gpu ? "gpu" : "cpu";
    return load_weights(mode);
  }

  // False when the wired regions do not fit beside what other workloads already wired (Metal
  // refuses the buffer).
  bool try_map(WeightsMode mode) {
    try {
      map_regions(mode);
      return true;
    } catch (const mm::WiredLimitExceeded&) {
      return false;
    }
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
    for (auto& r : result_.requests)
      if (!r.failed)
        fail(r, Cause::wired_limit);
    ctx_.result.fell_back = false;
    ctx_.failed(WorkloadStatus::failed_to_start, Cause::wired_limit, detail);
    report_gone(to_string(Cause::wired_limit), {});
    return false;
  }

  void map_regions(WeightsMode mode) {
    const mm::Backing weights = mode == WeightsMode::mmap   ? mm::Backing::file
                                : mode == WeightsMode::load ? mm::Backing::anon
                                                            : mm::Backing::wired;
    // mmap: the weights file's page cache is shared with every other server mapping the same file.
    weights_ = mode == WeightsMode::mmap
                   ? memory_.map_file(owner_, ctx_.file(weights_file(), spec_.weights_bytes), mm::FileUse::mapped)
                   : memory_.map(owner_, weights, spec_.name + ":weights", spec_.weights_bytes);
    const mm::Backing kv = mode == WeightsMode::wired ? mm::Backing::wired : mm::Backing::anon;
    try {
      kv_ = memory_.map(owner_, kv, spec_.name + ":kv", spec_.kv_budget_bytes);
    } catch (...) {
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
    if (mode == WeightsMode::load) {
      auto cost = memory_.touch(owner_, weights_, 0, spec_.weights_bytes, mm::AccessPattern::sequential, true);
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

  // FIFO admission while a slot is free and the KV budget holds the request's whole footprint.
  void admit() {
    while (!queue_.empty()) {
      const std::size_t record = queue_.front();
      std::optional<std::uint32_t> slot = free_slot(footprint_bytes(record));
      if (!slot)
        return;
      queue_.pop_front();
      analysis::RequestRecord& r = result_.requests[record];
      const double now = sg4::Engine::get_clock();
      r.admitted_s = now - r.arrival_s <= kClockRounding_s ? r.arrival_s : now;
      slot_used_[*slot] = true;
      fresh_.push_back({record, *slot, 0});
      if (port_)
        port_->admitted(port_slot_);
    }
  }

  std::optional<std::uint32_t> free_slot(std::uint64_t bytes) const {
    for (std::uint32_t s = 0; s < slot_used_.size(); ++s)
      if (!slot_used_[s] && s * slot_stride_bytes_ + bytes <= spec_.kv_budget_bytes)
        return s;
    return std::nullopt;
  }

  std::uint64_t slot_offset(const Sequence& s) const { return s.slot * slot_stride_bytes_; }
  double flops_per_token() const { return 2.0 * spec_.model.active_params; }

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
    double bus_bytes = 0;
  };

  // Touches the weights and, for each sequence, its first `tokens(seq)` tokens of KV; `step_tokens`
  // is how many tokens the step computes (for the MoE read share). nullopt when this server was
  // OOM-killed meanwhile.
  template <class Tokens>
  std::optional<StepCost> touch_step(const std::vector<Sequence>& seqs, Tokens tokens, double step_tokens) {
    auto total = memory_.touch(owner_, weights_, 0, spec_.weights_bytes);
    if (!total)
      return std::nullopt;
    const double weight_hit_bytes = static_cast<double>(total->hit_bytes);
    for (const Sequence& s : seqs) {
      const std::uint64_t bytes = std::uint64_t{tokens(s)} * kv_per_token_bytes_;
      if (bytes == 0)
        continue;
      auto c = memory_.touch(owner_, kv_, slot_offset(s), bytes, mm::AccessPattern::sequential, true);
      if (!c)
        return std::nullopt;
      engine::add_cost(*total, *c);
    }
    const double unread_weight_bytes = weight_hit_bytes * (1.0 - spec_.model.weight_read_fraction(step_tokens));
    return StepCost{*total, static_cast<double>(total->hit_bytes) - unread_weight_bytes};
  }

  // Pays the step's memory cost, then its compute and bus traffic; false if killed.
  bool run_step(const StepCost& step, double flops) {
    memory_.pay(step.cost, ctx_.result.memory_stall);
    if (!memory_.alive(owner_))
      return false;
    engine::run_on_bus(ctx_.platform, device_, flops, step.bus_bytes);
    return memory_.alive(owner_);
  }

  bool prefill() {
    std::vector<Sequence> batch;
    batch.swap(fresh_);
    double prompt_tokens = 0;
    for (const Sequence& s : batch)
      prompt_tokens += result_.requests[s.record].prompt_tokens;
    auto cost = touch_step(
        batch, [&](const Sequence& s) { return result_.requests[s.record].prompt_tokens; }, prompt_tokens);
    if (!cost || !run_step(*cost, flops_per_token() * prompt_tokens))
      return false;
    ++result_.prefill_steps;
    const double now = sg4::Engine::get_clock();
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
    // The KV read for the next token covers the prompt and every token generated so far.
    const double batch = static_cast<double>(running_.size());
    auto cost = touch_step(
        running_, [&](const Sequence& s) { return result_.requests[s.record].prompt_tokens + s.generated; }, batch);
    if (!cost || !run_step(*cost, flops_per_token() * batch))
      return;
    ++result_.decode_steps;
    const double now = sg4::Engine::get_clock();
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
      report_completed(s.record, now);
    }
  }

  // ---- OOM and bookkeeping ------------------------------------------------------------------

  // Runs in the killing actor: every request not yet completed fails, including later arrivals
  // (the context then marks the workload oom-killed).
  void on_oom_killed() {
    std::vector<std::size_t> lost;
    for (std::size_t i = 0; i < result_.requests.size(); ++i) {
      auto& r = result_.requests[i];
      if (!r.failed && r.finish_s < 0) {
        fail(r, Cause::oom_kill);
        lost.push_back(i);
      }
    }
    report_gone(to_string(Cause::oom_kill), lost);
  }

  WorkloadContext& ctx_;
  const LlmServerSpec& spec_;
  engine::HostMemory& memory_;
  LlmServerData& result_;  // the kind's records (ctx_.result.data)
  RequestSource source_;
  const std::uint64_t kv_per_token_bytes_;
  const std::uint64_t slot_stride_bytes_;
  std::vector<bool> slot_used_;
  std::deque<std::size_t> queue_;  // admitted in FIFO order
  std::vector<Sequence> fresh_;    // admitted, waiting for prefill
  std::vector<Sequence> running_;  // decoding
  mm::OwnerId owner_ = 0;
  mm::MappingId weights_ = 0, kv_ = 0;
  sg4::Host* device_ = nullptr;
  std::shared_ptr<RouterPort> port_;  // a replica's router; null for a lone server
  std::size_t port_slot_ = 0;
  std::vector<std::size_t> routed_ids_;  // per record: the router's id of the request
};

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
