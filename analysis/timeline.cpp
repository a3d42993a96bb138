#include "analysis/timeline.hpp"

#include <nlohmann/json.hpp>

#include "analysis/number_format.hpp"

namespace headroom::analysis {

namespace {

using Json = nlohmann::ordered_json;

constexpr int kHostPid = 1;
constexpr double kMicrosecondsPerSecond = 1e6;

double us(double s) { return s * kMicrosecondsPerSecond; }
int tid_of(std::uint32_t workload) { return static_cast<int>(workload) + 1; }

// The traceEvents array, one event at a time (a long run has millions: no tree of them all), with
// the cap applied to every event after the metadata.
class EventWriter {
 public:
  explicit EventWriter(std::size_t max_events) : max_events_(max_events) { out_ = "{\"traceEvents\":[\n"; }

  void metadata(const Json& event) { write(event); }
  // False once the cap is reached (the event is counted as dropped).
  bool event(const Json& event) {
    if (written_ >= max_events_) {
      ++dropped_;
      return false;
    }
    write(event);
    return true;
  }
  void drop(std::size_t events) { dropped_ += events; }
  bool room(std::size_t events) const { return written_ + events <= max_events_; }

  ChromeTrace finish(const Json& other_data) {
    out_ += "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":" + other_data.dump() + "}\n";
    return {std::move(out_), written_, dropped_};
  }
  std::size_t dropped() const { return dropped_; }

