#include "sim/trace/requests/rows.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <unordered_map>

#include "sim/text.hpp"

namespace headroom::reqtrace {

namespace {
std::string in_quotes(std::string_view s) {
  std::string out(1, '\'');  // built by appending: GCC 12 warns (-Wrestrict, falsely) on "'" + string
  out += shown(s);
  out += '\'';
  return out;
}
}  // namespace

// --- fields -----------------------------------------------------------------------------------

bool time_unit_of(std::string_view name, TimeUnit& unit) {
  if (name == "s") unit = TimeUnit::s;
  else if (name == "ms") unit = TimeUnit::ms;
  else if (name == "us") unit = TimeUnit::us;
  else if (name == "ns") unit = TimeUnit::ns;
  else if (name == "datetime") unit = TimeUnit::datetime;
  else return false;
  return true;
}

std::string time_unit_words(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::s: return "a non-negative number of seconds";
    case TimeUnit::ms: return "a non-negative number of milliseconds";
    case TimeUnit::us: return "a non-negative number of microseconds";
    case TimeUnit::ns: return "a non-negative number of nanoseconds";
    case TimeUnit::datetime: break;
  }
  return "YYYY-MM-DD HH:MM:SS.fffffff";
}

namespace {
int unit_exponent(TimeUnit unit) {
  switch (unit) {
    case TimeUnit::s: return 9;
    case TimeUnit::ms: return 6;
    case TimeUnit::us: return 3;
    default: return 0;
  }
}
}  // namespace

TokenParse parse_tokens(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return TokenParse::not_integer;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec == std::errc::result_out_of_range) return TokenParse::too_large;
  return ec == std::errc() && end == text.data() + text.size() ? TokenParse::ok : TokenParse::not_integer;
}

bool parse_decimal_ns(std::string_view t, int exponent10, std::int64_t& ns) {
  // Significant digits (leading zeros dropped, at most 36: beyond them a digit is far below 1 ns
  // of any value that fits) and the power of ten they are scaled by.
  using i128 = __int128;
  i128 digits = 0;
  int sig = 0, scale = exponent10;
  std::size_t i = 0;
  bool any = false;
  const auto take = [&](char c, bool fraction) {
    any = true;
    if (sig == 0 && c == '0') {
      if (fraction) --scale;
      return;
    }
    if (sig < 36) {
      digits = digits * 10 + (c - '0');
      ++sig;
      if (fraction) --scale;
    } else if (!fraction) {
      ++scale;
    }
  };
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) take(t[i], false);
  if (i < t.size() && t[i] == '.') {
    for (++i; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i) take(t[i], true);
  }
  if (!any) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) negative = t[i++] == '-';
    int e = 0;
    const std::size_t start = i;
    for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; ++i)
      if ((e = e * 10 + (t[i] - '0')) > 100000) return false;
    if (i == start) return false;
    scale += negative ? -e : e;
  }
  if (i != t.size()) return false;
  constexpr i128 kMax = std::numeric_limits<std::int64_t>::max();
  if (digits == 0) {
    ns = 0;
    return true;
  }
  if (scale >= 0) {
    for (int k = 0; k < scale; ++k) {
      if (digits > kMax) return false;
      digits *= 10;
    }
    if (digits > kMax) return false;
    ns = static_cast<std::int64_t>(digits);
    return true;
  }
  if (scale < -38) {  // far below half a nanosecond
    ns = 0;
    return true;
  }
  i128 divisor = 1;
  for (int k = 0; k < -scale; ++k) divisor *= 10;
  const i128 rounded = (digits + divisor / 2) / divisor;  // to the nearest ns, halves up
  if (rounded > kMax) return false;
  ns = static_cast<std::int64_t>(rounded);
  return true;
}

bool parse_date_time_utc(std::string_view t, trace::DateTime& out) {
  std::int64_t offset_s = 0;
  if (t.size() > 19 && (t.back() == 'Z')) {
    t.remove_suffix(1);
  } else if (t.size() >= 25 && (t[t.size() - 6] == '+' || t[t.size() - 6] == '-') && t[t.size() - 3] == ':') {
    const std::string_view z = t.substr(t.size() - 6);
    const auto digit = [&](std::size_t k) { return z[k] >= '0' && z[k] <= '9'; };
    if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return false;
    const int hours = (z[1] - '0') * 10 + (z[2] - '0'), minutes = (z[4] - '0') * 10 + (z[5] - '0');
    if (hours > 23 || minutes > 59) return false;
    offset_s = (hours * 3600 + minutes * 60) * (z[0] == '-' ? -1 : 1);
    t.remove_suffix(6);
  }
  const auto parsed = trace::parse_date_time(t, true);
  if (!parsed) return false;
  out = *parsed;
  out.seconds -= std::chrono::seconds{offset_s};  // local time minus its offset = UTC
  return true;
}

