#include "analysis/audit.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "analysis/number_format.hpp"
#include "analysis/report.hpp"
#include "analysis/results.hpp"

namespace headroom::analysis {
namespace {

using Json = nlohmann::ordered_json;

// The 128 GB host's advantage: its figure over the 96 GB one, inverted when lower is better.
// Equal figures (including two zeros) are 1; a zero against a non-zero is 0 or infinity.
double advantage_128(double v96, double v128, bool higher_is_better) {
  if (v96 == v128) return 1;
  const double better = higher_is_better ? v128 : v96;
  const double worse = higher_is_better ? v96 : v128;
  if (worse == 0) return std::numeric_limits<double>::infinity();
  return better / worse;
}

// Exactly 5% is a difference; the tolerance absorbs the last bit of a division such as 2.1 / 2.
bool at_least_threshold(double ratio) { return ratio >= kAuditThreshold * (1 - 1e-12); }

bool ok(const AuditOutcome& o) { return o.ran && o.keeps_up; }

bool host_fits(const AuditOutcome& o) { return o.verdict == "fits" || o.verdict == "pressured"; }

std::string ratio_text(double ratio) {
  return std::isinf(ratio) ? std::string("(against 0)") : "by " + format_readable(ratio, 3) + "x";
}

void collect_numeric(const nlohmann::json& node, const std::string& prefix, int depth,
                     std::vector<std::string>& out) {
  for (const auto& [key, value] : node.items()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_number() || value.is_null()) out.push_back(path);  // null: a figure without a value here
    else if (value.is_object() && depth < 1) collect_numeric(value, path, depth + 1, out);
  }
}

std::string figure_cell(const AuditOutcome& o) {
  return o.figure ? format_readable(*o.figure) : std::string("n/a");
}

// "thrashing, keeps-up", and what went wrong with the case's workload when something did.
std::string outcome_cell(const AuditOutcome& o) {
  std::string text = o.verdict + ", " + o.service;
  if (o.workload.empty()) return text;
  if (!o.ran) return text + "; " + o.workload + " " + o.status;
  if (!o.keeps_up) return text + "; " + o.workload + " falls behind";
  return text;
}

std::string figure_name(const AuditRow& row) {
  return (row.workload.empty() ? std::string("host") : "`" + row.workload + "`") + " " + row.metric + " (" +
         row.unit + "; " + (row.higher_is_better ? "higher" : "lower") + " is better)";
}

std::string capacity_cell(const AuditRow& row, const std::optional<double>& value, const std::string& outcome) {
  if (!row.capacity_asked) return "-";
  if (outcome == "below-min") return "below the lowest rate searched";
  if (!value) return "n/a";
  return (outcome == "at-least-max" ? ">= " : "") + format_readable(*value);
}

// A table cell: '|' would end it, a line break the row.
std::string md_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

const char* kFootnote =
    "Findings per case, by fixed rules (analysis/audit.hpp), first match wins: **enables**: on 96 GB the "
    "case's workload failed to start, was killed or fell behind (for a host figure: the host was oom or fell "
    "behind), while on 128 GB it ran and kept up on a host that fits or is pressured; **helps by X**: the key "
    "figure is better on 128 GB by 5% or more (X = better / worse); **96 GB better by X**: better on 96 GB by "
    "5% or more; **no difference**: within 5% either way (exactly 5% counts as a difference); **runs only on "
    "128 GB**, **runs only on 96 GB**, **fails on both**: the workload did not run on one or both hosts and "
    "enables does not apply. Outcomes are the host's memory verdict and service (`headroom compare`); figures "
    "are the simulation's, 4 significant digits. Capacity at SLO: the largest request rate meeting the "
    "claim's SLO (`headroom capacity`); n/a where it was not computed, - where the claim asks for none.";

std::string audit_md(const std::vector<AuditRow>& rows) {
  std::string out =
      "| claim | case | scenario | hosts (96 / 128 GB) | 96 GB outcome | 128 GB outcome | key figure | 96 GB | "
      "128 GB | finding | 96 GB capacity at SLO (requests/min) | 128 GB capacity at SLO (requests/min) |\n"
      "|---|---|---|---|---|---|---|---:|---:|---|---:|---:|\n";
  for (const AuditRow& row : rows) {
    const std::vector<std::string> cells = {
        row.claim, row.case_name, "`" + row.scenario_path + "`", row.host_96 + " / " + row.host_128,
        outcome_cell(row.gb96), outcome_cell(row.gb128), figure_name(row), figure_cell(row.gb96),
        figure_cell(row.gb128), "**" + to_string(row.finding) + "**", capacity_cell(row, row.capacity_96_per_min, row.capacity_96_outcome),
        capacity_cell(row, row.capacity_128_per_min, row.capacity_128_outcome)};
    out += "|";
    for (const std::string& cell : cells) out += " " + md_cell(cell) + " |";
    out += "\n";
  }
  return out + "\n" + kFootnote + "\n";
}

Json number_or_null(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

Json outcome_json(const AuditOutcome& o) {
  Json j;
  j["verdict"] = o.verdict;
  j["service"] = o.service;
  j["workload_status"] = o.status.empty() ? Json(nullptr) : Json(o.status);
  j["ran"] = o.ran;
  j["keeps_up"] = o.keeps_up;
  j["value"] = number_or_null(o.figure);
  return j;
}

std::string audit_json(const std::vector<AuditRow>& rows, const std::string& claims_path) {
  Json root;
  root["headroom_audit"] = 1;
  root["claims_path"] = claims_path;
  root["threshold"] = 0.05;  // kAuditThreshold - 1, written as people read it
  Json list = Json::array();
  for (const AuditRow& row : rows) {
    Json j;
    j["claim_id"] = row.claim_id;
    j["claim"] = row.claim;
    j["case"] = row.case_name;
    j["scenario"] = row.scenario_path;
    j["hosts"] = {{"96GB", row.host_96}, {"128GB", row.host_128}};
    j["figure"] = {{"workload", row.workload.empty() ? Json(nullptr) : Json(row.workload)},
                   {"metric", row.metric},
                   {"unit", row.unit},
                   {"better", row.higher_is_better ? "higher" : "lower"}};
    j["96GB"] = outcome_json(row.gb96);
    j["128GB"] = outcome_json(row.gb128);
    j["finding"] = to_string(row.finding);
    j["ratio"] = std::isinf(row.finding.ratio) ? Json(nullptr) : Json(row.finding.ratio);
    j["capacity_per_min"] =
        row.capacity_asked
            ? Json{{"96GB", number_or_null(row.capacity_96_per_min)},
                   {"128GB", number_or_null(row.capacity_128_per_min)},
                   {"outcome", {{"96GB", row.capacity_96_outcome}, {"128GB", row.capacity_128_outcome}}}}
            : Json(nullptr);
    list.push_back(std::move(j));
  }
  root["rows"] = std::move(list);
  return root.dump(2) + "\n";
}

std::string optional_g(const std::optional<double>& value) { return value ? format_g(*value) : std::string(); }

std::string audit_csv(const std::vector<AuditRow>& rows) {
  std::string out =
      "claim_id,claim,case,scenario,host_96,host_128,workload,metric,unit,better,verdict_96,service_96,status_96,"
      "value_96,verdict_128,service_128,status_128,value_128,finding,ratio,capacity_96_per_min,capacity_128_per_min\n";
  for (const AuditRow& row : rows) {
    const std::vector<std::string> fields = {
        row.claim_id, row.claim, row.case_name, row.scenario_path, row.host_96, row.host_128, row.workload,
        row.metric, row.unit, row.higher_is_better ? "higher" : "lower", row.gb96.verdict, row.gb96.service,
        row.gb96.status, optional_g(row.gb96.figure), row.gb128.verdict, row.gb128.service, row.gb128.status,
        optional_g(row.gb128.figure), to_string(row.finding), format_g(row.finding.ratio),
        optional_g(row.capacity_96_per_min), optional_g(row.capacity_128_per_min)};
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i == 0 ? "" : ",") + csv_field(fields[i]);
    out += "\n";
  }
  return out;
}

}  // namespace

