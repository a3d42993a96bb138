// router's behaviour (engine, hr_engine): one actor that produces the requests of its source
// (Poisson or trace, as an llm-server's) and sends each, at its arrival, to one live replica (an
// llm-server with `arrivals: {router: NAME}`) chosen by the policy (spec.hpp). It hears back
// through the RouterPort (common/router_port.hpp): first tokens, completions, and requests lost
// when a replica is OOM-killed or fails to start; with retry on, a lost request goes to another
// live replica keeping its arrival time, else it fails. A request arriving when no replica is live
// fails ("no live replica"). A replica is live from its start until it dies or is stopped (while it
// loads its weights requests wait in its inbox). The router itself holds no memory.
#include <limits>
#include <memory>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/request_source.hpp"
#include "models/workloads/common/router_port.hpp"
#include "models/workloads/llm-server/spec.hpp"
#include "models/workloads/router/data.hpp"
#include "models/workloads/router/spec.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace sg4 = simgrid::s4u;

namespace headroom::workloads::router {

namespace {

using engine::WorkloadContext;

const char* const kNoReplica = "no live replica";

class Router : public RouterSink {
 public:
  Router(WorkloadContext& ctx, const RouterSpec& spec)
      : ctx_(ctx), spec_(spec), data_(make_data(ctx)),
        source_(spec.arrivals, sg4::Engine::get_clock(), run_end_s(spec, ctx.scenario.duration_s),
                ctx.scenario.seed + ctx.index),
        port_(RouterPort::of(ctx, spec.name).get()) {
    data_->policy = to_string(spec.policy);
    data_->retry = spec.retry;
    data_->trace_rows = {spec.arrivals.trace_skips_bad_rows, spec.arrivals.trace_failed_rows,
                         spec.arrivals.trace_skipped_rows};
    for (const auto& w : ctx.scenario.workloads) {
      const auto* replica = dynamic_cast<const LlmServerSpec*>(w.get());
      if (!replica || replica->arrivals.kind != ArrivalSpec::Kind::router || replica->arrivals.router != spec.name)
        continue;
      data_->replicas.push_back({replica->name});
      data_->concurrency += replica->max_batch;
      slots_.push_back(port_->slot(replica->name));
    }
    for (const Request& arr : source_.requests()) {
      RoutedRecord r;
      r.arrival_s = arr.arrival_s;
      r.prompt_tokens = arr.prompt_tokens;
      r.output_tokens = arr.output_tokens;
      data_->requests.push_back(r);
    }
  }

  void run() {
    for (std::size_t id = 0; id < data_->requests.size(); ++id) {
      const double at_s = data_->requests[id].arrival_s;
      if (at_s > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(at_s);
      if (ctx_.stopping()) return;
      data_->requests[id].dispatched = true;
      dispatch(id, std::nullopt);
    }
  }

  // ---- RouterSink ----
  void first_token(std::size_t id, double at_s) override { data_->requests.at(id).first_token_s = at_s; }

  void completed(std::size_t slot, std::size_t id, double at_s, std::uint32_t generated_tokens) override {
    RoutedRecord& r = data_->requests.at(id);
    r.finish_s = at_s;
    r.generated_tokens = generated_tokens;
    ++data_->replicas[replica_of(slot)].completed;
  }

  void lost(std::size_t slot, std::size_t id, const std::string& why, bool retryable) override {
    ++data_->replicas[replica_of(slot)].lost;
    RoutedRecord& r = data_->requests.at(id);
    r.first_token_s = -1;  // a retry starts over
    r.generated_tokens = 0;
    if (retryable && spec_.retry) {
      dispatch(id, why);
      return;
    }
    fail(r, why);
  }

 private:
  static RouterData* make_data(WorkloadContext& ctx) {
    auto data = std::make_shared<RouterData>();
    ctx.result.data = data;
    return data.get();
  }

  static void fail(RoutedRecord& r, const std::string& why) {
    r.failed = true;
    r.failure = why;
  }

  std::size_t replica_of(std::size_t slot) const {
    for (std::size_t i = 0; i < slots_.size(); ++i)
      if (slots_[i] == slot) return i;
    throw std::logic_error("router '" + spec_.name + "': a report from a replica it does not know");
  }

  // Sends request `id` to the replica the policy picks; `retry_of`: the cause of the loss when this
  // is a retry (it fails with that cause if no replica is live).
  void dispatch(std::size_t id, const std::optional<std::string>& retry_of) {
    RoutedRecord& r = data_->requests[id];
    const std::optional<std::size_t> pick = choose();
    if (!pick) {
      fail(r, retry_of ? *retry_of : kNoReplica);
      return;
    }
    if (retry_of) ++data_->retries;
    r.replica = static_cast<int>(*pick);
    ++r.sends;
    ++data_->replicas[*pick].sent;
    port_->send(slots_[*pick], {id, {r.arrival_s, r.prompt_tokens, r.output_tokens,
                                     source_.requests()[id].prefix_hashes}});
  }

  // The live replica with the least load (round robin: every live replica weighs the same), the
  // search starting after the last pick, so ties go round in turn (nginx least_conn's rule).
  std::optional<std::size_t> choose() {
    const std::size_t n = slots_.size();
    std::optional<std::size_t> best;
    std::uint64_t best_load = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (next_ + k) % n;
      if (!port_->live(slots_[i])) continue;
      const std::uint64_t load = load_of(slots_[i]);
      if (load < best_load) {
        best = i;
        best_load = load;
      }
    }
    if (best) next_ = (*best + 1) % n;
    return best;
  }

  std::uint64_t load_of(std::size_t slot) const {
    switch (spec_.policy) {
      case RoutePolicy::round_robin: return 0;
      case RoutePolicy::least_outstanding: return port_->outstanding(slot);
      case RoutePolicy::shortest_queue: return port_->queued(slot);
    }
    return 0;
  }

  WorkloadContext& ctx_;
  const RouterSpec& spec_;
  RouterData* data_;
  RequestSource source_;
  RouterPort* port_;  // owned by the host run's shared objects, and owns this router
  std::vector<std::size_t> slots_;  // per replica (file order): its slot on the port
  std::size_t next_ = 0;            // the replica to try first (after the last pick)
};

}  // namespace

void start(WorkloadContext& ctx) {
  const auto* spec = dynamic_cast<const RouterSpec*>(&ctx.spec);
  if (!spec) throw std::logic_error("workload '" + ctx.spec.name + "' has kind router but no RouterSpec");
  auto router = std::make_shared<Router>(ctx, *spec);
  RouterPort::of(ctx, spec->name)->listen(router);
  engine::create_actor(ctx.platform, spec->name, ctx.platform.cpu, [router] { router->run(); });
}

}  // namespace headroom::workloads::router
