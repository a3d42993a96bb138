#include "analysis/report.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/number_format.hpp"
#include "analysis/summary.hpp"
#include "sim/json_text.hpp"

namespace headroom::analysis {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "md") return Format::md;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  return std::nullopt;
}

std::string render(const ScenarioResult& result, Format format) {
  switch (format) {
    case Format::md: return render_markdown(result);
    case Format::json: return render_json(result);
    case Format::csv: return render_csv(result);
  }
  return {};
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

// Receives the fields of a host or workload in their one fixed order; the JSON and CSV writers
// are two sinks over the same emitters, so both formats always carry the same figures.
class FieldSink {
 public:
  virtual ~FieldSink() = default;
  virtual void begin(std::string_view key) = 0;  // nested group
  virtual void end() = 0;
  virtual void number(std::string_view key, std::optional<double> value, std::string_view unit) = 0;
  virtual void integer(std::string_view key, std::uint64_t value, std::string_view unit) = 0;
  virtual void text(std::string_view key, const std::string& value) = 0;
  virtual void boolean(std::string_view key, bool value) = 0;
};


void emit_bytes(FieldSink& sink, std::string_view stem, std::uint64_t bytes) {
  sink.integer(std::string(stem) + "_bytes", bytes, "bytes");
  sink.number(std::string(stem) + "_gib", to_gib(bytes), "GiB");
}

using Json = nlohmann::ordered_json;

// A kind's JSON as it is: objects nest, numbers keep their type, null is a number without value.
// `path` is the dotted key path the kind's units are given by.
void emit_json(FieldSink& sink, std::string_view key, const Json& value, const KindSummary& k,
               const std::string& path) {
  const auto unit_of = [&]() -> std::string {
    const auto found = k.units.find(path);
    return found == k.units.end() ? "" : found->second;
  };
  switch (value.type()) {
    case Json::value_t::object:
      sink.begin(key);
      for (const auto& [child, v] : value.items())
        emit_json(sink, child, v, k, path.empty() ? child : path + "." + child);
      sink.end();
      return;
    case Json::value_t::number_unsigned: sink.integer(key, value.get<std::uint64_t>(), unit_of()); return;
    case Json::value_t::number_integer:
    case Json::value_t::number_float: sink.number(key, value.get<double>(), unit_of()); return;
    case Json::value_t::boolean: sink.boolean(key, value.get<bool>()); return;
    case Json::value_t::string: sink.text(key, value.get<std::string>()); return;
    case Json::value_t::null: sink.number(key, std::nullopt, unit_of()); return;
    default: sink.text(key, value.dump()); return;  // arrays: as JSON text
  }
}

// The fields of a JSON object at the current level (no enclosing group).
void emit_json_fields(FieldSink& sink, const Json& object, const KindSummary& k) {
  if (!object.is_object()) return;
  for (const auto& [key, v] : object.items()) emit_json(sink, key, v, k, key);
}

void emit_service(FieldSink& sink, const ServiceSummary& s) {
  sink.begin("service");
  sink.text("unit", s.unit);
  sink.integer("arrived", s.arrived, s.unit);
  sink.integer("completed", s.completed, s.unit);
  sink.integer("failed", s.failed, s.unit);
  sink.integer("backlog", s.backlog, s.unit);
  sink.number("backlog_growth", static_cast<double>(s.backlog_growth), s.unit);
  sink.integer("concurrency", s.concurrency, s.unit);
  sink.number("progress", s.progress, "fraction");
  sink.boolean("keeps_up", s.keeps_up);
  sink.text("reason", s.reason);
  sink.end();
}

// `slo:` (analysis/slo.hpp), only for a workload that has one: goldens without it are unchanged.
// A value of +inf (missed requests decide it) prints as null; missed_requests says so.
void emit_slo(FieldSink& sink, const SloResult& slo) {
  sink.begin("slo");
  sink.boolean("met", slo.met);
  sink.begin("targets");
  for (const SloTargetResult& t : slo.targets) {
    const std::string unit = t.key.rfind("tpot", 0) == 0 ? "s/token" : "s";
    sink.begin(t.key);
    sink.number("limit_s", t.limit_s, unit);
    sink.number("value_s", t.value_s, unit);
    sink.boolean("met", t.met);
    if (t.key != "deadline") {
      sink.integer("arrived", t.arrived, "requests");
      sink.integer("decided", t.decided, "requests");
      sink.integer("met_requests", t.met_requests, "requests");
      sink.integer("missed_requests", t.decided - t.met_requests, "requests");
      sink.number("attainment", t.attainment, "fraction");
    }
    sink.end();
  }
  sink.end();
  sink.end();
}

std::optional<double> time_or_none(double t_s) { return t_s >= 0 ? std::optional<double>(t_s) : std::nullopt; }

// The common part of a workload, then the kind's info, service and metrics.
void emit_workload(FieldSink& sink, const WorkloadResult& r, const WorkloadSummary& w, bool with_name) {
  if (with_name) sink.text("name", r.name);
  sink.text("kind", r.kind);
  sink.text("group", r.group);
  sink.text("status", to_string(r.status));
  sink.text("cause", to_string(r.cause));
  sink.text("status_detail", r.status_detail);
  sink.boolean("fell_back", r.fell_back);
  sink.number("start_s", time_or_none(r.start_s), "s");
  sink.number("end_s", time_or_none(r.end_s), "s");
  emit_json_fields(sink, w.kind.info, w.kind);
  sink.begin("peak");
  sink.integer("anon_bytes", r.peak.anon_bytes, "bytes");
  sink.integer("file_mapped_bytes", r.peak.file_mapped_bytes, "bytes");
  sink.integer("wired_bytes", r.peak.wired_bytes, "bytes");
  sink.integer("swap_bytes", r.peak.swap_bytes, "bytes");
  sink.end();
  sink.number("busy_s", w.busy_s, "s");
  emit_service(sink, w.kind.service);
  if (w.slo) emit_slo(sink, *w.slo);
  emit_json(sink, "metrics", w.kind.metrics.is_object() ? w.kind.metrics : Json::object(), w.kind, "");
}

void emit_memory(FieldSink& sink, const HostSummary& s) {
  const MemoryResult& m = s.host->memory;
  sink.begin("memory");
  emit_bytes(sink, "peak_file", m.peak_file_bytes);
  emit_bytes(sink, "peak_anon", m.peak_anon_bytes);
  emit_bytes(sink, "peak_unevictable", m.peak_unevictable_bytes);
  emit_bytes(sink, "peak_swap", m.peak_swap_bytes);
  sink.integer("major_faults", m.major_faults, "faults");
  emit_bytes(sink, "file_read", m.file_read_bytes);
  sink.integer("read_requests", m.read_requests, "requests");
  sink.integer("fault_waits", m.fault_waits, "waits");
  emit_bytes(sink, "swap_in", m.swap_in_bytes);
  emit_bytes(sink, "swap_out", m.swap_out_bytes);
  emit_bytes(sink, "writeback", m.writeback_bytes);
  emit_bytes(sink, "refault", m.refault_bytes());
  sink.integer("refault_file_bytes", m.refault_file_bytes, "bytes");
  sink.integer("refault_anon_bytes", m.refault_anon_bytes, "bytes");
  sink.integer("direct_reclaim_pages", m.direct_reclaim_pages, "pages");
  sink.integer("kswapd_reclaim_pages", m.kswapd_reclaim_pages, "pages");
  sink.integer("oom_kills", m.oom_kills, "kills");
  emit_bytes(sink, "managed", m.total_bytes);
  sink.integer("watermark_min_bytes", m.watermark_min_bytes, "bytes");
  sink.integer("watermark_low_bytes", m.watermark_low_bytes, "bytes");
  sink.integer("watermark_high_bytes", m.watermark_high_bytes, "bytes");
  sink.number("psi_some_fraction", s.psi.some_fraction, "fraction");
  sink.number("psi_full_fraction", s.psi.full_fraction, "fraction");
  sink.number("stall_some_s", s.psi.some_s, "s");
  sink.number("stall_full_s", s.psi.full_s, "s");
  sink.end();
}

// A byte count that may be "max" (no limit): null in json, empty in csv.
void emit_limit(FieldSink& sink, std::string_view key, std::optional<std::uint64_t> bytes) {
  if (bytes)
    sink.integer(key, *bytes, "bytes");
  else
    sink.number(key, std::nullopt, "bytes");
}

// One memory cgroup: its limits, memory.current/peak, memory.stat, memory.events, memory.pressure.
void emit_group(FieldSink& sink, const GroupResult& g, const Psi& psi, bool with_name) {
  if (with_name) sink.text("name", g.name);
  sink.begin("limits");
  emit_limit(sink, "max_bytes", g.max_bytes);
  emit_limit(sink, "high_bytes", g.high_bytes);
  emit_limit(sink, "swap_max_bytes", g.swap_max_bytes);
  sink.integer("min_bytes", g.min_bytes, "bytes");
  sink.integer("low_bytes", g.low_bytes, "bytes");
  sink.end();
  struct Count {
    const char* key;
    std::uint64_t GroupResult::*field;
  };
  for (const Count c : {Count{"usage_bytes", &GroupResult::usage_bytes}, {"peak_usage_bytes", &GroupResult::peak_usage_bytes},
                        {"file_bytes", &GroupResult::file_bytes}, {"anon_bytes", &GroupResult::anon_bytes},
                        {"swap_bytes", &GroupResult::swap_bytes}, {"peak_swap_bytes", &GroupResult::peak_swap_bytes}})
    sink.integer(c.key, g.*c.field, "bytes");
  sink.integer("major_faults", g.major_faults, "faults");
  sink.integer("read_requests", g.read_requests, "requests");
  sink.integer("refault_bytes", g.refault_bytes(), "bytes");
  for (const Count c : {Count{"refault_file_bytes", &GroupResult::refault_file_bytes},
                        {"refault_anon_bytes", &GroupResult::refault_anon_bytes}, {"reclaim_bytes", &GroupResult::reclaim_bytes}})
    sink.integer(c.key, g.*c.field, "bytes");
  sink.begin("events");  // memory.events
  for (const Count c : {Count{"low", &GroupResult::events_low}, {"high", &GroupResult::events_high},
                        {"max", &GroupResult::events_max}, {"oom", &GroupResult::events_oom},
                        {"oom_kill", &GroupResult::events_oom_kill}})
    sink.integer(c.key, g.*c.field, "events");
  sink.end();
  sink.number("high_throttle_s", g.high_throttle_s, "s");
  sink.number("psi_some_fraction", psi.some_fraction, "fraction");
  sink.number("psi_full_fraction", psi.full_fraction, "fraction");
  sink.number("stall_some_s", psi.some_s, "s");
  sink.number("stall_full_s", psi.full_s, "s");
}

Psi group_psi_of(const HostSummary& s, std::size_t i) { return i < s.group_psi.size() ? s.group_psi[i] : Psi{}; }

void emit_host_header(FieldSink& sink, const HostSummary& s) {
  const HostResult& h = *s.host;
  sink.text("name", h.name);
  sink.text("description", h.description);
  emit_bytes(sink, "ram", h.ram_bytes);
  sink.integer("page_bytes", h.page_bytes, "bytes");
  sink.number("mem_bw_effective_Bps", h.mem_bw_effective_Bps, "B/s");
  sink.number("horizon_s", h.horizon_s, "s");
  sink.text("policy", h.policy);
  sink.text("verdict", to_string(s.verdict.verdict));
  sink.text("verdict_reason", s.verdict.reason);
  sink.text("service", to_string(s.service.verdict));
  sink.text("service_reason", s.service.reason);
  if (s.slo_met) {
    sink.text("slo", slo_word(*s.slo_met));
    sink.text("slo_reason", s.slo_reason);
  }
}

std::string json_number(std::optional<double> value) {
  return value && std::isfinite(*value) ? format_g(*value) : "null";
}

// Pretty-printed JSON, two-space indent, keys in emission order.
class JsonWriter : public FieldSink {
 public:
  void open(std::string_view key, char bracket) {
    prefix(key);
    out_ += bracket;
    levels_.push_back({bracket == '[', true});
  }
  void close() {
    const Level level = levels_.back();
    levels_.pop_back();
    if (!level.empty) newline();
    out_ += level.array ? ']' : '}';
  }
  void begin(std::string_view key) override { open(key, '{'); }
  void end() override { close(); }
  void number(std::string_view key, std::optional<double> value, std::string_view) override {
    prefix(key);
    out_ += json_number(value);
  }
  void integer(std::string_view key, std::uint64_t value, std::string_view) override {
    prefix(key);
    out_ += format_u64(value);
  }
  void text(std::string_view key, const std::string& value) override {
    prefix(key);
    out_ += json_quote(value);
  }
  void boolean(std::string_view key, bool value) override {
    prefix(key);
    out_ += value ? "true" : "false";
  }
  std::string finish() { return out_ + "\n"; }

 private:
  struct Level {
    bool array, empty;
  };
  void newline() {
    out_ += '\n';
    out_.append(2 * levels_.size(), ' ');
  }
  void prefix(std::string_view key) {
    if (levels_.empty()) return;
    if (!levels_.back().empty) out_ += ",";
    levels_.back().empty = false;
    newline();
    if (!levels_.back().array) out_ += json_quote(key) + ": ";
  }
  std::string out_;
  std::vector<Level> levels_;
};

// Long format: one row per host x workload x metric; nested groups join with '.'.
class CsvWriter : public FieldSink {
 public:
  CsvWriter() { out_ = "host,workload,metric,unit,value\n"; }
  void set_row_owner(const std::string& host, const std::string& workload) {
    host_ = host;
    workload_ = workload;
  }
  void begin(std::string_view key) override { path_.emplace_back(key); }
  void end() override { path_.pop_back(); }
  void number(std::string_view key, std::optional<double> value, std::string_view unit) override {
    row(key, unit, value && std::isfinite(*value) ? format_g(*value) : "");
  }
  void integer(std::string_view key, std::uint64_t value, std::string_view unit) override {
    row(key, unit, format_u64(value));
  }
  void text(std::string_view key, const std::string& value) override { row(key, "", value); }
  void boolean(std::string_view key, bool value) override { row(key, "", value ? "true" : "false"); }
  const std::string& text() const { return out_; }

 private:
  void row(std::string_view key, std::string_view unit, const std::string& value) {
    std::string metric;
    for (const std::string& part : path_) metric += part + ".";
    metric += key;
    out_ += csv_field(host_) + "," + csv_field(workload_) + "," + csv_field(metric) + "," +
            csv_field(unit) + "," + csv_field(value) + "\n";
  }
  std::string out_, host_, workload_;
  std::vector<std::string> path_;
};

// `run --timeseries-interval`: the host's memory over simulated time (HostResult::timeseries).
void emit_timeseries(JsonWriter& json, const HostResult& h) {
  json.begin("timeseries");
  json.number("interval_s", h.timeseries_interval_s, "s");
  json.open("samples", '[');
  for (const TimeSample& t : h.timeseries) {
    json.begin("");
    json.number("time_s", t.time_s, "s");
    json.integer("anon_bytes", t.anon_bytes, "bytes");
    json.integer("file_bytes", t.file_bytes, "bytes");
    json.integer("swap_bytes", t.swap_bytes, "bytes");
    json.integer("unevictable_bytes", t.unevictable_bytes, "bytes");
    json.integer("free_bytes", t.free_bytes, "bytes");
    json.integer("pgmajfault", t.pgmajfault, "faults");
    json.integer("pswpin_pages", t.pswpin, "pages");
    json.integer("pswpout_pages", t.pswpout, "pages");
    json.number("psi_some_s", t.psi_some_s, "s");
    json.number("psi_full_s", t.psi_full_s, "s");
    json.begin("workload_rss_bytes");
    for (std::size_t i = 0; i < t.workload_rss_bytes.size() && i < h.workloads.size(); ++i)
      json.integer(h.workloads[i].name, t.workload_rss_bytes[i], "bytes");
    json.end();
    json.end();
  }
  json.close();
  json.end();
}

std::vector<HostSummary> summarize_hosts(const ScenarioResult& result) {
  std::vector<HostSummary> hosts;
  for (const HostResult& h : result.hosts) hosts.push_back(summarize_host(h));
  return hosts;
}

}  // namespace

