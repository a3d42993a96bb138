#include <cmath>

#include "models/workloads/common/arrivals.hpp"
#include "models/workloads/common/azure_trace.hpp"
#include "sim/checked.hpp"
#include "sim/text.hpp"

namespace headroom::workloads {

namespace {

using config::MapReader;
using config::ParseContext;

constexpr std::uint64_t kMaxPoissonRequests = 10'000'000;

void parse_poisson(const ParseContext& ctx, const MapReader& map, std::uint32_t context_tokens, ArrivalSpec& arrivals) {
  for (const char* key : {"time_scale", "max_requests"})
    if (map.has(key)) map.fail(map.get(key), std::string(key) + " applies to trace arrivals only");
  arrivals.kind = ArrivalSpec::Kind::poisson;
  arrivals.rate_per_s = map.rate_per_s("poisson", true);
  // Every request is a record in the results: bound them so a unit slip (1000000h) is an error,
  // not a run that exhausts memory.
  const double expected_requests = arrivals.rate_per_s * ctx.duration_s;
  if (!(expected_requests <= kMaxPoissonRequests)) {
    const auto whole = checked_to_u64(std::floor(expected_requests));
    map.fail(map.get("poisson"), "poisson: expected at most " + std::to_string(kMaxPoissonRequests) +
                                     " requests over the scenario's duration, found about " +
                                     (whole ? std::to_string(*whole) : "2^64 or more") +
                                     " (rate x duration); lower the rate or the duration");
  }
  arrivals.prompt_tokens = static_cast<std::uint32_t>(map.integer("prompt_tokens", 1, 1 << 30));
  arrivals.output_tokens = static_cast<std::uint32_t>(map.integer("output_tokens", 1, 1 << 30));
  if (std::uint64_t{arrivals.prompt_tokens} + arrivals.output_tokens > context_tokens)
    map.fail(map.get("output_tokens"),
             "prompt_tokens + output_tokens = " +
                 std::to_string(std::uint64_t{arrivals.prompt_tokens} + arrivals.output_tokens) +
                 " does not fit in context " + std::to_string(context_tokens));
}

// The trace's requests that arrive before the horizon, scaled; errors name the file as `shown`.
std::shared_ptr<const std::vector<Request>> read_trace(const ArrivalSpec& a, const std::string& shown,
                                                       double horizon_s) {
  auto out = std::make_shared<std::vector<Request>>();
  for (const models::TraceRequest& r : models::read_azure_trace(shown, a.max_requests)) {
    const double t = r.offset_s * a.time_scale;
    if (t >= horizon_s) break;
    out->push_back({t, r.context_tokens, r.generated_tokens, {}});
  }
  return out;
}

// A replica: the router gives it every request, so no other arrivals key applies.
void parse_routed(const MapReader& map, ArrivalSpec& arrivals) {
  for (const char* key : {"poisson", "prompt_tokens", "output_tokens", "trace", "time_scale", "max_requests"})
    if (map.has(key))
      map.fail(map.get(key), std::string("arrivals: ") + key +
                                 " does not apply to a replica (router: gives it the router's requests)");
  arrivals.kind = ArrivalSpec::Kind::router;
  arrivals.router = map.scalar("router", "the name of a router workload");
  arrivals.router_position = config::position_of(map.get("router"));
}

}  // namespace

ArrivalSpec parse_arrivals(const ParseContext& ctx, const MapReader& workload, std::uint32_t context_tokens,
                           bool routed) {
  std::vector<std::string> keys{"poisson", "prompt_tokens", "output_tokens", "trace", "time_scale", "max_requests"};
  if (routed) keys.push_back("router");
  const MapReader map(ctx.file, workload.required("arrivals"), "arrivals", keys);
  ArrivalSpec arrivals;
  if (map.has("router")) {
    parse_routed(map, arrivals);
    return arrivals;
  }
  if (map.has("poisson") == map.has("trace"))
    map.fail(map.node(), "arrivals: give exactly one of poisson: (a rate such as 0.5/s) or trace: "
                         "(a CSV file)");
  if (map.has("poisson")) {
    parse_poisson(ctx, map, context_tokens, arrivals);
    return arrivals;
  }
  for (const char* key : {"prompt_tokens", "output_tokens"})
    if (map.has(key))
      map.fail(map.get(key), std::string(key) + " applies to poisson arrivals only (a trace gives "
                                                "each request's tokens)");
  arrivals.kind = ArrivalSpec::Kind::trace;
  const std::string text = map.scalar("trace", "a file path");
  arrivals.trace_path = config::resolve_input_file(ctx, map.get("trace"), "trace", text);
  if (map.has("time_scale")) arrivals.time_scale = map.number("time_scale", 0);
  arrivals.max_requests = static_cast<std::uint64_t>(map.integer_or("max_requests", 0, 0, INT64_MAX));
  arrivals.trace_requests = read_trace(arrivals, config::shown_input_path(ctx, text), ctx.duration_s);
  return arrivals;
}

}  // namespace headroom::workloads
