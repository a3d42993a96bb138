#include "sim/trace/cli.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <iostream>
#include <memory>
#include <thread>

#include "analysis/output_file.hpp"
#include "sim/config/units.hpp"
#include "sim/text.hpp"
#include "sim/mm/policy_registry.hpp"
#include "sim/trace/mrc.hpp"
#include "sim/trace/replay.hpp"
#include "sim/trace/report.hpp"
#include "sim/trace/trace_reader.hpp"

namespace headroom::trace {
namespace {

// Numeric options are taken as text and checked here (not by CLI11, which reads "-1" as 2^64 - 1
// for an unsigned option): digits only, within stated bounds, the option named in the message.
constexpr std::uint64_t kMaxFrames = 0xFFFFFFFEull;  // the most distinct pages a trace may have
constexpr std::uint64_t kMaxThreads = 1024;
constexpr std::uint64_t kMaxPageBytes = std::uint64_t{1} << 30;
constexpr std::uint64_t kMaxRowPages = std::uint64_t{1} << 32;

struct TraceArgs {
  std::string path;
  std::string id_col, size_col, time_col;
  std::string page_size = "4096";
  std::string id_unit = "page";
  std::string on_bad_row = "fail";
  std::string max_row_pages = "65536";
  std::string trace_format = "auto";
};

struct CacheArgs {
  TraceArgs trace;
  std::vector<std::string> policies;
  std::vector<std::string> frames;
  std::string format = "table";
  std::string threads = "0";
  std::string out_path;  // empty: stdout
};

struct MrcArgs {
  TraceArgs trace;
  std::string sample = "1";
  std::string os_reserve = "4GiB";
  std::vector<std::string> ram{"96GiB", "128GiB"};
  std::string format = "csv";
  std::string out_path;
};

void add_trace_options(CLI::App& cmd, TraceArgs& a) {
  cmd.add_option("TRACE", a.path,
                 "trace file: one page id per line, CSV with a header, or libCacheSim oracleGeneral (.gz and .zst read "
                 "directly)")
      ->required();
  cmd.add_option("--trace-format", a.trace_format,
                 "auto (default: oracleGeneral when the name holds '.oracleGeneral', else text, CSV with --id-col), "
                 "text or oracleGeneral")
      ->check(CLI::IsMember({"auto", "text", "oracleGeneral"}));
  cmd.add_option("--id-col", a.id_col, "CSV: name of the id column (selects CSV input)");
  cmd.add_option("--size-col", a.size_col, "CSV: name of a size column in bytes; a row references every page it covers");
  cmd.add_option("--time-col", a.time_col, "CSV: name of a time column (validated, not used)");
  cmd.add_option("--page-size", a.page_size, "page size, e.g. 4096 or 16KiB (default 4096)");
  cmd.add_option("--id-unit", a.id_unit, "page: ids are page/block numbers; bytes: ids are byte offsets (default page)")
      ->check(CLI::IsMember({"page", "bytes"}));
  cmd.add_option("--on-bad-row", a.on_bad_row, "fail (exit 2 at the first bad row) or skip (count them); default fail")
      ->check(CLI::IsMember({"fail", "skip"}));
  cmd.add_option("--max-row-pages", a.max_row_pages,
                 "CSV with --size-col: most pages one row may reference (default 65536; a larger row is a bad row)");
}

// An unsigned integer option in [min, max], or an error naming the option and what it found.
std::uint64_t option_count(const char* option, const std::string& text, std::uint64_t min, std::uint64_t max,
                           const char* unit) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || ec != std::errc() || ptr != end || value < min || value > max)
    throw std::invalid_argument(fmt::format("{}: expected a whole number of {} from {} to {}, found '{}'", option, unit,
                                            min, max, shown(text)));
  return value;
}

// A size option's value, or an error naming the option.
std::uint64_t option_bytes(const char* option, const std::string& text) {
  try {
    return parse_bytes(text);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(option) + ": " + e.what());
  }
}