bool epoch_ns(const trace::DateTime& time, std::int64_t& ns) {
  const std::int64_t s = time.seconds.time_since_epoch().count();
  constexpr std::int64_t kNsPerS = 1000000000;
  if (s > (std::numeric_limits<std::int64_t>::max() - kNsPerS) / kNsPerS ||
      s < std::numeric_limits<std::int64_t>::min() / kNsPerS + 1)
    return false;
  ns = s * kNsPerS + time.nanoseconds;
  return true;
}

namespace {

// The time field of a row into `r`, or BadRow naming the column.
void parse_time(std::string_view text, std::uint64_t column, const std::string& name, TimeUnit unit, bool wide_dates,
                Record& r) {
  const auto bad = [&](const std::string& expected) {
    return BadRow{column, "bad " + name, "expected " + name + " as " + expected + ", found " + in_quotes(text)};
  };
  if (unit != TimeUnit::datetime) {
    if (!parse_decimal_ns(text, unit_exponent(unit), r.time_ns)) throw bad(time_unit_words(unit));
    return;
  }
  if (!parse_date_time_utc(text, r.date_time)) throw bad(time_unit_words(unit));
  r.has_date_time = true;
  if (!epoch_ns(r.date_time, r.time_ns)) {
    if (!wide_dates) throw bad("a date-time from 1677-09-22 to 2262-04-11");
    r.time_ns = 0;
  }
}

std::uint32_t token_field(std::string_view text, std::uint64_t column, const std::string& name) {
  std::uint32_t v = 0;
  switch (parse_tokens(text, v)) {
    case TokenParse::ok: return v;
    case TokenParse::too_large:
      throw BadRow{column, "bad " + name,
                   "expected " + name + " as a non-negative integer of at most 4294967295, found " + in_quotes(text)};
    case TokenParse::not_integer: break;
  }
  throw BadRow{column, "bad " + name, "expected " + name + " as a non-negative integer, found " + in_quotes(text)};
}

}  // namespace

// --- the row loop -------------------------------------------------------------------------------

RowReader::RowReader(std::unique_ptr<LineSource> source, const Options& options, std::string format)
    : source_(std::move(source)), options_(options), format_(std::move(format)) {}

void RowReader::skip(const BadRow& bad, std::uint64_t line) {
  if (options_.on_bad_row == trace::BadRowAction::fail)
    throw TraceError(source_->path(), line, std::max<std::uint64_t>(bad.column, 1), bad.message);
  if (counts_.skipped++ == 0)
    counts_.first_skipped = TraceError(source_->path(), line, std::max<std::uint64_t>(bad.column, 1), bad.message).what();
  ++counts_.skipped_by_reason[bad.reason];
}

bool RowReader::in_order(const Record& r) const {
  if (!have_previous_) return true;
  if (r.has_date_time && previous_.has_date_time) return !(r.date_time < previous_.date_time);
  return r.time_ns >= previous_.time_ns;
}

bool RowReader::read_checked(Record& out) {
  while (true) {
    try {
      out.hash_ids.clear();
      out.failed = false;
      out.has_date_time = false;
      if (!parse(out)) return false;
    } catch (const BadRow& bad) {
      skip(bad, source_->line_no());
      continue;
    }
    if (options_.order == Order::reject) {
      if (!in_order(out)) {
        skip(BadRow{time_column_, "out of order",
                    "expected timestamps in non-decreasing order, found " + in_quotes(time_text_) +
                        " earlier than the previous row"},
             out.line);
        continue;
      }
      previous_.time_ns = out.time_ns;
      previous_.has_date_time = out.has_date_time;
      previous_.date_time = out.date_time;
      have_previous_ = true;
    }
    return true;
  }
}

void RowReader::hand_out(Record& out) {
  ++counts_.rows;
  if (out.failed) ++counts_.failed;
}

bool RowReader::next(Record& out) {
  if (options_.max_rows && counts_.rows >= options_.max_rows) return false;
  if (options_.order == Order::reject) {
    if (!read_checked(out)) return false;
    hand_out(out);
    return true;
  }
  if (!sorted_) {  // Order::sort: hold the trace, sort it by time (stable: file order among equals)
    sorted_ = true;
    Record r;
    while (read_checked(r)) held_.push_back(std::move(r));
    std::stable_sort(held_.begin(), held_.end(), [](const Record& a, const Record& b) {
      if (a.has_date_time && b.has_date_time) return a.date_time < b.date_time;
      return a.time_ns < b.time_ns;
    });
  }
  if (held_next_ >= held_.size()) {
    held_.clear();
    held_.shrink_to_fit();
    return false;
  }
  out = std::move(held_[held_next_++]);
  hand_out(out);
  return true;
}

// --- CSV ------------------------------------------------------------------------------------------

