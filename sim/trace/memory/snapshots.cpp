// Snapshot series: blocks each starting with `# time <seconds or date-time>` followed by the lines
// of one file as the kernel prints it (/proc/PID/status, cgroup v1 memory.stat, cgroup v2
// memory.current + memory.stat, /proc/vmstat). Only the fields a sample needs are parsed; the
// others are skipped unread, so new kernel fields never break a series. Within a block a field may
// appear once (two files without a time line between them would otherwise mix silently).
#include <array>
#include <optional>
#include <string>

#include "sim/checked.hpp"
#include "sim/trace/memory/detail.hpp"

namespace headroom::memtrace::detail {
namespace {

enum class Unit { kib, bytes, pages, count };

struct Key {
  const char* name;
  Unit unit;
};

struct Layout {
  const char* source;  // for messages
  bool colon;          // "Key:\tvalue kB" (status) or "key value" (the others)
  std::array<Key, 8> keys;
  std::size_t count;
};

// Keys per kind, in the order the block's values are kept (see sample_of).
const Layout& layout(Snapshot kind) {
  static const Layout kStatus{"/proc/PID/status", true,
                              {{{"VmRSS", Unit::kib}, {"RssAnon", Unit::kib}, {"RssFile", Unit::kib}, {"VmSwap", Unit::kib}}},
                              4};
  static const Layout kV1{"cgroup v1 memory.stat", false,
                          {{{"rss", Unit::bytes}, {"cache", Unit::bytes}, {"swap", Unit::bytes},
                            {"pgmajfault", Unit::count}, {"total_rss", Unit::bytes}, {"total_cache", Unit::bytes},
                            {"total_swap", Unit::bytes}, {"total_pgmajfault", Unit::count}}},
                          8};
  static const Layout kV2{"cgroup v2 memory.stat", false,
                          {{{"anon", Unit::bytes}, {"file", Unit::bytes}, {"pgmajfault", Unit::count}}},
                          3};
  static const Layout kVmstat{"/proc/vmstat", false,
                              {{{"nr_anon_pages", Unit::pages}, {"nr_file_pages", Unit::pages}, {"pgmajfault", Unit::count},
                                {"pswpin", Unit::count}, {"pswpout", Unit::count}}},
                              5};
  switch (kind) {
    case Snapshot::proc_status: return kStatus;
    case Snapshot::cgroup_v1: return kV1;
    case Snapshot::cgroup_v2: return kV2;
    default: return kVmstat;
  }
}

struct Block {
  Line time_line;  // copied text below
  std::string time_text;
  trace::DateTime time;
  std::array<std::optional<std::uint64_t>, 8> values;
  std::optional<std::uint64_t> current;  // cgroup v2 memory.current
  std::uint64_t lines = 0;               // lines of the file seen in the block
  bool open = false, bad = false;
};

std::string unit_text(Unit unit) {
  switch (unit) {
    case Unit::kib: return "a whole number of kB";
    case Unit::pages: return "a whole number of pages";
    case Unit::count: return "a whole number (a cumulative count)";
    default: return "a whole number of bytes";
  }
}

// The value of `key` as bytes or a count; throws BadRow (`column` locates the value).
std::uint64_t value_of(const Key& key, std::string_view value, const Line& line, std::uint64_t column,
                       const Context& ctx) {
  std::string_view number = value;
  if (key.unit == Unit::kib) {
    // The kernel prints "    1776 kB": any other unit (or none) is not a status file's.
    const std::size_t space = number.find_first_of(" \t");
    const std::string_view unit = space == std::string_view::npos ? "" : trim(number.substr(space));
    number = number.substr(0, space);
    if (unit != "kB")
      throw BadRow{line.number, column, "expected " + std::string(key.name) + " in kB ('" + key.name +
                                            ":  1776 kB'), found " + quoted(value)};
  }
  const auto parsed = parse_u64(number);
  if (!parsed)
    throw BadRow{line.number, column, "expected " + std::string(key.name) + " as " + unit_text(key.unit) +
                                          " (0 to 18446744073709551615), found " + quoted(number)};
  const std::uint64_t scale = key.unit == Unit::kib ? 1024 : key.unit == Unit::pages ? ctx.options.page_bytes : 1;
  const auto bytes = checked_mul(*parsed, scale);
  if (!bytes)
    throw BadRow{line.number, column, "expected " + std::string(key.name) + " of at most 2^64 - 1 bytes once multiplied by " +
                                          std::to_string(scale) + (key.unit == Unit::kib ? " (kB)" : " (the page size)") +
                                          ", found " + quoted(number)};
  return *bytes;
}

// One line of the file inside a block.
void read_line(const Line& line, Snapshot kind, Block& block, const Context& ctx) {
  const Layout& l = layout(kind);
  ++block.lines;
  const std::string_view text = trim(line.text);
  std::string_view key, value;
  if (l.colon) {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos)
      throw BadRow{line.number, 1, "expected a 'Key:<tab>value' line of " + std::string(l.source) + ", found " + quoted(line.text)};
    key = text.substr(0, colon);
    value = trim(text.substr(colon + 1));
  } else {
    const std::size_t space = text.find_first_of(" \t");
    key = text.substr(0, space);
    value = space == std::string_view::npos ? std::string_view() : trim(text.substr(space));
    if (value.empty()) {
      if (kind == Snapshot::cgroup_v2 && parse_u64(key) && !block.current) {
        block.current = parse_u64(key);  // memory.current, printed before memory.stat
        return;
      }
      throw BadRow{line.number, 1, "expected a 'key value' line of " + std::string(l.source) +
                                       (kind == Snapshot::cgroup_v2 ? " (or memory.current's number, once)" : "") +
                                       ", found " + quoted(line.text)};
    }
  }
  for (std::size_t i = 0; i < l.count; ++i) {
    if (key != l.keys[i].name) continue;
    if (block.values[i])
      throw BadRow{line.number, 1, "expected one " + std::string(key) + " per snapshot (a '# time' line starts each), found a second " +
                                       quoted(line.text)};
    const std::uint64_t column = static_cast<std::uint64_t>(value.data() - line.text.data()) + 1;
    block.values[i] = value_of(l.keys[i], value, line, column, ctx);
  }
}

// The first of `a`, `b` that is present (total_* of cgroup v1 before the cgroup's own figure).
std::optional<std::uint64_t> first_of(const std::optional<std::uint64_t>& a, const std::optional<std::uint64_t>& b) {
  return a ? a : b;
}

// The block as a sample; throws BadRow (at the time line) when a required field is missing.
Sample sample_of(Snapshot kind, const Block& b) {
  const Layout& l = layout(kind);
  const auto& v = b.values;
  const auto missing = [&](const std::string& what) {
    return BadRow{b.time_line.number, 1, "expected " + what + " in the " + l.source + " snapshot after " +
                                             quoted(b.time_text) + ", found " +
                                             (b.lines == 0 ? "no lines at all" : "none among its " + std::to_string(b.lines) + " lines")};
  };
  Sample s;
  switch (kind) {
    case Snapshot::proc_status:
      if (!v[0]) throw missing("VmRSS");
      s.rss_bytes = v[0], s.anon_bytes = v[1], s.file_bytes = v[2], s.swap_bytes = v[3];
      break;
    case Snapshot::cgroup_v1:
      s.anon_bytes = first_of(v[4], v[0]), s.file_bytes = first_of(v[5], v[1]);
      if (!s.anon_bytes || !s.file_bytes) throw missing("rss and cache (or total_rss and total_cache)");
      s.swap_bytes = first_of(v[6], v[2]), s.pgmajfault = first_of(v[7], v[3]);
      break;
    case Snapshot::cgroup_v2:
      if (!v[0] || !v[1]) throw missing("anon and file");
      s.anon_bytes = v[0], s.file_bytes = v[1], s.pgmajfault = v[2], s.total_bytes = b.current;
      break;
    case Snapshot::vmstat:
      if (!v[0] || !v[1]) throw missing("nr_anon_pages and nr_file_pages");
      s.anon_bytes = v[0], s.file_bytes = v[1], s.pgmajfault = v[2], s.pswpin = v[3], s.pswpout = v[4];
      break;
  }
  return s;
}

// Ends the open block: keeps its sample, or reports it bad.
void close_block(Snapshot kind, Block& block, Context& ctx) {
  if (!block.open || block.bad) return;
  try {
    Sample s = sample_of(kind, block);
    ctx.place_in_time(block.time, block.time_text, block.time_line.number, 1, s);
    ctx.keep(s, block.time);
  } catch (const BadRow& bad) {
    ctx.bad_row(bad);
  }
}

void open_block(const Line& line, Block& block, Context& ctx) {
  block = Block{};
  block.open = true;
  block.time_line.number = line.number;
  const std::string_view value = trim(line.text.substr(6));
  block.time_text = std::string(value);
  const auto time = parse_time(value);
  if (!time) {
    block.bad = true;
    ctx.bad_row(BadRow{line.number, static_cast<std::uint64_t>(value.data() - line.text.data()) + 1,
                       "expected '# time' followed by seconds (date +%s.%N) or YYYY-MM-DD HH:MM:SS[.f], found " +
                           quoted(line.text)});
    return;
  }
  block.time = *time;
}

}  // namespace

void read_snapshots(Lines& lines, Context& ctx, Snapshot kind) {
  Line line;
  Block block;
  while (lines.next(line)) {
    if (is_time_line(line.text)) {
      close_block(kind, block, ctx);
      open_block(line, block, ctx);
      continue;
    }
    if (trim(line.text).empty() || line.text.starts_with('#')) continue;
    if (!block.open) {
      ctx.bad_row(BadRow{line.number, 1, "expected a '# time <seconds or date-time>' line before the first snapshot, found " +
                                             quoted(line.text)});
      continue;
    }
    if (block.bad) continue;  // the rest of a bad snapshot
    try {
      read_line(line, kind, block, ctx);
    } catch (const BadRow& bad) {
      block.bad = true;
      ctx.bad_row(bad);
    }
  }
  close_block(kind, block, ctx);
}

}  // namespace headroom::memtrace::detail