 private:
  void write(const Json& event) {
    if (written_ > 0) out_ += ",\n";
    out_ += event.dump();
    ++written_;
  }
  std::string out_;
  std::size_t max_events_, written_ = 0, dropped_ = 0;
};

Json meta(const char* name, int tid, Json args) {
  Json e = {{"ph", "M"}, {"name", name}, {"pid", kHostPid}};
  if (tid > 0) e["tid"] = tid;
  e["args"] = std::move(args);
  return e;
}

void write_metadata(EventWriter& out, const HostResult& host) {
  out.metadata(meta("process_name", 0, {{"name", host.name}}));
  out.metadata(meta("process_sort_index", 0, {{"sort_index", 0}}));
  for (std::size_t i = 0; i < host.workloads.size(); ++i) {
    const int tid = tid_of(static_cast<std::uint32_t>(i));
    out.metadata(meta("thread_name", tid, {{"name", host.workloads[i].name + " (" + host.workloads[i].kind + ")"}}));
    out.metadata(meta("thread_sort_index", tid, {{"sort_index", tid}}));
  }
}

Json counter(const char* name, double time_s, Json args) {
  return {{"ph", "C"}, {"name", name}, {"pid", kHostPid}, {"ts", us(time_s)}, {"args", std::move(args)}};
}

// Counter tracks from the time series: each sample becomes one event per track.
void write_counters(EventWriter& out, const HostResult& host) {
  for (const TimeSample& t : host.timeseries) {
    out.event(counter("memory (bytes)", t.time_s,
                      {{"anon", t.anon_bytes}, {"page cache", t.file_bytes}, {"unevictable (wired)", t.unevictable_bytes},
                       {"free", t.free_bytes}}));
    out.event(counter("swap used (bytes)", t.time_s, {{"swap", t.swap_bytes}}));
    Json rss = Json::object();
    for (std::size_t i = 0; i < t.workload_rss_bytes.size() && i < host.workloads.size(); ++i)
      rss[host.workloads[i].name] = t.workload_rss_bytes[i];
    if (!rss.empty()) out.event(counter("workload RSS (bytes)", t.time_s, std::move(rss)));
    out.event(counter("major faults (cumulative)", t.time_s, {{"pgmajfault", t.pgmajfault}}));
    out.event(counter("swap (cumulative pages)", t.time_s, {{"pswpin", t.pswpin}, {"pswpout", t.pswpout}}));
    out.event(counter("PSI memory stall (cumulative s)", t.time_s, {{"some", t.psi_some_s}, {"full", t.psi_full_s}}));
  }
}

void write_slices(EventWriter& out, const Timeline& timeline) {
  for (const TimelineSlice& s : timeline.slices) {
    Json args = Json::object();
    for (int k = 0; k < 2; ++k)
      if (s.arg_keys[k] != TimelineSlice::kNoArg) args[timeline.names.at(s.arg_keys[k])] = s.arg_values[k];
    const double begin_us = us(s.begin_s);
    if (!out.event({{"ph", "X"}, {"name", timeline.names.at(s.name)}, {"cat", "step"}, {"pid", kHostPid},
                    {"tid", tid_of(s.workload)}, {"ts", begin_us}, {"dur", us(s.end_s) - begin_us},
                    {"args", std::move(args)}}))
      return out.drop(static_cast<std::size_t>(&timeline.slices.back() - &s));
  }
}

// When a request's async slice ends, and the args saying how it ended.
double request_end_s(const RequestRecord& r, const WorkloadResult& w, double horizon_s, Json& args) {
  if (r.finish_s >= 0) {
    args["status"] = "finished";
    return r.finish_s;
  }
  if (!r.failed) {
    args["status"] = "unfinished";
    args["unfinished"] = true;
    return horizon_s;
  }
  args["status"] = "failed";
  args["failed"] = true;
  args["failure"] = r.failure;
  // Killed with its server (the workload's end), else refused at arrival (context, budget).
  const std::optional<Cause> cause = cause_from(r.failure);
  const bool killed = cause == Cause::oom_kill || cause == Cause::group_oom_kill;
  if (killed && w.end_s >= r.arrival_s) return w.end_s;
  return r.arrival_s;
}

void write_requests(EventWriter& out, const HostResult& host, const Timeline& timeline) {
  std::uint64_t id = 0;
  for (const TimelineRequests& set : timeline.requests) {
    const WorkloadResult& w = host.workloads.at(set.workload);
    const std::string name = w.name + " request";
    for (const RequestRecord& r : set.requests) {
      ++id;
      if (!out.room(2)) {  // both or neither: a lone begin would draw a request that never ends
        out.drop(2);
        continue;
      }
      Json args = {{"prompt_tokens", r.prompt_tokens}, {"output_tokens", r.output_tokens},
                   {"generated_tokens", r.generated_tokens}};
      if (r.admitted_s >= 0) args["queue_wait_s"] = r.admitted_s - r.arrival_s;
      if (r.first_token_s >= 0) args["ttft_s"] = r.first_token_s - r.arrival_s;
      const double end_s = request_end_s(r, w, host.horizon_s, args);
      const Json common = {{"cat", "request"}, {"name", name}, {"id", id}, {"pid", kHostPid}, {"tid", tid_of(set.workload)}};
      Json begin = common, end = common;
      begin["ph"] = "b";
      begin["ts"] = us(r.arrival_s);
      begin["args"] = std::move(args);
      end["ph"] = "e";
      end["ts"] = us(end_s);
      out.event(begin);
      out.event(end);
    }
  }
}

Json other_data(const ScenarioResult& scenario, const HostResult& host, const Timeline& timeline, std::size_t dropped) {
  Json d = {{"generator", "headroom run --timeline"},
            {"scenario", scenario.scenario},
            {"scenario_path", scenario.scenario_path},
            {"seed", scenario.seed},
            {"host", host.name},
            {"policy", host.policy},
            {"horizon_s", host.horizon_s},
            {"time", "simulated; ts and dur in microseconds"},
            {"counter_interval_s", host.timeseries_interval_s},
            {"max_events", timeline.max_events}};
  if (dropped > 0) {
    std::string note = format_u64(dropped) + " events past the cap of " + format_u64(timeline.max_events) +
                       " were not written (steps and requests; counters and metadata come first)";
    if (timeline.first_dropped_s >= 0) note += "; steps are missing from " + format_g(timeline.first_dropped_s) + " s";
    d["truncated"] = note;
  }
  return d;
}

}  // namespace

ChromeTrace render_chrome_trace(const ScenarioResult& scenario, const HostResult& host, const Timeline& timeline) {
  EventWriter out(timeline.max_events);
  write_metadata(out, host);
  write_counters(out, host);
  write_slices(out, timeline);
  out.drop(timeline.dropped_slices);
  write_requests(out, host, timeline);
  const std::size_t dropped = out.dropped();
  return out.finish(other_data(scenario, host, timeline, dropped));
}

}  // namespace headroom::analysis
