// Any other request trace: a CSV with a header, or JSON lines, with the column mapping given in
// Options::columns (time, input, output, optional hash_ids, time_unit s|ms|us|ns|datetime).
#include "sim/text.hpp"
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

// The mapping is required: name what is missing.
void require_columns(const LineSource& source, const Options& options, const char* format) {
  const Columns& c = options.columns;
  std::string missing;
  for (const auto& [name, value] : {std::pair{"time", &c.time}, {"input", &c.input}, {"output", &c.output}})
    if (value->empty()) missing += (missing.empty() ? "" : ", ") + std::string(name);
  if (!missing.empty())
    throw TraceError(source.path(), 1, 1,
                     std::string("expected the column mapping (time, input, output) for format '") + format +
                         "', found none for " + missing);
}

bool looks_json(std::string_view first) {
  const std::size_t i = first.find_first_not_of(" \t");
  return i != std::string_view::npos && first[i] == '{';
}

HEADROOM_REGISTER_REQUEST_FORMAT({
    "csv",
    "any CSV with a header: columns named by the mapping (time, input, output, time_unit)",
    "a readable request trace CSV",
    true,
    [](std::string_view first, const Options& o) { return !o.columns.time.empty() && !looks_json(first); },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      require_columns(*source, options, "csv");
      return make_csv_reader(std::move(source), options, CsvSpec{"csv", "", "", "", "", TimeUnit::s});
    },
});

HEADROOM_REGISTER_REQUEST_FORMAT({
    "jsonl",
    "any JSON lines: keys named by the mapping (time, input, output, hash_ids, time_unit)",
    "a readable request trace (JSON lines)",
    true,
    [](std::string_view first, const Options& o) { return !o.columns.time.empty() && looks_json(first); },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      require_columns(*source, options, "jsonl");
      return make_json_reader(std::move(source), options, JsonSpec{"jsonl", "", "", "", "", TimeUnit::s});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