TraceOptions trace_options(const TraceArgs& a) {
  TraceOptions o;
  o.id_col = a.id_col;
  o.size_col = a.size_col;
  o.time_col = a.time_col;
  o.page_bytes = option_bytes("--page-size", a.page_size);
  if (o.page_bytes == 0) throw std::invalid_argument("--page-size: expected at least 1 byte, found '" + shown(a.page_size) + "'");
  if (o.page_bytes > kMaxPageBytes)
    throw std::invalid_argument("--page-size: expected at most 1GiB, found '" + shown(a.page_size) + "'");
  o.max_row_pages = option_count("--max-row-pages", a.max_row_pages, 1, kMaxRowPages, "pages");
  o.id_unit = a.id_unit == "bytes" ? IdUnit::bytes : IdUnit::page;
  o.on_bad_row = a.on_bad_row == "skip" ? BadRowAction::skip : BadRowAction::fail;
  o.format = a.trace_format == "oracleGeneral" ? TraceFormat::oracle_general
             : a.trace_format == "text"        ? TraceFormat::text
                                               : TraceFormat::detect;
  return o;
}

Format format_of(const std::string& name) {
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  if (name == "svg") return Format::svg;
  return Format::table;
}

// An empty trace has no miss ratio to speak of: refuse it rather than print 0.
void require_references(const Trace& trace) {
  if (trace.references == 0)
    throw TraceError(trace.name + ": error: expected at least one reference, found " +
                     (trace.skipped_rows ? std::to_string(trace.skipped_rows) + " bad rows only" : std::string("none")));
}

void report_skips(const Trace& trace, std::ostream& err) {
  if (trace.skipped_rows > 0)
    err << trace.name << ": warning: skipped " << trace.skipped_rows << " bad rows; the first: " << trace.first_skipped
        << "\n";
}