std::string render_json(const ScenarioResult& result) {
  JsonWriter json;
  json.begin("");
  json.text("scenario", result.scenario);
  json.text("description", result.description);
  json.text("scenario_path", result.scenario_path);
  json.integer("seed", result.seed, "");
  json.number("duration_s", result.duration_s, "s");
  json.text("percentile_method", kPercentileMethod);
  json.open("start_order", '[');
  for (const std::string& name : result.start_order) json.text("", name);
  json.close();
  json.open("hosts", '[');
  for (const HostSummary& s : summarize_hosts(result)) {
    json.begin("");
    emit_host_header(json, s);
    emit_memory(json, s);
    json.open("groups", '[');
    for (std::size_t i = 0; i < s.host->groups.size(); ++i) {
      json.begin("");
      emit_group(json, s.host->groups[i], group_psi_of(s, i), true);
      json.end();
    }
    json.close();
    json.open("workloads", '[');
    for (std::size_t i = 0; i < s.workloads.size(); ++i) {
      json.begin("");
      emit_workload(json, s.host->workloads[i], s.workloads[i], true);
      json.end();
    }
    json.close();
    if (!s.host->timeseries.empty()) emit_timeseries(json, *s.host);
    json.end();
  }
  json.close();
  json.end();
  return json.finish();
}

std::string render_csv(const ScenarioResult& result) {
  CsvWriter csv;
  for (const HostSummary& s : summarize_hosts(result)) {
    csv.set_row_owner(s.host->name, "");
    emit_host_header(csv, s);
    emit_memory(csv, s);
    csv.begin("groups");
    for (std::size_t i = 0; i < s.host->groups.size(); ++i) {
      csv.begin(s.host->groups[i].name);
      emit_group(csv, s.host->groups[i], group_psi_of(s, i), false);
      csv.end();
    }
    csv.end();
    for (std::size_t i = 0; i < s.workloads.size(); ++i) {
      csv.set_row_owner(s.host->name, s.host->workloads[i].name);
      emit_workload(csv, s.host->workloads[i], s.workloads[i], false);
    }
  }
  return csv.text();
}

}  // namespace headroom::analysis