void split_csv(std::string_view line, std::vector<CsvField>& fields, std::vector<std::string>& scratch) {
  fields.clear();
  scratch.clear();
  std::size_t start = 0;
  while (true) {
    if (start < line.size() && line[start] == '"') {
      // A quoted field: up to the closing quote, "" standing for one quote.
      std::size_t i = start + 1;
      std::string value;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            value += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        value += line[i++];
      }
      if (closed && (i == line.size() || line[i] == ',')) {
        scratch.reserve(64);  // views into scratch must not move: at most 64 quoted fields a row
        if (scratch.size() < 64) {
          scratch.push_back(std::move(value));
          fields.push_back({scratch.back(), start + 1});
          if (i == line.size()) return;
          start = i + 1;
          continue;
        }
      }
      // An unclosed quote or text after it: the raw field, for the message.
    }
    const std::size_t comma = line.find(',', start);
    fields.push_back({line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start),
                      start + 1});
    if (comma == std::string_view::npos) return;
    start = comma + 1;
  }
}

std::vector<std::string> csv_names(std::string_view header) {
  std::vector<CsvField> fields;
  std::vector<std::string> scratch;
  split_csv(header, fields, scratch);
  std::vector<std::string> names;
  for (const auto& f : fields) {
    std::string_view n = f.text;
    while (!n.empty() && (n.front() == ' ' || n.front() == '\t')) n.remove_prefix(1);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    names.emplace_back(n);
  }
  return names;
}

bool has_columns(std::string_view header, std::initializer_list<std::string_view> wanted) {
  const auto names = csv_names(header);
  for (const auto w : wanted)
    if (std::find(names.begin(), names.end(), w) == names.end()) return false;
  return true;
}

CsvSpec with_overrides(CsvSpec spec, const Options& options, const std::string& path) {
  const Columns& c = options.columns;
  if (!c.time.empty()) {
    spec.time = c.time;
    if (!time_unit_of(c.time_unit, spec.time_unit))
      throw TraceError(path, 1, 1, "expected a time unit (s, ms, us, ns or datetime), found '" + shown(c.time_unit) + "'");
    spec.exact_header.clear();
  }
  if (!c.input.empty()) spec.input = c.input, spec.exact_header.clear();
  if (!c.output.empty()) spec.output = c.output, spec.exact_header.clear();
  return spec;
}

namespace {

class CsvReader : public RowReader {
 public:
  CsvReader(std::unique_ptr<LineSource> source, const Options& options, CsvSpec spec)
      : RowReader(std::move(source), options, spec.format), spec_(std::move(spec)) {
    read_header();
  }

 protected:
  bool parse(Record& r) override {
    std::string_view line;
    if (!source().next(line)) return false;
    r.line = source().line_no();
    split_csv(line, fields_, scratch_);
    if (fields_.size() != width_)
      throw BadRow{1, "field count",
                   "expected " + std::to_string(width_) + " comma-separated fields (" + shown(header_) + "), found " +
                       std::to_string(fields_.size()) + " in " + in_quotes(line)};
    const CsvField& t = fields_[time_];
    time_text_ = t.text;
    time_column_ = t.column;
    parse_time(t.text, t.column, spec_.time, spec_.time_unit, options().wide_dates, r);
    r.input_tokens = token_field(fields_[input_].text, fields_[input_].column, spec_.input);
    r.output_tokens = token_field(fields_[output_].text, fields_[output_].column, spec_.output);
    r.failed = spec_.zero_output_failed && r.output_tokens == 0;
    return true;
  }

 private:
  void read_header() {
    std::string_view line;
    const bool any = source().next(line);
    if (!spec_.exact_header.empty()) {
      if (!any) source().fail(1, "expected the header '" + spec_.exact_header + "', found an empty file");
      if (line != spec_.exact_header)
        source().fail(1, "expected the header '" + spec_.exact_header + "', found " + in_quotes(line));
    } else if (!any) {
      source().fail(1, "expected a header with the columns " + wanted() + ", found an empty file");
    }
    header_ = line;
    const auto names = csv_names(line);
    width_ = names.size();
    const auto index = [&](const std::string& name) {
      const auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end())
        source().fail(1, "expected a header with the columns " + wanted() + " (" + spec_.format + "), found " +
                             in_quotes(line));
      return static_cast<std::size_t>(it - names.begin());
    };
    time_ = index(spec_.time);
    input_ = index(spec_.input);
    output_ = index(spec_.output);
  }
  std::string wanted() const { return "'" + spec_.time + "', '" + spec_.input + "' and '" + spec_.output + "'"; }

  CsvSpec spec_;
  std::string header_;
  std::size_t width_ = 0, time_ = 0, input_ = 0, output_ = 0;
  std::vector<CsvField> fields_;
  std::vector<std::string> scratch_;
};

}  // namespace

std::unique_ptr<Reader> make_csv_reader(std::unique_ptr<LineSource> source, const Options& options, CsvSpec spec) {
  spec = with_overrides(std::move(spec), options, source->path());
  return std::make_unique<CsvReader>(std::move(source), options, std::move(spec));
}

}  // namespace headroom::reqtrace