Finding audit_finding(const AuditOutcome& gb96, const AuditOutcome& gb128, bool higher_is_better) {
  if (!ok(gb96) && ok(gb128) && host_fits(gb128)) return {FindingKind::enables, 1};
  const bool has_96 = gb96.ran && gb96.figure.has_value();
  const bool has_128 = gb128.ran && gb128.figure.has_value();
  if (!has_96 || !has_128) {
    if (has_128) return {FindingKind::runs_only_128, 1};
    if (has_96) return {FindingKind::runs_only_96, 1};
    return {FindingKind::fails_both, 1};
  }
  const double advantage = advantage_128(*gb96.figure, *gb128.figure, higher_is_better);
  if (at_least_threshold(advantage)) return {FindingKind::helps, advantage};
  const double inverse = advantage == 0 ? std::numeric_limits<double>::infinity() : 1 / advantage;
  if (at_least_threshold(inverse)) return {FindingKind::better_96, inverse};
  return {FindingKind::no_difference, 1};
}

std::string to_string(const Finding& finding) {
  switch (finding.kind) {
    case FindingKind::enables: return "enables";
    case FindingKind::helps: return "helps " + ratio_text(finding.ratio);
    case FindingKind::no_difference: return "no difference";
    case FindingKind::better_96: return "96 GB better " + ratio_text(finding.ratio);
    case FindingKind::runs_only_128: return "runs only on 128 GB";
    case FindingKind::runs_only_96: return "runs only on 96 GB";
    case FindingKind::fails_both: return "fails on both";
  }
  return "";
}

