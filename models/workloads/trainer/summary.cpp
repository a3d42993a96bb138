// kind: trainer: its metrics (front end, hr_analysis), computed from the TrainerData the engine
// recorded: step time (warm: the mean over steps after the first, which also pays the start-up
// faults), tokens/s and samples/s from it, the time to its steps or an epoch (steps x step time),
// the regions' sizes, and the largest micro-batch that fits with the footprints at it and above.
#include <cmath>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"
#include "models/workloads/trainer/data.hpp"

namespace headroom::workloads::trainer {

namespace {

// Mean optimizer-step time: after the first step when there are two or more, else the first's.
std::optional<double> step_time_s(const TrainerData& d) {
  if (d.steps_done >= 2 && d.last_step_end_s > d.first_step_end_s)
    return (d.last_step_end_s - d.first_step_end_s) / static_cast<double>(d.steps_done - 1);
  if (d.steps_done == 1 && d.first_step_end_s > d.start_s) return d.first_step_end_s - d.start_s;
  return std::nullopt;
}

nlohmann::ordered_json optional(const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nullptr; }

nlohmann::ordered_json memory_json(const TrainerData& d) {
  nlohmann::ordered_json m;
  m["weights_bytes"] = d.weights_bytes;
  m["grads_bytes"] = d.grads_bytes;
  m["optimizer_bytes"] = d.optimizer_bytes;
  m["activations_bytes"] = d.activations_bytes;
  m["dataloader_bytes"] = d.dataloader_bytes;
  m["footprint_bytes"] = d.footprint_bytes;
  m["peak_resident_bytes"] = d.peak_resident_bytes;
  m["available_bytes"] = d.available_bytes;
  m["gpu_limit_bytes"] = d.gpu_limit_bytes;
  if (d.vram_bytes > 0) m["vram_bytes"] = d.vram_bytes;  // a discrete GPU only (older outputs unchanged)
  m["max_micro_batch"] = d.max_micro_batch;
  m["footprint_at_max_bytes"] = d.footprint_at_max_bytes;
  m["footprint_above_max_bytes"] = d.footprint_above_max_bytes;
  return m;
}

// On a discrete GPU the footprint splits between host RAM and VRAM: both are shown.
analysis::MetricRow footprint_row(const TrainerData& d) {
  const auto gib = [](std::uint64_t b) { return analysis::format_g(static_cast<double>(b) / (1u << 30), 4); };
  if (d.vram_bytes == 0) return {"footprint (GiB)", gib(d.footprint_bytes)};
  return {"footprint host + VRAM (GiB)", gib(d.footprint_bytes - d.vram_bytes) + " + " + gib(d.vram_bytes)};
}

}  // namespace

analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  analysis::KindSummary k;
  const auto* d = dynamic_cast<const TrainerData*>(w.data.get());
  if (!d) {
    k.metrics = nullptr;
    return k;
  }
  k.info = {{"method", d->method}, {"optimizer", d->optimizer}, {"checkpointing", d->checkpointing},
            {"device", d->device}, {"micro_batch", d->micro_batch}, {"seq_len", d->seq_len},
            {"grad_accum", d->grad_accum}, {"trained_params", d->trained_params}};
  const std::optional<double> step_s = step_time_s(*d);
  // In doubles: micro_batch x seq_len x grad_accum may pass 2^64 (each is bounded, not the product).
  const double samples = static_cast<double>(d->micro_batch) * static_cast<double>(d->grad_accum);
  const double tokens = samples * static_cast<double>(d->seq_len);
  std::optional<double> tokens_per_s, samples_per_s, to_steps_s, epoch_s, finish_s;
  if (step_s) {
    tokens_per_s = tokens / *step_s;
    samples_per_s = samples / *step_s;
    if (d->work_steps > 0) to_steps_s = static_cast<double>(d->work_steps) * *step_s;
    if (d->steps_per_epoch > 0) epoch_s = static_cast<double>(d->steps_per_epoch) * *step_s;
  }
  if (d->finished) finish_s = d->finish_s - d->start_s;
  nlohmann::ordered_json& m = k.metrics;
  m["steps_done"] = d->steps_done;
  m["work_steps"] = d->work_steps;
  m["step_time_s"] = optional(step_s);
  m["tokens_per_s"] = optional(tokens_per_s);
  m["samples_per_s"] = optional(samples_per_s);
  m["time_to_steps_s"] = optional(to_steps_s);
  m["steps_per_epoch"] = d->steps_per_epoch;
  m["epoch_time_s"] = optional(epoch_s);
  m["time_to_finish_s"] = optional(finish_s);
  m["micro_step_flops"] = d->micro_step_flops;
  m["memory_stall_s"] = analysis::union_length_s(w.memory_stall, horizon_s);
  m["memory"] = memory_json(*d);
  k.units = {{"steps_done", "steps"}, {"work_steps", "steps"}, {"step_time_s", "s"}, {"tokens_per_s", "tokens/s"},
             {"samples_per_s", "samples/s"}, {"time_to_steps_s", "s"}, {"steps_per_epoch", "steps"},
             {"epoch_time_s", "s"}, {"time_to_finish_s", "s"}, {"micro_step_flops", "FLOP"}, {"memory_stall_s", "s"}};
  for (const auto& [key, unused] : m["memory"].items())
    k.units["memory." + key] = key == "max_micro_batch" ? "samples" : "bytes";
  using analysis::format_g;
  const auto or_dash = [](const std::optional<double>& v) { return v ? format_g(*v, 4) : std::string("-"); };
  k.rows = {{"steps done (" + d->method + ", " + d->device + ")", analysis::format_u64(d->steps_done)},
            {"step time (s)", or_dash(step_s)},
            {"tokens/s", or_dash(tokens_per_s)},
            {"time to steps / epoch (s)", or_dash(to_steps_s) + " / " + or_dash(epoch_s)},
            footprint_row(*d),
            {"largest micro-batch that fits", analysis::format_u64(d->max_micro_batch)}};
  analysis::ServiceSummary& s = k.service;
  s.unit = "step";
  s.completed = d->steps_done;
  s.arrived = std::max(d->work_steps, d->steps_done);
  s.backlog = s.arrived - s.completed;
  if (d->work_steps > 0) s.progress = static_cast<double>(d->steps_done) / static_cast<double>(d->work_steps);
  // A training job keeps up while it runs and makes progress; how fast is in its metrics.
  s.keeps_up = !analysis::is_failure(w.status) && d->steps_done > 0;
  s.reason = std::to_string(d->steps_done) + " steps done" + (step_s ? " at " + format_g(*step_s, 4) + " s/step" : "");
  return k;
}

}  // namespace headroom::workloads::trainer