std::string known_policies() {
  std::string names;
  for (const auto& n : mm::PolicyRegistry::instance().names()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

// A cache size: a whole number of frames, or a size with a unit ("1GiB") that becomes the frames of
// --page-size it holds (rounded down: a cache never holds a fraction of a page).
std::uint64_t frames_option(const std::string& text, std::uint64_t page_bytes) {
  const bool count = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (count) {
    if (text.find_first_not_of('0') == std::string::npos)
      throw std::invalid_argument("--frames: expected at least 1 frame, found '" + shown(text) + "'");
    return option_count("--frames", text, 1, kMaxFrames, "frames");
  }
  const bool has_unit = text.find_first_of("BKMGTPEbkmgtpe") != std::string::npos;
  std::uint64_t bytes = 0;
  try {
    if (!has_unit) throw std::invalid_argument("");
    bytes = config::parse_bytes(text);
  } catch (const std::exception&) {
    throw std::invalid_argument(fmt::format("--frames: expected a whole number of frames from 1 to {} or a size with a "
                                            "unit (4096B, 1GiB), found '{}'",
                                            kMaxFrames, shown(text)));
  }
  const std::uint64_t frames = bytes / page_bytes;
  if (frames == 0 || frames > kMaxFrames)
    throw std::invalid_argument(fmt::format("--frames: expected a size of 1 to {} pages of {} bytes (--page-size), found "
                                            "'{}' ({} pages)",
                                            kMaxFrames, page_bytes, shown(text), frames));
  return frames;
}

// Prints `text` to `out` (no path, or '-' as `run --out` takes it), or writes it atomically to `path`.
void emit(const std::string& text, const std::string& path, std::ostream& out) {
  if (path.empty() || path == "-") {
    out << text;
    return;
  }
  analysis::write_output_file(path, text);
}

// An empty --out is refused (it would be stdout silently); a bad one before the trace is read.
void check_out(const std::string& path, bool given) {
  if (given && path.empty()) throw std::invalid_argument("--out: expected a file path, found an empty value");
  if (!path.empty() && path != "-") analysis::check_output_path(path);
}

int run_cache(const CacheArgs& a, bool out_given, std::ostream& out, std::ostream& err) {
  for (const auto& p : a.policies)
    if (mm::PolicyRegistry::instance().find(p) == nullptr)
      throw std::invalid_argument("--policy: expected one of " + known_policies() + ", found '" + shown(p) + "'");
  const auto threads_given = static_cast<unsigned>(option_count("--threads", a.threads, 0, kMaxThreads, "threads"));
  const unsigned threads = threads_given ? threads_given : std::max(1u, std::thread::hardware_concurrency());
  const TraceOptions options = trace_options(a.trace);
  std::vector<std::uint64_t> frames;
  for (const auto& f : a.frames) frames.push_back(frames_option(f, options.page_bytes));
  check_out(a.out_path, out_given);
  if (!all_online(a.policies)) {  // opt needs the whole future: hold the trace
    const Trace trace = read_trace(a.trace.path, options);
    report_skips(trace, err);
    require_references(trace);
    emit(format_cache(trace, replay_all(a.policies, frames, trace, threads), format_of(a.format)), a.out_path, out);
    return 0;
  }
  // Online policies only: stream, memory proportional to the distinct pages.
  StreamReplay replay(a.policies, frames, threads);
  const Trace trace = stream_chunks(a.trace.path, options,
                                    [&](std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
                                        const std::vector<std::uint64_t>&) { replay.feed(keys, bytes); });
  report_skips(trace, err);
  require_references(trace);
  emit(format_cache(trace, replay.results(), format_of(a.format)), a.out_path, out);
  return 0;
}

// SHARDS keeps a page when its hash falls below rate * 2^24: below 2^-24 it can keep none.
double sample_rate(const std::string& text) {
  double rate = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, rate);
  if (text.empty() || ec != std::errc() || ptr != end || !(rate > 0.0 && rate <= 1.0))
    throw std::invalid_argument("--sample: expected a rate in (0, 1], found '" + shown(text) + "'");
  constexpr double kMinRate = 1.0 / 16777216.0;
  if (rate < kMinRate)
    throw std::invalid_argument("--sample: expected a rate of at least 2^-24 (5.96e-08), below which SHARDS keeps no "
                                "page at all, found '" + shown(text) + "'");
  return rate;
}

// A sample that kept no reference says nothing about the curve (it would read as a perfect cache).
void require_sampled(const MissRatioCurve& curve, const Trace& trace, const std::string& rate_text) {
  if (curve.sampled == 0)
    throw std::invalid_argument(fmt::format(
        "--sample: expected a rate that keeps at least one of the {} distinct pages of {}, found '{}', which kept none "
        "(0 of {} references sampled); use a larger rate",
        trace.unique(), shown(trace.name), shown(rate_text), trace.references));
}

int run_mrc(const MrcArgs& a, bool out_given, std::ostream& out, std::ostream& err) {
  const double rate = sample_rate(a.sample);
  const TraceOptions options = trace_options(a.trace);
  std::vector<std::uint64_t> ram_bytes;
  for (const auto& r : a.ram) {
    ram_bytes.push_back(option_bytes("--ram", r));
    if (ram_bytes.back() == 0) throw std::invalid_argument("--ram: expected at least 1 byte, found '" + shown(r) + "'");
  }
  const std::uint64_t os_reserve_bytes = option_bytes("--os-reserve", a.os_reserve);
  // A RAM size the reserve swallows leaves 0 frames: a miss ratio of 1 that says nothing.
  for (std::size_t i = 0; i < ram_bytes.size(); ++i)
    if (ram_bytes[i] <= os_reserve_bytes)
      throw std::invalid_argument("--ram: expected more than the --os-reserve of " + shown(a.os_reserve) + ", found '" +
                                  shown(a.ram[i]) + "'");
  check_out(a.out_path, out_given);
  Trace trace;
  MissRatioCurve curve;
  if (rate < 1.0) {  // SHARDS: stream, keeping only the sampled references
    ShardsSampler sampler(rate);
    trace = stream_chunks(a.trace.path, options,
                          [&](std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
                              const std::vector<std::uint64_t>& page_ids) { sampler.add(keys, bytes, page_ids); });
    report_skips(trace, err);
    require_references(trace);
    curve = sampler.curve(trace.references, trace.unique());
    require_sampled(curve, trace, a.sample);
  } else {
    trace = read_trace(a.trace.path, options);
    report_skips(trace, err);
    require_references(trace);
    curve = exact_lru_mrc(trace.keys, trace.unique(), trace.ref_bytes);
  }
  MrcReport report;
  report.trace = &trace;
  report.curve = &curve;
  report.page_bytes = options.page_bytes;
  report.os_reserve_bytes = os_reserve_bytes;
  report.marks = ram_marks(curve, ram_bytes, report.os_reserve_bytes, options.page_bytes);
  emit(format_mrc(report, format_of(a.format)), a.out_path, out);
  return 0;
}

// Runs a command, turning bad input into a message on `err` and exit status 2.
template <class F>
void guarded(int& exit_code, std::ostream& err, const char* command, F&& f) {
  try {
    exit_code = f();
  } catch (const TraceError& e) {
    err << e.what() << "\n";
    exit_code = 2;
  } catch (const std::invalid_argument& e) {
    err << "headroom " << command << ": error: " << e.what() << "\n";
    exit_code = 2;
  } catch (const analysis::OutputError& e) {
    err << "headroom " << command << ": error: " << e.what() << "\n";
    exit_code = 2;
  } catch (const std::exception& e) {  // a bug, not bad input: say so, never escape CLI11's parse
    err << "headroom " << command << ": internal error: " << e.what() << "\n";
    exit_code = 1;
  }
}

}  // namespace

