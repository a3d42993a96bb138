#include "models/workloads/common/azure_trace.hpp"

#include <algorithm>
#include <cstdint>

#include "sim/config/error.hpp"
#include "sim/trace/requests/request_trace.hpp"
#include "sim/trace/requests/rows.hpp"
#include "sim/trace/timestamp.hpp"

// One parser: the rows are read by the request-trace reader's "azure" format
// (sim/trace/requests/azure.cpp); this keeps the arrivals' interface and its ConfigError messages.
namespace headroom::models {

bool parse_trace_timestamp(const std::string& text, trace::DateTime& time) {
  const auto parsed = trace::parse_date_time(text, false);
  if (parsed) time = *parsed;
  return parsed.has_value();
}

bool parse_trace_timestamp(const std::string& text, std::int64_t& ns) {
  trace::DateTime time;
  if (!parse_trace_timestamp(text, time)) return false;
  return reqtrace::epoch_ns(time, ns);  // false outside 1677-09-21 .. 2262-04-11
}

std::vector<TraceRequest> read_azure_trace(const std::string& path, std::uint64_t max_rows) {
  reqtrace::Options options;
  options.format = "azure";
  options.max_rows = max_rows;
  options.wide_dates = true;  // offsets are exact from the calendar times, in any year 0000-9999
  std::vector<TraceRequest> rows;
  try {
    const auto reader = reqtrace::open_requests(path, options);
    reqtrace::Record r;
    trace::DateTime first;
    while (reader->next(r)) {
      if (rows.empty()) first = r.date_time;
      // Exact in integer seconds and nanoseconds whatever the years, rounded once.
      rows.push_back({trace::seconds_between(first, r.date_time), r.input_tokens, r.output_tokens});
    }
  } catch (const reqtrace::TraceError& e) {
    const auto clamp = [](std::uint64_t v) { return static_cast<int>(std::clamp<std::uint64_t>(v, 1, INT32_MAX)); };
    throw config::ConfigError(e.file(), clamp(e.line()), clamp(e.column()), e.message());
  }
  return rows;
}

}  // namespace headroom::models
