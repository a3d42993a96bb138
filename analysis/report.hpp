// analysis/report: renders a ScenarioResult as a Markdown side-by-side table, JSON or long CSV.
// Output is a pure function of the results: fixed key and row order, numbers through
// number_format.hpp, no timestamps, so the same run prints byte-identical text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "analysis/results.hpp"

namespace headroom::analysis {

enum class Format { md, json, csv };

std::optional<Format> parse_format(std::string_view name);  // "md" | "json" | "csv"

std::string render(const ScenarioResult& result, Format format);
std::string render_json(const ScenarioResult& result);
std::string render_markdown(const ScenarioResult& result);
std::string render_csv(const ScenarioResult& result);

// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);

}  // namespace headroom::analysis
