// Reader for the Azure LLM inference trace 2023 (Splitwise, ISCA'24), CSV with a required header
// `TIMESTAMP,ContextTokens,GeneratedTokens`, timestamps `YYYY-MM-DD HH:MM:SS.fffffff` (any number
// of fractional digits up to 9, or none), CRLF or LF line ends, last line with or without newline.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/trace/timestamp.hpp"

namespace headroom::models {

struct TraceRequest {
  double offset_s = 0;  // since the first row's timestamp (exact to the 100 ns of the trace)
  std::uint32_t context_tokens = 0;    // prompt
  std::uint32_t generated_tokens = 0;  // output
};

// Reads at most `max_rows` data rows (0 = all), in a stream (gzip too). A UTF-8 byte-order mark
// before the header is skipped. Throws config::ConfigError naming `path`, the line (the header is
// line 1) and the column of the offending field, with what was expected and found: a file that
// cannot be read (each cause in its own words: missing, a directory, a symbolic link loop, a FIFO
// without a writer, not permitted), binary data, a line over 64 KiB, a wrong header, a row without exactly three fields, a malformed timestamp or
// token count, or a timestamp earlier than the previous row's.
std::vector<TraceRequest> read_azure_trace(const std::string& path, std::uint64_t max_rows = 0);

// Parses one `YYYY-MM-DD HH:MM:SS[.f...]` timestamp (years 0000-9999, exact) into seconds and
// nanoseconds since 1970-01-01 (no time zone); false when malformed (also for out-of-range fields,
// e.g. month 13, minute 60, 29 February of a common year).
bool parse_trace_timestamp(const std::string& text, trace::DateTime& time);
// The same as one signed 64-bit nanosecond count; also false outside 1677-2262, where it overflows.
bool parse_trace_timestamp(const std::string& text, std::int64_t& ns_since_epoch);

}  // namespace headroom::models
