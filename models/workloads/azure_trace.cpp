#include "models/workloads/azure_trace.hpp"

#include <charconv>
#include <fstream>

#include "sim/config/error.hpp"

namespace headroom::models {

namespace {

constexpr const char* kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(const std::string& s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size())
    return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

bool parse_tokens(const std::string& field, std::uint32_t& out) {
  if (field.empty())
    return false;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), out);
  return ec == std::errc() && end == field.data() + field.size();
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

struct Field {
  std::string text;
  int column = 1;  // 1-based character column where it starts
};

std::vector<Field> split_row(const std::string& line) {
  std::vector<Field> fields;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = line.find(',', start);
    fields.push_back({line.substr(start, comma == std::string::npos ? std::string::npos : comma - start),
                      static_cast<int>(start) + 1});
    if (comma == std::string::npos)
      return fields;
    start = comma + 1;
  }
}

}  // namespace

bool parse_trace_timestamp(const std::string& t, std::int64_t& ns) {
  int y, mo, d, h, mi, s;
  if (t.size() < 19 || !digits(t, 0, 4, y) || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
      !digits(t, 8, 2, d) || t[10] != ' ' || !digits(t, 11, 2, h) || t[13] != ':' || !digits(t, 14, 2, mi) ||
      t[16] != ':' || !digits(t, 17, 2, s))
    return false;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
    return false;
  std::int64_t frac_ns = 0;
  if (t.size() > 19) {
    const std::size_t n = t.size() - 20;
    if (t[19] != '.' || n == 0 || n > 9)
      return false;
    int digit;
    std::int64_t scale = 100000000;
    for (std::size_t i = 20; i < t.size(); ++i, scale /= 10) {
      if (!digits(t, i, 1, digit))
        return false;
      frac_ns += digit * scale;
    }
  }
  const std::int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  ns = secs * 1000000000 + frac_ns;
  return true;
}

std::vector<TraceRequest> read_azure_trace(const std::string& path, std::uint64_t max_rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw config::ConfigError(path, 1, 1, "expected a readable Azure LLM trace CSV, found no such file");
  std::vector<TraceRequest> rows;
  std::string line;
  int line_no = 0;
  std::int64_t first_ns = 0, previous_ns = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line_no == 1) {
      if (line != kHeader)
        throw config::ConfigError(path, 1, 1, "expected the header '" + std::string(kHeader) + "', found " + quoted(line));
      continue;
    }
    if (line.empty() && in.peek() == std::char_traits<char>::eof())
      break;  // a blank last line, e.g. an editor's extra newline
    if (max_rows && rows.size() >= max_rows)
      break;
    const std::vector<Field> f = split_row(line);
    if (f.size() != 3)
      throw config::ConfigError(path, line_no, 1,
                                "expected 3 comma-separated fields (TIMESTAMP,ContextTokens,GeneratedTokens), found " +
                                    std::to_string(f.size()) + " in " + quoted(line));
    std::int64_t ns = 0;
    if (!parse_trace_timestamp(f[0].text, ns))
      throw config::ConfigError(path, line_no, f[0].column,
                                "expected TIMESTAMP as YYYY-MM-DD HH:MM:SS.fffffff, found " + quoted(f[0].text));
    TraceRequest r;
    if (!parse_tokens(f[1].text, r.context_tokens))
      throw config::ConfigError(path, line_no, f[1].column,
                                "expected ContextTokens as a non-negative integer, found " + quoted(f[1].text));
    if (!parse_tokens(f[2].text, r.generated_tokens))
      throw config::ConfigError(path, line_no, f[2].column,
                                "expected GeneratedTokens as a non-negative integer, found " + quoted(f[2].text));
    if (rows.empty())
      first_ns = previous_ns = ns;
    if (ns < previous_ns)
      throw config::ConfigError(path, line_no, f[0].column,
                                "expected timestamps in non-decreasing order, found " + quoted(f[0].text) +
                                    " earlier than the previous row");
    previous_ns = ns;
    r.offset_s = static_cast<double>(ns - first_ns) * 1e-9;
    rows.push_back(r);
  }
  if (line_no == 0)
    throw config::ConfigError(path, 1, 1, "expected the header '" + std::string(kHeader) + "', found an empty file");
  return rows;
}

}  // namespace headroom::models
