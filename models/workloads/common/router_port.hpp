// Where a router and its llm-server replicas meet (engine side, hr_engine): one RouterPort per
// router per host run, found or created under "router:<name>" in WorkloadContext::shared, so
// whichever starts first creates it. A replica attaches (its slot: inbox, counts, whether it takes
// requests) and reports admissions, first tokens, completions and losses; the router dispatches
// into the inboxes and hears the reports through its RouterSink.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <simgrid/s4u.hpp>

#include "models/workloads/common/arrivals.hpp"

namespace headroom::engine {
struct WorkloadContext;
}

namespace headroom::workloads {

// A request the router sends: `id` is its index in the router's records; `request.arrival_s` is
// the original arrival, kept on a retry.
struct RoutedRequest {
  std::size_t id = 0;
  Request request;
};

// The router's side of the reports (models/workloads/router/run.cpp).
class RouterSink {
 public:
  virtual ~RouterSink() = default;
  virtual void first_token(std::size_t id, double at_s) = 0;
  virtual void completed(std::size_t slot, std::size_t id, double at_s, std::uint32_t generated_tokens) = 0;
  // Lost on replica `slot`: retryable when the replica died (OOM kill, failed to start), not when
  // the request itself was refused (context too long, KV budget).
  virtual void lost(std::size_t slot, std::size_t id, const std::string& why, bool retryable) = 0;
};

class RouterPort {
 public:
  // The port of router `router` in this host run (find-or-create).
  static std::shared_ptr<RouterPort> of(engine::WorkloadContext& ctx, const std::string& router);

  // The slot of replica `name` (find-or-create: the router names its replicas at its start, a
  // replica attaches at its own).
  std::size_t slot(const std::string& name);

  // ---- replica side ----
  // The replica started: it takes requests while `accepting()` (not stopped, not killed).
  std::size_t attach(const std::string& name, std::function<bool()> accepting);
  // Moves the inbox out (requests sent since the last call).
  std::deque<RoutedRequest> take(std::size_t slot);
  // Waits until the inbox holds a request or `until_s`; false when it is still empty.
  bool wait(std::size_t slot, double until_s);
  void admitted(std::size_t slot);
  void first_token(std::size_t id, double at_s);
  void completed(std::size_t slot, std::size_t id, double at_s, std::uint32_t generated_tokens);
  // A request the replica refused or lost (`was_queued`: never admitted to a batch slot); it no
  // longer counts there.
  void lost(std::size_t slot, std::size_t id, const std::string& why, bool retryable, bool was_queued);
  // The replica died (OOM kill, failed to start): no more requests for it; what waits in its inbox
  // is lost (retryable) with `why`.
  void gone(std::size_t slot, const std::string& why);

  // ---- router side ----
  // The port keeps its router alive: replicas report after the router's actor ended.
  void listen(std::shared_ptr<RouterSink> sink) { sink_ = std::move(sink); }
  bool live(std::size_t slot) const;
  std::uint64_t outstanding(std::size_t slot) const { return slots_.at(slot).outstanding; }
  std::uint64_t queued(std::size_t slot) const { return slots_.at(slot).queued; }
  // Into the slot's inbox, waking the replica.
  void send(std::size_t slot, const RoutedRequest& request);

 private:
  struct Slot {
    std::string name;
    bool attached = false, dead = false;
    std::function<bool()> accepting;
    std::deque<RoutedRequest> inbox;
    std::uint64_t outstanding = 0;  // sent, not yet completed or lost
    std::uint64_t queued = 0;       // sent, not yet admitted to a batch slot
    simgrid::s4u::MutexPtr mutex = simgrid::s4u::Mutex::create();
    simgrid::s4u::ConditionVariablePtr wake = simgrid::s4u::ConditionVariable::create();
  };
  void settle(Slot& s, bool was_queued);
  std::deque<Slot> slots_;
  std::shared_ptr<RouterSink> sink_;
};

}  // namespace headroom::workloads
