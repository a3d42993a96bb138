// read_memory_series: opens the input, detects (or takes) the format from the first lines, and hands
// the lines to the CSV or snapshot reader. Also the pieces every reader shares (detail.hpp).
#include "sim/trace/memory/memory_series.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "sim/text.hpp"
#include "sim/trace/memory/detail.hpp"

namespace headroom::memtrace {

SeriesError::SeriesError(const std::string& file, std::uint64_t line, std::uint64_t column, const std::string& message)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": error: " + message),
      file_(file), message_(message), line_(line), column_(column) {}

namespace detail {

bool Lines::next(Line& out) {
  if (!held_.empty()) {
    current_ = std::move(held_.front().first);
    out = {current_, held_.front().second};
    held_.pop_front();
    return true;
  }
  if (done_) return false;
  if (block_.empty() && !reader_->next(block_, line_no_ + 1)) {
    done_ = true;
    return false;
  }
  const std::size_t nl = block_.find('\n');
  std::string_view text = block_.substr(0, nl);
  block_.remove_prefix(nl == std::string_view::npos ? block_.size() : nl + 1);
  ++line_no_;
  // The reader refuses long lines between blocks; text given in memory is one block.
  if (text.size() > trace::kMaxLineBytes) throw trace::InputError(line_no_, 1, trace::line_too_long_message(text));
  if (line_no_ == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  out = {text, line_no_};
  return true;
}

void Context::bad_row(const BadRow& bad) {
  if (options.on_bad_row == trace::BadRowAction::fail) fail(bad.line, bad.column, bad.message);
  if (series.skipped++ == 0) series.first_skipped = SeriesError(name, bad.line, bad.column, bad.message).what();
}

void Context::fail(std::uint64_t line, std::uint64_t column, const std::string& message) const {
  throw SeriesError(name, std::max<std::uint64_t>(line, 1), std::max<std::uint64_t>(column, 1), message);
}

void Context::place_in_time(const trace::DateTime& time, std::string_view text, std::uint64_t line,
                            std::uint64_t column, Sample& sample) {
  if (previous && !(time > *previous))
    throw BadRow{line, column, "expected a time after the previous sample's (times strictly increasing), found " +
                                   quoted(text)};
  sample.time_s = first ? trace::seconds_between(*first, time) : 0.0;
  sample.line = line;
}

void Context::keep(const Sample& sample, const trace::DateTime& time) {
  if (!first) first = time;
  previous = time;
  series.samples.push_back(sample);
}

std::string quoted(std::string_view text) {
  std::string out(1, '\'');
  out += shown(text);
  out += '\'';
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<trace::DateTime> parse_time(std::string_view text) {
  if (text.size() >= 19 && text[4] == '-') {
    if (text.back() == 'Z') text.remove_suffix(1);  // UTC, as ISO 8601 writes it
    return trace::parse_date_time(text, true);
  }
  // Seconds with an optional fraction, exact to the nanosecond (date +%s.%N): whole seconds up to
  // 18 digits so that they fit the 64-bit count of sys_seconds.
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 18) return std::nullopt;
  const auto seconds = parse_u64(whole);
  if (!seconds) return std::nullopt;
  trace::DateTime out;
  out.seconds = std::chrono::sys_seconds{std::chrono::seconds{static_cast<std::int64_t>(*seconds)}};
  if (dot == std::string_view::npos) return out;
  const std::string_view fraction = text.substr(dot + 1);
  if (fraction.empty()) return std::nullopt;
  std::uint32_t scale = 100000000;
  for (const char c : fraction) {
    if (c < '0' || c > '9') return std::nullopt;
    out.nanoseconds += static_cast<std::uint32_t>(c - '0') * scale;  // digits below a nanosecond add 0
    scale /= 10;
  }
  return out;
}

}  // namespace detail

namespace {

using detail::Line;
using detail::Lines;
using detail::Snapshot;

struct Format {
  const char* name;
  const char* source;  // what it reads, for messages and the README
};
constexpr Format kFormats[] = {{"csv", "a CSV with a header (headroom capture)"},
                               {"proc-status", "/proc/PID/status snapshots"},
                               {"cgroup-v1", "cgroup v1 memory.stat snapshots"},
                               {"cgroup-v2", "cgroup v2 memory.current + memory.stat snapshots"},
                               {"vmstat", "/proc/vmstat snapshots"}};

std::string names_text() {
  std::string out;
  for (const Format& f : kFormats) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

using detail::is_time_line;
bool ignorable(std::string_view text) { return detail::trim(text).empty() || (text.starts_with('#') && !is_time_line(text)); }

// The snapshot kind a block's first line reveals, if any.
std::optional<Snapshot> snapshot_kind(std::string_view text) {
  const std::string_view t = detail::trim(text);
  const std::string_view key = t.substr(0, t.find_first_of(" \t"));
  if (detail::parse_u64(t)) return Snapshot::cgroup_v2;  // memory.current, a bare number
  if (!key.empty() && key.back() == ':') return Snapshot::proc_status;  // "Name:\tcat"
  if (key == "anon") return Snapshot::cgroup_v2;
  if (key == "cache" || key == "rss" || key == "total_cache" || key == "total_rss") return Snapshot::cgroup_v1;
  if (key.starts_with("nr_")) return Snapshot::vmstat;
  return std::nullopt;
}

// The format of the input from its first lines (put back for the reader).
std::string detect(Lines& lines, detail::Context& ctx) {
  // Copies: a block's lines are only valid until the next block is read.
  std::vector<std::pair<std::string, std::uint64_t>> seen;
  Line line;
  const auto take = [&] {
    if (!lines.next(line)) return false;
    seen.emplace_back(std::string(line.text), line.number);
    return true;
  };
  const auto put_back = [&] {
    for (const auto& [text, number] : seen) lines.put_back(Line{text, number});
  };
  while (take()) {
    if (ignorable(line.text)) continue;
    if (!is_time_line(line.text)) {
      // A snapshot file recorded without its time lines would otherwise read as a bad CSV header.
      if (line.text.find(',') == std::string_view::npos && snapshot_kind(line.text))
        ctx.fail(line.number, 1, "expected a '# time <seconds or date-time>' line before each snapshot (or a CSV "
                                 "header), found the first line of a snapshot without one: " +
                                     detail::quoted(line.text));
      put_back();
      return "csv";  // the CSV reader checks the header
    }
    const std::size_t time_index = seen.size() - 1;
    while (take()) {
      if (ignorable(line.text)) continue;
      if (is_time_line(line.text)) break;
      const auto kind = snapshot_kind(line.text);
      if (!kind)
        ctx.fail(line.number, 1, "expected the first line of a /proc/PID/status, memory.stat, memory.current or "
                                 "/proc/vmstat snapshot (or format: one of " + names_text() + "), found " +
                                     detail::quoted(line.text));
      put_back();
      return kFormats[1 + static_cast<int>(*kind)].name;
    }
    ctx.fail(seen[time_index].second, 1, "expected a snapshot after " + detail::quoted(seen[time_index].first) +
                                             " (the lines of the file it records), found none");
  }
  ctx.fail(1, 1, "expected a memory series (a CSV header naming time, or a '# time' line starting each snapshot), "
                 "found " + std::string(seen.empty() ? "an empty file" : "only blank and comment lines"));
}

Series read_all(std::unique_ptr<trace::LineReader> reader, const std::string& name, const Options& options) {
  detail::Context ctx;
  ctx.name = name;
  ctx.options = options;
  if (!options.format.empty() &&
      std::none_of(std::begin(kFormats), std::end(kFormats), [&](const Format& f) { return options.format == f.name; })) {
    const std::string near = nearest_name(options.format, format_names());
    throw SeriesError(name, 1, 1, "expected a memory series format (" + names_text() + "), found " +
                                      detail::quoted(options.format) +
                                      (near.empty() ? "" : " (did you mean " + near + "?)"));
  }
  Lines lines(std::move(reader));
  try {
    const std::string format = options.format.empty() ? detect(lines, ctx) : options.format;
    ctx.series.format = format;
    if (format == "csv")
      detail::read_csv(lines, ctx);
    else
      for (int i = 1; i < 5; ++i)
        if (format == kFormats[i].name) detail::read_snapshots(lines, ctx, static_cast<Snapshot>(i - 1));
  } catch (const trace::InputError& e) {
    ctx.fail(e.line(), e.column(), e.what());
  }
  if (ctx.series.samples.empty())
    ctx.fail(1, 1, "expected at least one sample in the " + ctx.series.format + " series, found none" +
                       (ctx.series.skipped ? " (every one of " + std::to_string(ctx.series.skipped) +
                                                 " was skipped; the first: " + ctx.series.first_skipped + ")"
                                           : ""));
  return std::move(ctx.series);
}

}  // namespace

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const Format& f : kFormats) out.push_back(f.name);
  return out;
}

Series read_memory_series(const std::string& path, const Options& options) {
  std::unique_ptr<trace::LineReader> reader;
  try {
    reader = std::make_unique<trace::LineReader>(path, "a readable memory series", "no such file");
  } catch (const trace::InputError& e) {
    throw SeriesError(path, 1, 1, e.what());
  }
  return read_all(std::move(reader), path, options);
}

Series parse_memory_series(std::string_view text, const std::string& name, const Options& options) {
  return read_all(std::make_unique<trace::LineReader>(text), name, options);
}

}  // namespace headroom::memtrace
