// The trace-mode subcommands of the headroom CLI: `cache` (replay a trace through eviction
// policies) and `mrc` (LRU miss-ratio curve with the 96 GiB / 128 GiB marks).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace headroom::trace {

// Adds `cache` and `mrc` to `app`; when one of them runs, it prints to stdout (errors to stderr)
// and sets exit_code: 0 on success, 2 on bad input (unreadable or malformed trace, bad option).
void add_trace_commands(CLI::App& app, int& exit_code);
// The same, printing to `out` and `err` (tests).
void add_trace_commands(CLI::App& app, int& exit_code, std::ostream& out, std::ostream& err);

// "4096", "4KiB", "96GiB", "3.5GB": bytes; throws std::invalid_argument naming what was expected.
std::uint64_t parse_bytes(const std::string& text);

}  // namespace headroom::trace
