#include "models/workloads/common/router_port.hpp"

#include <mutex>
#include <stdexcept>

#include "sim/engine/workload_registry.hpp"

namespace headroom::workloads {

std::shared_ptr<RouterPort> RouterPort::of(engine::WorkloadContext& ctx, const std::string& router) {
  std::shared_ptr<void>& shared = ctx.shared("router:" + router);
  if (!shared) shared = std::make_shared<RouterPort>();
  return std::static_pointer_cast<RouterPort>(shared);
}

std::size_t RouterPort::slot(const std::string& name) {
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].name == name) return i;
  slots_.emplace_back();
  slots_.back().name = name;
  return slots_.size() - 1;
}

std::size_t RouterPort::attach(const std::string& name, std::function<bool()> accepting) {
  const std::size_t i = slot(name);
  slots_[i].attached = true;
  slots_[i].accepting = std::move(accepting);
  return i;
}

bool RouterPort::live(std::size_t i) const {
  const Slot& s = slots_.at(i);
  return s.attached && !s.dead && (!s.accepting || s.accepting());
}

std::deque<RoutedRequest> RouterPort::take(std::size_t i) {
  std::deque<RoutedRequest> out;
  out.swap(slots_.at(i).inbox);
  return out;
}

// SimGrid actors are cooperative: nothing runs between the emptiness check and the wait, so a send
// cannot slip in unnoticed.
bool RouterPort::wait(std::size_t i, double until_s) {
  Slot& s = slots_.at(i);
  if (s.inbox.empty()) {
    std::unique_lock lock(*s.mutex);
    s.wake->wait_until(lock, until_s);
  }
  return !s.inbox.empty();
}

void RouterPort::send(std::size_t i, const RoutedRequest& request) {
  Slot& s = slots_.at(i);
  s.inbox.push_back(request);
  ++s.outstanding;
  ++s.queued;
  s.wake->notify_all();
}

void RouterPort::admitted(std::size_t i) {
  Slot& s = slots_.at(i);
  if (s.queued > 0) --s.queued;
}

void RouterPort::settle(Slot& s, bool was_queued) {
  if (s.outstanding > 0) --s.outstanding;
  if (was_queued && s.queued > 0) --s.queued;
}

void RouterPort::first_token(std::size_t id, double at_s) {
  if (sink_) sink_->first_token(id, at_s);
}

void RouterPort::completed(std::size_t i, std::size_t id, double at_s, std::uint32_t generated_tokens) {
  settle(slots_.at(i), false);
  if (sink_) sink_->completed(i, id, at_s, generated_tokens);
}

void RouterPort::lost(std::size_t i, std::size_t id, const std::string& why, bool retryable, bool was_queued) {
  settle(slots_.at(i), was_queued);
  if (sink_) sink_->lost(i, id, why, retryable);
}

void RouterPort::gone(std::size_t i, const std::string& why) {
  Slot& s = slots_.at(i);
  s.dead = true;
  std::deque<RoutedRequest> waiting = take(i);
  for (const RoutedRequest& r : waiting) {
    settle(s, true);
    if (sink_) sink_->lost(i, r.id, why, true);
  }
}

}  // namespace headroom::workloads
