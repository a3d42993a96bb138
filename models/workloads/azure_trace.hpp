// Reader for the Azure LLM inference trace 2023 (Splitwise, ISCA'24), CSV with a required header
// `TIMESTAMP,ContextTokens,GeneratedTokens`, timestamps `YYYY-MM-DD HH:MM:SS.fffffff` (any number
// of fractional digits up to 9, or none), CRLF or LF line ends, last line with or without newline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace headroom::models {

struct TraceRequest {
  double offset_s = 0;  // since the first row's timestamp (exact to the 100 ns of the trace)
  std::uint32_t context_tokens = 0;    // prompt
  std::uint32_t generated_tokens = 0;  // output
};

// Reads at most `max_rows` data rows (0 = all). Throws config::ConfigError naming `path`, the line
// (the header is line 1) and the column of the offending field, with what was expected and found:
// a missing file, a wrong header, a row without exactly three fields, a malformed timestamp or
// token count, or a timestamp earlier than the previous row's.
std::vector<TraceRequest> read_azure_trace(const std::string& path, std::uint64_t max_rows = 0);

// Parses one `YYYY-MM-DD HH:MM:SS[.f...]` timestamp into nanoseconds since 1970-01-01 (no time
// zone); false when malformed (also for out-of-range fields, e.g. month 13 or minute 60).
bool parse_trace_timestamp(const std::string& text, std::int64_t& ns_since_epoch);

}  // namespace headroom::models