FigureLookup look_up_figure(const nlohmann::json& host, const std::string& workload, const std::string& metric) {
  FigureLookup found;
  AuditOutcome& o = found.outcome;
  o.verdict = host.at("verdict").get<std::string>();
  o.service = host.at("service").get<std::string>();
  const nlohmann::json* base = &host;
  if (!workload.empty()) {
    base = nullptr;
    for (const auto& w : host.at("workloads"))
      if (w.at("name").get<std::string>() == workload) base = &w;
    if (base == nullptr) throw std::runtime_error("no workload '" + workload + "' in the result of host " +
                                                  host.at("name").get<std::string>());
    o.workload = workload;
    o.status = base->at("status").get<std::string>();
    const auto status = workload_status_from(o.status);
    o.ran = status && !is_failure(*status) && *status != WorkloadStatus::not_started;
    const auto& keeps = base->at("service").at("keeps_up");
    o.keeps_up = keeps.is_boolean() && keeps.get<bool>();
    base = &base->at("metrics");
  } else {
    o.keeps_up = o.service == "keeps-up" && o.verdict != "oom";
  }
  const nlohmann::json* node = base;
  std::size_t begin = 0;
  while (node != nullptr) {
    const std::size_t dot = metric.find('.', begin);
    const std::string key = metric.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    node = node->is_object() && node->contains(key) ? &node->at(key) : nullptr;
    if (dot == std::string::npos) break;
    begin = dot + 1;
  }
  if (node != nullptr && (node->is_number() || node->is_null())) {
    found.metric_found = true;
    // A workload that did not run has no figure, whatever its result holds (a 0 tokens/s).
    if (node->is_number() && o.ran) o.figure = node->get<double>();
  }
  collect_numeric(*base, "", 0, found.metrics);
  return found;
}

std::string render_audit(const std::vector<AuditRow>& rows, const std::string& claims_path, const std::string& format) {
  if (format == "json") return audit_json(rows, claims_path);
  if (format == "csv") return audit_csv(rows);
  return audit_md(rows);
}

}  // namespace headroom::analysis
