#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>
#include <utility>

#include "models/workloads/common/arrivals.hpp"
#include "models/workloads/common/model_quant.hpp"
#include "sim/checked.hpp"
#include "sim/config/error.hpp"
#include "sim/text.hpp"
#include "sim/trace/requests/request_trace.hpp"
#include "sim/trace/requests/transform.hpp"
#include "sim/trace/timestamp.hpp"

namespace headroom::workloads {

namespace {

using config::MapReader;
using config::ParseContext;

constexpr std::uint64_t kMaxPoissonRequests = 10'000'000;

// Every trace key, and the keys Poisson arrivals or a replica reject.
const std::vector<std::string> kTraceKeys{"trace", "format", "columns", "window", "time_scale", "rate", "sample",
                                         "seed", "max_requests", "order", "on_bad_row"};

void parse_poisson(const ParseContext& ctx, const MapReader& map, std::uint32_t context_tokens, ArrivalSpec& arrivals) {
  for (const std::string& key : kTraceKeys)
    if (key != "trace" && map.has(key)) map.fail(map.get(key), key + " applies to trace arrivals only");
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


// Requests kept before the horizon, and bytes of prefix ids: bounded like Poisson arrivals (every
// request is a record in the results), so a week-long trace on a week-long horizon is refused
// with the keys that cut it, not a run that exhausts memory.
constexpr std::uint64_t kMaxTraceRequests = kMaxPoissonRequests;
constexpr std::uint64_t kMaxPrefixIds = std::uint64_t{1} << 27;

// The reader's error as the config layer's: at the trace's row and column.
[[noreturn]] void rethrow_at_row(const reqtrace::TraceError& e) {
  const auto clamp = [](std::uint64_t v) { return static_cast<int>(std::clamp<std::uint64_t>(v, 1, INT32_MAX)); };
  throw config::ConfigError(e.file(), clamp(e.line()), clamp(e.column()), e.message());
}

// `format:` (a registered reqtrace name; absent: detected from the file's first line).
std::string parse_format(const MapReader& map) {
  if (!map.has("format")) return "";
  const std::string name = map.scalar("format", "a request-trace format name");
  const std::vector<std::string> names = reqtrace::format_names();
  if (std::find(names.begin(), names.end(), name) != names.end()) return name;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : " | ") + n;
  map.fail(map.get("format"), "format: expected one of " + list + ", found '" + shown(name) + "'");
}

// `columns: {time, input, output, hash_ids, time_unit}`: the generic formats' mapping (or
// overrides of a known format's column names).
reqtrace::Columns parse_columns(const ParseContext& ctx, const MapReader& map) {
  reqtrace::Columns c;
  if (!map.has("columns")) return c;
  const MapReader cols(ctx.file, map.get("columns"), "columns", {"time", "input", "output", "hash_ids", "time_unit"});
  c.time = cols.string_or("time", "");
  c.input = cols.string_or("input", "");
  c.output = cols.string_or("output", "");
  c.hash_ids = cols.string_or("hash_ids", "");
  c.time_unit = choose<std::string>(cols, "time_unit", "s",
                                    {{"s", "s"}, {"ms", "ms"}, {"us", "us"}, {"ns", "ns"}, {"datetime", "datetime"}});
  return c;
}

// `window: {start: D, end: D}`: seconds after the trace's first row, end after start.
reqtrace::Window parse_window(const ParseContext& ctx, const MapReader& map) {
  const MapReader w(ctx.file, map.get("window"), "window", {"start", "end"});
  if (!w.has("start") && !w.has("end")) w.fail(w.node(), "window: expected start: and/or end: (durations such as 1h)");
  reqtrace::Window window;
  if (w.has("start")) window.start_s = w.duration_s("start", false);
  if (w.has("end")) {
    window.end_s = w.duration_s("end", true);
    if (!(window.end_s > window.start_s))
      w.fail(w.get("end"), "window: expected end after start '" + shown(w.has("start") ? w.scalar("start", "") : "0s") +
                               "', found '" + shown(w.scalar("end", "")) + "'");
  }
  return window;
}

// The reader's options and transforms from the trace keys (each checked here, at its key).
struct TraceKeys {
  reqtrace::Options options;
  reqtrace::Transform transform;
  bool legacy = true;  // only today's keys: offsets computed exactly as before (see read_trace)
};

TraceKeys parse_trace_keys(const ParseContext& ctx, const MapReader& map, ArrivalSpec& a) {
  TraceKeys k;
  k.options.format = parse_format(map);
  k.options.columns = parse_columns(ctx, map);
  k.options.order = choose<reqtrace::Order>(map, "order", "reject", {{"reject", reqtrace::Order::reject},
                                                                     {"sort", reqtrace::Order::sort}});
  k.options.on_bad_row = choose<trace::BadRowAction>(map, "on_bad_row", "fail", {{"fail", trace::BadRowAction::fail},
                                                                                 {"skip", trace::BadRowAction::skip}});
  a.trace_skips_bad_rows = k.options.on_bad_row == trace::BadRowAction::skip;
  if (map.has("time_scale") && map.has("rate"))
    map.fail(map.get("rate"), "rate: give either time_scale: (gaps multiplied) or rate: (gaps rescaled to a mean "
                              "rate), not both");
  if (map.has("time_scale")) a.time_scale = map.number("time_scale", 0);
  a.max_requests = static_cast<std::uint64_t>(map.integer_or("max_requests", 0, 0, INT64_MAX));
  reqtrace::Transform& t = k.transform;
  t.max_requests = a.max_requests;
  if (map.has("window")) t.window = parse_window(ctx, map);
  if (map.has("rate")) t.rate_per_s = map.rate_per_s("rate", true);
  if (map.has("sample")) {
    const double p = map.number("sample", 0);
    if (p > 1) map.fail(map.get("sample"), "sample: expected a fraction of the rows in (0, 1], found '" + shown(map.scalar("sample", "")) + "'");
    t.sample = p;
  }
  if (map.has("seed") && !map.has("sample")) map.fail(map.get("seed"), "seed: seeds sample: only (give sample: too)");
  t.seed = static_cast<std::uint64_t>(map.integer_or("seed", 0, 0, INT64_MAX));
  k.legacy = !t.window && !t.rate_per_s && !t.sample;
  // Today's Azure reading: exact offsets from the calendar times in any year 0000-9999.
  k.options.wide_dates = k.legacy;
  if (!k.legacy) t.time_scale = a.time_scale;
  return k;
}

// The trace's requests that arrive before the horizon (failure rows counted, not kept), their
// prefix ids in one pool. Legacy keys: offset = calendar seconds since the first row (as
// trace::seconds_between, exactly as before) x time_scale; else the transform's ns.
void read_trace(const MapReader& map, ArrivalSpec& a, const std::string& shown_path, double horizon_s,
                const TraceKeys& k) {
  auto out = std::make_shared<std::vector<Request>>();
  auto pool = std::make_shared<std::vector<std::uint64_t>>();
  std::vector<std::pair<std::size_t, std::size_t>> spans;  // into the pool, made views once it is whole
  try {
    const auto reader = reqtrace::open_transformed(shown_path, k.options, k.transform);
    reqtrace::Record r;
    std::optional<trace::DateTime> first;
    while (reader->next(r)) {
      double t = static_cast<double>(r.time_ns) * 1e-9;
      if (k.legacy && r.has_date_time) {
        if (!first) first = r.date_time;
        t = trace::seconds_between(*first, r.date_time);
      }
      if (k.legacy) t *= a.time_scale;
      if (t >= horizon_s) break;
      if (r.failed) {
        ++a.trace_failed_rows;
        continue;
      }
      if (out->size() == kMaxTraceRequests || pool->size() + r.hash_ids.size() > kMaxPrefixIds)
        map.fail(map.get("trace"), "trace: expected at most " + std::to_string(kMaxTraceRequests) + " requests (" +
                                       std::to_string(kMaxPrefixIds) + " prefix ids) before the horizon, found more "
                                       "by row " + std::to_string(r.line) + "; cut it with window:, sample: or max_requests:");
      spans.emplace_back(pool->size(), r.hash_ids.size());
      pool->insert(pool->end(), r.hash_ids.begin(), r.hash_ids.end());
      out->push_back({t, r.input_tokens, r.output_tokens, {}});
    }
    a.trace_format = std::string(reader->format());
    a.trace_skipped_rows = reader->counts().skipped;
    a.trace_first_skipped = reader->counts().first_skipped;
  } catch (const reqtrace::TraceError& e) {
    rethrow_at_row(e);
  } catch (const std::invalid_argument& e) {  // a transform out of range: checked above, kept as a guard
    map.fail(map.node(), std::string("arrivals: ") + e.what());
  }
  for (std::size_t i = 0; i < out->size(); ++i)
    (*out)[i].prefix_hashes = std::span<const std::uint64_t>(pool->data() + spans[i].first, spans[i].second);
  a.trace_requests = std::move(out);
  a.prefix_pool = std::move(pool);
}

// A replica: the router gives it every request, so no other arrivals key applies.
void parse_routed(const MapReader& map, ArrivalSpec& arrivals) {
  std::vector<std::string> keys{"poisson", "prompt_tokens", "output_tokens"};
  keys.insert(keys.end(), kTraceKeys.begin(), kTraceKeys.end());
  for (const std::string& key : keys)
    if (map.has(key))
      map.fail(map.get(key), "arrivals: " + key + " does not apply to a replica (router: gives it the router's requests)");
  arrivals.kind = ArrivalSpec::Kind::router;
  arrivals.router = map.scalar("router", "the name of a router workload");
  arrivals.router_position = config::position_of(map.get("router"));
}

}  // namespace

ArrivalSpec parse_arrivals(const ParseContext& ctx, const MapReader& workload, std::uint32_t context_tokens,
                           bool routed) {
  std::vector<std::string> keys{"poisson", "prompt_tokens", "output_tokens"};
  keys.insert(keys.end(), kTraceKeys.begin(), kTraceKeys.end());
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
  const TraceKeys trace_keys = parse_trace_keys(ctx, map, arrivals);
  read_trace(map, arrivals, config::shown_input_path(ctx, text), ctx.duration_s, trace_keys);
  return arrivals;
}

std::string arrivals_without_prefix_ids(const ArrivalSpec& arrivals) {
  switch (arrivals.kind) {
    case ArrivalSpec::Kind::poisson:
      return "poisson arrivals";
    case ArrivalSpec::Kind::trace:
      if (arrivals.prefix_pool && !arrivals.prefix_pool->empty()) return "";
      return "a trace without prefix ids (format " + arrivals.trace_format + ")";
    case ArrivalSpec::Kind::router:
      return "";
  }
  return "";
}

std::string prefix_ids_expected(const std::string& found) {
  return "expected arrivals with prefix ids (a Mooncake trace with hash_ids, or a column mapping with "
         "hash_ids), found " + found;
}

}  // namespace headroom::workloads
