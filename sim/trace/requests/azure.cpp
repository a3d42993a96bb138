// Azure LLM inference traces (Azure/AzurePublicDataset): 2023 (Splitwise, ISCA'24: one hour,
// `YYYY-MM-DD HH:MM:SS.fffffff`, no time zone, CRLF) and 2024 (a week, about 27 M rows, the same
// columns, times with a UTC offset `2024-05-10 00:00:00.008000+00:00`, the fraction sometimes missing).
// Header `TIMESTAMP,ContextTokens,GeneratedTokens`; times are read as UTC epoch nanoseconds.
#include "sim/trace/requests/rows.hpp"

namespace headroom::reqtrace {
namespace {

constexpr const char* kHeader = "TIMESTAMP,ContextTokens,GeneratedTokens";

HEADROOM_REGISTER_REQUEST_FORMAT({
    "azure",
    "Azure LLM inference 2023/2024: TIMESTAMP,ContextTokens,GeneratedTokens",
    "a readable Azure LLM trace CSV",
    false,
    [](std::string_view first, const Options&) { return has_columns(first, {"TIMESTAMP", "ContextTokens", "GeneratedTokens"}); },
    [](std::unique_ptr<LineSource> source, const Options& options) {
      return make_csv_reader(std::move(source), options,
                             CsvSpec{"azure", kHeader, "TIMESTAMP", "ContextTokens", "GeneratedTokens", TimeUnit::datetime});
    },
});

}  // namespace
}  // namespace headroom::reqtrace
