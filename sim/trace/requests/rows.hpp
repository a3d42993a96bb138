// The parts the format files share: field parsers (tokens, times), the row loop with its bad-row,
// order and max_rows rules (RowReader), and the two table shapes every format is one of: a CSV with
// a header whose columns are found by name (CsvReader) and JSON lines (JsonReader).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/trace/requests/format_registry.hpp"
#include "sim/trace/requests/request_trace.hpp"

namespace headroom::reqtrace {

// --- fields -----------------------------------------------------------------------------------
enum class TimeUnit { s, ms, us, ns, datetime };
// "s" -> TimeUnit::s ...; false when unknown.
bool time_unit_of(std::string_view name, TimeUnit& unit);
// "a non-negative number of seconds", "a date-time YYYY-MM-DD HH:MM:SS.fffffff" (for messages).
std::string time_unit_words(TimeUnit unit);

enum class TokenParse { ok, not_integer, too_large };
TokenParse parse_tokens(std::string_view text, std::uint32_t& out);
// A non-negative decimal ("12", "4.314579", "1e3", "5.8926549999999995") times 10^(exponent10) ns,
// rounded to the nearest ns; false when malformed, negative or past INT64_MAX ns.
bool parse_decimal_ns(std::string_view text, int exponent10, std::int64_t& ns);
// `YYYY-MM-DD HH:MM:SS[.f]` (space or T) with an optional `Z` or `+HH:MM` / `-HH:MM` UTC offset,
// as UTC; false when malformed or out of range.
bool parse_date_time_utc(std::string_view text, trace::DateTime& out);
// Epoch ns of `t`; false outside 1677-09-21..2262-04-11.
bool epoch_ns(const trace::DateTime& t, std::int64_t& ns);

// A bad row found by a format's parser: the byte column, a short reason for the counts
// ("bad ContextTokens", "field count"), and the message after "error: ".
struct BadRow {
  std::uint64_t column;
  std::string reason;
  std::string message;
};

// --- the row loop -------------------------------------------------------------------------------
class RowReader : public Reader {
 public:
  RowReader(std::unique_ptr<LineSource> source, const Options& options, std::string format);
  bool next(Record& out) override;
  const Counts& counts() const override { return counts_; }
  std::string_view format() const override { return format_; }

 protected:
  // The next data row into `out` (line set); false at the end. Throws BadRow. Sets time_text_ and
  // time_column_ (for the order message).
  virtual bool parse(Record& out) = 0;
  LineSource& source() { return *source_; }
  const Options& options() const { return options_; }
  std::string time_text_;
  std::uint64_t time_column_ = 1;

 private:
  bool read_checked(Record& out);  // parse + bad-row rule + order rule (reject mode)
  bool in_order(const Record& r) const;
  void skip(const BadRow& bad, std::uint64_t line);
  void hand_out(Record& out);
  std::unique_ptr<LineSource> source_;
  Options options_;
  std::string format_;
  Counts counts_;
  bool have_previous_ = false;
  Record previous_;
  // Order::sort: every row, sorted at the first next().
  bool sorted_ = false;
  std::vector<Record> held_;
  std::size_t held_next_ = 0;
};

// --- CSV with a header ----------------------------------------------------------------------------
struct CsvSpec {
  std::string format;        // the registered name
  std::string exact_header;  // when set, the header must be exactly this line (Azure: its message kept)
  std::string time, input, output;  // column names
  TimeUnit time_unit = TimeUnit::s;
  bool zero_output_failed = false;  // BurstGPT: a row with 0 response tokens is a failed request
};
// `spec` with Options::columns' non-empty names put in (the time unit with the time column).
CsvSpec with_overrides(CsvSpec spec, const Options& options, const std::string& path);

// Splits a CSV line on commas; a field in double quotes may hold commas and "" for a quote.
struct CsvField {
  std::string_view text;
  std::uint64_t column;  // 1-based byte column where the field starts
};
void split_csv(std::string_view line, std::vector<CsvField>& fields, std::vector<std::string>& scratch);
// The header's names (trimmed, unquoted).
std::vector<std::string> csv_names(std::string_view header);
bool has_columns(std::string_view header, std::initializer_list<std::string_view> names);

std::unique_ptr<Reader> make_csv_reader(std::unique_ptr<LineSource> source, const Options& options, CsvSpec spec);

// --- JSON lines ---------------------------------------------------------------------------------
struct JsonSpec {
  std::string format;
  std::string time, input, output, hash_ids;  // keys; hash_ids optional ("")
  TimeUnit time_unit = TimeUnit::ms;
};
JsonSpec with_overrides(JsonSpec spec, const Options& options, const std::string& path);
// True when `line` is a JSON object holding every key in `keys`.
bool json_has_keys(std::string_view line, std::initializer_list<std::string_view> keys);
std::unique_ptr<Reader> make_json_reader(std::unique_ptr<LineSource> source, const Options& options, JsonSpec spec);

}  // namespace headroom::reqtrace
