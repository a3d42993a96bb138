// The step bookkeeping the one-actor kinds (process, trainer, rl, dataset) share (engine side,
// hr_engine; header only): starting the actor, sampling memory after a step, the step-end times
// and the finish. Each kind keeps its own step; these are the lines they all wrote alike.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include <simgrid/s4u.hpp>

#include "sim/engine/host_memory.hpp"
#include "sim/engine/platform.hpp"
#include "sim/engine/workload_registry.hpp"

namespace headroom::workloads {

inline std::uint64_t round_up_to_page(std::uint64_t bytes, std::uint64_t page_bytes) {
  return (bytes + page_bytes - 1) / page_bytes * page_bytes;
}

// After a step: sample the host's memory and raise the peak to the owner's resident bytes now.
inline void sample_peak_rss(engine::WorkloadContext& ctx, mm::OwnerId owner, std::uint64_t& peak_resident_bytes) {
  ctx.sample_memory();
  peak_resident_bytes = std::max(peak_resident_bytes, ctx.memory.manager().owner_rss_bytes(owner));
}

// A step ended now: its end time, and the first step's (cold: it faulted the footprint in) once
// `steps_done` reaches 1. Data has steps_done, first_step_end_s and last_step_end_s.
template <class Data>
void note_step_end(Data& data) {
  data.last_step_end_s = simgrid::s4u::Engine::get_clock();
  if (data.steps_done == 1) data.first_step_end_s = data.last_step_end_s;
}

// Done: mark the data finished now and tell the context (which frees the memory and releases
// the dependants). Data has finished and finish_s.
template <class Data>
void mark_finished(engine::WorkloadContext& ctx, Data& data) {
  data.finished = true;
  data.finish_s = simgrid::s4u::Engine::get_clock();
  ctx.finished();
}

// start() of a kind run by one Model actor on the CPU: the Model is built from the context and its
// Spec, registers its process, then runs. `kind` and `spec_name` name them in the logic error a
// spec of the wrong type gets (a registry bug, not a user error).
template <class Model, class Spec>
void start_one_actor(engine::WorkloadContext& ctx, const char* kind, const char* spec_name) {
  const auto* spec = dynamic_cast<const Spec*>(&ctx.spec);
  if (!spec)
    throw std::logic_error("workload '" + ctx.spec.name + "' has kind " + kind + " but no " + spec_name);
  auto model = std::make_shared<Model>(ctx, *spec);
  Model::register_process(model);
  engine::create_actor(ctx.platform, spec->name, ctx.platform.cpu, [model] { model->run(); });
}

}  // namespace headroom::workloads