std::uint64_t parse_bytes(const std::string& text) {
  // A bare byte count is accepted for page sizes ("4096"); everything else follows the scenario
  // files' unit rules (sim/config/units.hpp), so the CLI and the YAML agree on what "96GiB" means.
  const bool bare_count = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  if (bare_count) {
    std::uint64_t bytes = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
    if (ec == std::errc() && ptr == text.data() + text.size()) return bytes;
  }
  try {
    // A byte count past 2^64 - 1 is refused in the words the unit parser uses for every size.
    return config::parse_bytes(bare_count ? text + "B" : text);
  } catch (const config::UnitError& e) {
    // A bare count can only fail by being too large: quote it as given, without the added "B".
    if (bare_count)
      throw std::invalid_argument("expected a size of at most 18446744073709551615B (2^64 - 1 bytes), found '" +
                                  shown(text) + "'");
    throw std::invalid_argument(e.what());
  }
}

void add_trace_commands(CLI::App& app, int& exit_code) { add_trace_commands(app, exit_code, std::cout, std::cerr); }

namespace {

void add_cache_command(CLI::App& app, int& exit_code, std::ostream& out, std::ostream& err) {
  auto cache_args = std::make_shared<CacheArgs>();  // owned by the callback, which outlives parsing
  CLI::App* cache = app.add_subcommand(
      "cache", "Replay a page-reference trace through eviction policies and print misses per policy and size");
  add_trace_options(*cache, cache_args->trace);
  cache->add_option("--policy", cache_args->policies, "policies, comma-separated: " + known_policies())
      ->required()
      ->delimiter(',');
  cache->add_option("--frames", cache_args->frames,
                    "cache sizes, comma-separated: page frames (1000) or sizes (1GiB: its --page-size frames)")
      ->required()
      ->delimiter(',');
  cache->add_option("--format", cache_args->format, "table (default), json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  cache->add_option("--threads", cache_args->threads, "worker threads, at most 1024 (default 0: all cores)");
  CLI::Option* out_option = cache->add_option("--out", cache_args->out_path, "write the report to FILE (atomically)");
  cache->callback([cache_args, out_option, &exit_code, &out, &err] {
    guarded(exit_code, err, "cache", [&] { return run_cache(*cache_args, out_option->count() > 0, out, err); });
  });
}

void add_mrc_command(CLI::App& app, int& exit_code, std::ostream& out, std::ostream& err) {
  auto mrc_args = std::make_shared<MrcArgs>();
  CLI::App* mrc = app.add_subcommand(
      "mrc", "Exact (or SHARDS-sampled) LRU miss-ratio curve, marking the frames 96 GiB and 128 GiB give");
  add_trace_options(*mrc, mrc_args->trace);
  mrc->add_option("--sample", mrc_args->sample, "SHARDS spatial sampling rate from 2^-24 to 1; 1 = exact (default)");
  mrc->add_option("--os-reserve", mrc_args->os_reserve, "memory not available to the trace (default 4GiB)");
  mrc->add_option("--ram", mrc_args->ram, "RAM sizes to mark, comma-separated (default 96GiB,128GiB)")->delimiter(',');
  mrc->add_option("--format", mrc_args->format, "csv (default), json or svg")
      ->check(CLI::IsMember({"csv", "json", "svg"}));
  CLI::Option* out_option = mrc->add_option("--out", mrc_args->out_path, "write the report to FILE (atomically)");
  mrc->callback([mrc_args, out_option, &exit_code, &out, &err] {
    guarded(exit_code, err, "mrc", [&] { return run_mrc(*mrc_args, out_option->count() > 0, out, err); });
  });
}

}  // namespace

void add_trace_commands(CLI::App& app, int& exit_code, std::ostream& out, std::ostream& err) {
  add_cache_command(app, exit_code, out, err);
  add_mrc_command(app, exit_code, out, err);
}

}  // namespace headroom::trace
