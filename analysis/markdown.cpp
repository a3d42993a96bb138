// Markdown report of run/compare: the comparison table of analysis/report_table over the run's own
// JSON, so `headroom report` of that JSON prints the same tables.
#include <string>

#include "analysis/report.hpp"
#include "analysis/report_table.hpp"

namespace headroom::analysis {

std::string render_markdown(const ScenarioResult& result) {
  return scenario_markdown(OrderedJson::parse(render_json(result)));
}

}  // namespace headroom::analysis
