// llm-server's summary (front end, hr_analysis): request counts, latency percentiles, throughput,
// in the order and with the keys the goldens' "metrics" always had; and the service figures the
// verdict reads (requests arrived, completed, backlog and its growth).
#include <algorithm>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"
#include "models/workloads/common/latency_summary.hpp"
#include "models/workloads/llm-server/data.hpp"

namespace headroom::workloads::llm_server {

namespace {

using analysis::Distribution;
using analysis::KindSummary;
using analysis::RequestRecord;
using Json = nlohmann::ordered_json;

// Requests arrived by t and neither failed nor completed by t.
std::uint64_t backlog_at(const std::vector<RequestRecord>& requests, double t) {
  std::uint64_t n = 0;
  for (const RequestRecord& r : requests)
    if (r.arrival_s <= t && !r.failed && !(r.finish_s >= 0 && r.finish_s <= t)) ++n;
  return n;
}

struct Figures : RequestTally {
  std::uint64_t generated_tokens = 0;
  std::vector<double> wait;  // queue wait: admission - arrival
};

Figures figures(const LlmServerData& data) {
  Figures f;
  for (const RequestRecord& r : data.requests) {
    f.add(r);
    f.generated_tokens += r.generated_tokens;
    if (r.admitted_s >= 0) f.wait.push_back(r.admitted_s - r.arrival_s);
  }
  return f;
}

// `prefix_cache: true` only (so a server without it prints exactly what it always did): the pool in
// info, what the cache found and saved in metrics.prefix_cache, three Markdown rows. Mean KV saved
// is over the run window, the integral closed at its end.
void prefix_cache_summary(const PrefixCacheData& p, const analysis::RunWindow& window, KindSummary& k) {
  if (!p.enabled) return;
  k.info["prefix_block_tokens"] = p.block_tokens;
  k.info["prefix_blocks"] = p.blocks;
  k.units["prefix_block_tokens"] = "tokens";
  k.units["prefix_blocks"] = "blocks";
  const double hit_rate =
      p.prompt_tokens > 0 ? static_cast<double>(p.hit_tokens) / static_cast<double>(p.prompt_tokens) : 0;
  const double tail_s = std::max(0.0, window.end_s - p.last_change_s);
  const double mean_saved =
      window.length_s() > 0
          ? (p.saved_byte_seconds + static_cast<double>(p.saved_bytes_now) * tail_s) / window.length_s()
          : 0;
  Json c = Json::object();
  c["hit_rate"] = hit_rate;
  c["prompt_tokens"] = p.prompt_tokens;
  c["prefill_tokens_saved"] = p.hit_tokens;
  c["hit_requests"] = p.hit_requests;
  c["evicted_blocks"] = p.evictions;
  c["kv_saved_bytes"] = Json{{"peak", p.peak_saved_bytes}, {"mean", mean_saved}};
  k.metrics["prefix_cache"] = c;
  k.units["prefix_cache.hit_rate"] = "fraction";
  k.units["prefix_cache.prompt_tokens"] = k.units["prefix_cache.prefill_tokens_saved"] = "tokens";
  k.units["prefix_cache.hit_requests"] = "requests";
  k.units["prefix_cache.evicted_blocks"] = "blocks";
  k.units["prefix_cache.kv_saved_bytes.peak"] = k.units["prefix_cache.kv_saved_bytes.mean"] = "bytes";
  using analysis::format_g;
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  k.rows.push_back({"prefix cache hit rate (tokens)", format_g(hit_rate, 4)});
  k.rows.push_back({"prefill tokens saved", analysis::format_u64(p.hit_tokens)});
  k.rows.push_back({"KV saved by sharing peak / mean (GiB)",
                    format_g(static_cast<double>(p.peak_saved_bytes) / kGiB, 4) + " / " + format_g(mean_saved / kGiB, 4)});
}

}  // namespace

analysis::KindSummary summarize(const analysis::WorkloadResult& w, double horizon_s) {
  static const LlmServerData kNone;
  const auto* found = dynamic_cast<const LlmServerData*>(w.data.get());
  const LlmServerData& data = found ? *found : kNone;
  const Figures f = figures(data);
  const analysis::RunWindow window = analysis::run_window(w, horizon_s);
  const double tokens_per_s =
      window.length_s() > 0 ? static_cast<double>(f.generated_tokens) / window.length_s() : 0;
  const Distribution ttft = analysis::summarize_distribution(f.ttft), tpot = analysis::summarize_distribution(f.tpot),
                     e2e = analysis::summarize_distribution(f.e2e), wait = analysis::summarize_distribution(f.wait);
  const double memory_stall_s = analysis::union_length_s(w.memory_stall, horizon_s);

  KindSummary k;
  k.info = Json::object();
  k.info["device"] = data.device;
  k.info["weights_bytes"] = data.weights_bytes;
  k.info["kv_budget_bytes"] = data.kv_budget_bytes;
  k.info["max_batch"] = data.max_batch;
  k.info["prefill_steps"] = data.prefill_steps;
  k.info["decode_steps"] = data.decode_steps;
  k.units["weights_bytes"] = k.units["kv_budget_bytes"] = "bytes";
  k.units["max_batch"] = "sequences";
  k.units["prefill_steps"] = k.units["decode_steps"] = "steps";
  Json& m = k.metrics = Json::object();
  request_count_metrics(k, f.arrived, f.completed, f.failed, f.unfinished, f.failure_reasons);
  m["generated_tokens"] = f.generated_tokens;
  m["tokens_per_s"] = tokens_per_s;
  m["ttft_s"] = distribution_json(ttft);
  m["tpot_s"] = distribution_json(tpot);
  m["e2e_s"] = distribution_json(e2e);
  m["queue_wait_s"] = distribution_json(wait);
  m["memory_stall_s"] = memory_stall_s;
  k.units["generated_tokens"] = "tokens";
  k.units["tokens_per_s"] = "tokens/s";
  for (const char* key : {"ttft_s", "tpot_s", "e2e_s", "queue_wait_s"}) distribution_units(k, key);
  k.units["memory_stall_s"] = "s";

  using analysis::format_g;
  using analysis::format_u64;
  k.placement = data.device;
  k.rows = {{"requests completed / failed / unfinished",
             format_u64(f.completed) + " / " + format_u64(f.failed) + " / " + format_u64(f.unfinished)},
            {"throughput (tokens/s)", format_g(tokens_per_s, 4)},
            {"TTFT p50 / p99 (s)", p50_p99_cell(ttft)},
            {"TPOT p50 / p99 (s/token)", p50_p99_cell(tpot)},
            {"end-to-end p50 / p99 (s)", p50_p99_cell(e2e)},
            {"queue wait p50 / p99 (s)", p50_p99_cell(wait)},
            {"memory stall (s)", format_g(memory_stall_s, 4)}};
  prefix_cache_summary(data.prefix, window, k);
  trace_row_summary(k, {data.trace_skips_bad_rows, data.trace_failed_rows, data.trace_skipped_rows});

  analysis::ServiceSummary& s = k.service;
  s.unit = "request";
  s.arrived = f.arrived;
  s.completed = f.completed;
  s.failed = f.failed;
  s.backlog = f.unfinished;
  s.backlog_growth = static_cast<std::int64_t>(f.unfinished) -
                     static_cast<std::int64_t>(backlog_at(data.requests, window.mid_s()));
  s.concurrency = data.max_batch;
  s.failures = f.failure_reasons;
  analysis::judge_service(s);
  return k;
}

}  // namespace headroom::workloads::llm_server
