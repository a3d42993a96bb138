// Request arrivals shared by serving kinds: the config (Poisson or a recorded trace), its parser
// (front end, hr_config) and the request source the engine feeds a server's queue from
// (request_source.hpp). A trace is read and checked when the scenario loads (errors at
// file:row:column before any simulation); the spec carries its requests, so the engine never opens it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sim/config/workload_parsers.hpp"

namespace headroom::workloads {

// One request as the source produces it.
struct Request {
  double arrival_s = 0;  // simulated time
  std::uint32_t prompt_tokens = 0;
  std::uint32_t output_tokens = 0;
  // The prompt's prefix block ids (Mooncake `hash_ids`: one per prefix_block_tokens of the prompt;
  // equal leading ids mean an equal prefix), empty when the trace has none. A view into the
  // ArrivalSpec's one shared pool (ArrivalSpec::prefix_pool), which outlives every copy of the
  // request (the spec lives for the whole run), so a request costs 16 bytes for them, not a vector.
  std::span<const std::uint64_t> prefix_hashes;
};

struct ArrivalSpec {
  // router: a replica fed by the router workload `router` (models/workloads/router), no source of
  // its own.
  enum class Kind { poisson, trace, router } kind = Kind::poisson;
  double rate_per_s = 0;            // poisson
  std::uint32_t prompt_tokens = 0;  // poisson: tokens per request
  std::uint32_t output_tokens = 0;
  std::string trace_path;           // trace: any request trace (sim/trace/requests), resolved to an absolute path
  double time_scale = 1.0;          // trace: simulated gap = recorded gap * time_scale
  std::uint64_t max_requests = 0;   // 0 = all
  // trace: the format read (a reqtrace registered name), its rows that recorded a failure (not
  // served, counted), and its bad rows skipped under `on_bad_row: skip` (the first one's message).
  std::string trace_format;
  bool trace_skips_bad_rows = false;
  std::uint64_t trace_failed_rows = 0, trace_skipped_rows = 0;
  std::string trace_first_skipped;
  // trace: its requests in arrival order, arrival = (t - t_first) x time_scale, those before the
  // scenario's horizon only; read at load time.
  std::shared_ptr<const std::vector<Request>> trace_requests;
  // trace: every request's prefix block ids, back to back (trace_requests' spans point into it).
  std::shared_ptr<const std::vector<std::uint64_t>> prefix_pool;
  std::string router;                // router: the router workload's name
  config::SourcePosition router_position;  // where `router:` stands (checked once all are parsed)
};

// What `prefix_cache: true` found instead of requests with prefix ids, for its message ("poisson
// arrivals", "a trace without prefix ids (format azure)"); "" when they carry some, or for a router's
// replica (whose arrivals are the router's: checked against them once every workload is parsed).
std::string arrivals_without_prefix_ids(const ArrivalSpec& arrivals);
// The message of that refusal (at `prefix_cache`), `found` from arrivals_without_prefix_ids.
std::string prefix_ids_expected(const std::string& found);

// The workload's `arrivals:` map. A trace is read here (config::ConfigError at its row and column).
// `context_tokens` bounds Poisson requests' prompt + output. `router: NAME` is accepted only where
// `routed` (an llm-server replica); its name is checked once every workload is parsed.
ArrivalSpec parse_arrivals(const config::ParseContext& ctx, const config::MapReader& workload,
                           std::uint32_t context_tokens, bool routed = false);

}  // namespace headroom::workloads
