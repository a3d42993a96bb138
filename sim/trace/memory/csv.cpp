// The CSV memory series: a header naming its columns (the names `headroom capture` writes), then one
// sample a row. Lines starting with '#' (capture's first line) and blank lines are not rows.
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "sim/text.hpp"
#include "sim/trace/memory/detail.hpp"

namespace headroom::memtrace::detail {
namespace {

enum Column { time, anon, file, bytes, rss, swap, pgmajfault, pswpin, pswpout, psi_some_us, psi_full_us, kColumns };
constexpr std::array<const char*, kColumns> kNames = {"time",   "anon",       "file",   "bytes",
                                                      "rss",    "swap",       "pgmajfault", "pswpin",
                                                      "pswpout", "psi_some_us", "psi_full_us"};

struct Field {
  std::string_view text;
  std::uint64_t column = 1;  // 1-based byte column where it starts
};

std::vector<Field> split(std::string_view line) {
  std::vector<Field> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    std::string_view text = trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    out.push_back({text, start + 1});
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string known_names() {
  std::string out;
  for (const char* n : kNames) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// A header name, with capture's unit suffixes accepted (time_s, anon_bytes, ...).
std::optional<Column> column_of(std::string_view name) {
  if (name == "time_s") name = "time";
  for (const char* base : {"anon", "file", "rss", "swap"})
    if (name.size() == std::string_view(base).size() + 6 && name.starts_with(base) && name.ends_with("_bytes")) name = base;
  for (int c = 0; c < kColumns; ++c)
    if (name == kNames[c]) return static_cast<Column>(c);
  return std::nullopt;
}

std::vector<Column> read_header(const Line& line, Context& ctx) {
  std::vector<Column> columns;
  std::array<bool, kColumns> seen{};
  for (const Field& f : split(line.text)) {
    const auto c = column_of(f.text);
    if (!c) {
      std::vector<std::string> names(kNames.begin(), kNames.end());
      const std::string near = nearest_name(std::string(f.text), names);
      ctx.fail(line.number, f.column, "expected a column name of the memory series CSV (" + known_names() + "), found " +
                                          quoted(f.text) + (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
    if (seen[*c]) ctx.fail(line.number, f.column, "expected each column once, found a second " + quoted(f.text));
    seen[*c] = true;
    columns.push_back(*c);
  }
  if (!seen[time])
    ctx.fail(line.number, 1, "expected a header with a time column (seconds or YYYY-MM-DD HH:MM:SS), found " +
                                 quoted(line.text));
  if (!seen[anon] && !seen[bytes] && !seen[rss])
    ctx.fail(line.number, 1, "expected a column anon, bytes or rss (the memory the series records), found " +
                                 quoted(line.text));
  return columns;
}

std::string what_value(Column c) {
  switch (c) {
    case pgmajfault: case pswpin: case pswpout: return "a whole number (a cumulative count)";
    case psi_some_us: case psi_full_us: return "whole microseconds (a cumulative stall time)";
    default: return "a whole number of bytes";
  }
}

void set(Sample& s, Column c, std::uint64_t v) {
  switch (c) {
    case anon: s.anon_bytes = v; break;
    case file: s.file_bytes = v; break;
    case bytes: s.total_bytes = v; break;
    case rss: s.rss_bytes = v; break;
    case swap: s.swap_bytes = v; break;
    case pgmajfault: s.pgmajfault = v; break;
    case pswpin: s.pswpin = v; break;
    case pswpout: s.pswpout = v; break;
    case psi_some_us: s.psi_some_total_s = static_cast<double>(v) * 1e-6; break;
    case psi_full_us: s.psi_full_total_s = static_cast<double>(v) * 1e-6; break;
    default: break;
  }
}

void read_row(const Line& line, const std::vector<Column>& columns, Context& ctx) {
  const std::vector<Field> fields = split(line.text);
  if (fields.size() != columns.size())
    throw BadRow{line.number, 1, "expected " + std::to_string(columns.size()) +
                                     " comma-separated fields as in the header, found " +
                                     std::to_string(fields.size()) + " in " + quoted(line.text)};
  Sample sample;
  std::optional<trace::DateTime> at;
  std::size_t time_index = 0;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (columns[i] == time) {
      at = parse_time(f.text);
      if (!at)
        throw BadRow{line.number, f.column, "expected time as seconds (such as 12.5) or YYYY-MM-DD HH:MM:SS[.f], found " +
                                                quoted(f.text)};
      time_index = i;
      continue;
    }
    if (f.text.empty()) continue;  // no figure from the source for this sample
    const auto value = parse_u64(f.text);
    if (!value)
      throw BadRow{line.number, f.column, "expected " + std::string(kNames[columns[i]]) + " as " + what_value(columns[i]) +
                                              " (0 to 18446744073709551615), found " + quoted(f.text)};
    set(sample, columns[i], *value);
  }
  ctx.place_in_time(*at, fields[time_index].text, line.number, fields[time_index].column, sample);
  ctx.keep(sample, *at);
}

// `headroom capture`'s first line: "# headroom capture: source=pid 1234 (name), interval=...".
constexpr std::string_view kCaptureSource = "# headroom capture: source=";

// What the capture sampled: "pid 1234 (name)", "cgroup PATH" or "system" (up to the first comma).
std::string capture_source(std::string_view line) {
  line.remove_prefix(kCaptureSource.size());
  return std::string(trim(line.substr(0, line.find(','))));
}

}  // namespace

void read_csv(Lines& lines, Context& ctx) {
  Line line;
  std::vector<Column> columns;
  while (lines.next(line)) {
    if (columns.empty() && ctx.series.source.empty() && line.text.starts_with(kCaptureSource))
      ctx.series.source = capture_source(line.text);
    if (trim(line.text).empty() || line.text.starts_with('#')) continue;
    if (columns.empty()) {
      columns = read_header(line, ctx);
      continue;
    }
    try {
      read_row(line, columns, ctx);
    } catch (const BadRow& bad) {
      ctx.bad_row(bad);
    }
  }
  if (columns.empty())
    ctx.fail(1, 1, "expected a CSV header naming time and anon, bytes or rss, found only blank and comment lines");
}

}  // namespace headroom::memtrace::detail
