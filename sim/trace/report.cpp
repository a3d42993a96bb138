#include "sim/trace/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/json_text.hpp"

namespace headroom::trace {
namespace {

std::string xml_text(const std::string& s) {
  std::string out;
  for (const char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// Sized traces (object sizes known) add, per result, the row-level request miss ratio (a row
// misses when any of its pages does) and the byte miss ratio; unsized traces print as before.
std::string cache_table(const Trace& trace, const std::vector<CacheResult>& results) {
  std::string out = fmt::format("trace: {}\nrequests: {}  unique_pages: {}  skipped_rows: {}\n", trace.name,
                                trace.references, trace.unique(), trace.skipped_rows);
  if (trace.sized) out += fmt::format("rows: {}  bytes: {}\n", trace.rows, trace.bytes);
  out += fmt::format("{:<8} {:>12} {:>12} {:>10}", "policy", "frames", "misses", "miss_ratio");
  out += trace.sized ? fmt::format(" {:>14} {:>15}\n", "req_miss_ratio", "byte_miss_ratio") : "\n";
  for (const auto& r : results) {
    out += fmt::format("{:<8} {:>12} {:>12} {:>10.6f}", r.policy, r.frames, r.misses, r.miss_ratio());
    out += trace.sized ? fmt::format(" {:>14.6f} {:>15.6f}\n", r.request_miss_ratio(), r.byte_miss_ratio()) : "\n";
  }
  return out;
}

std::string cache_csv(const Trace& trace, const std::vector<CacheResult>& results) {
  std::string out = trace.sized ? "policy,frames,requests,misses,miss_ratio,rows,request_misses,request_miss_ratio,bytes,"
                                  "byte_misses,byte_miss_ratio\n"
                                : "policy,frames,requests,misses,miss_ratio\n";
  for (const auto& r : results) {
    out += fmt::format("{},{},{},{},{}", r.policy, r.frames, r.requests, r.misses, r.miss_ratio());
    out += trace.sized ? fmt::format(",{},{},{},{},{},{}\n", r.rows, r.row_misses, r.request_miss_ratio(), r.bytes,
                                     r.byte_misses, r.byte_miss_ratio())
                       : "\n";
  }
  return out;
}

std::string cache_json(const Trace& trace, const std::vector<CacheResult>& results) {
  std::string out = fmt::format("{{\"trace\": {}, \"requests\": {}, \"unique\": {}, \"skipped_rows\": {}, ",
                                json_quote(trace.name), trace.references, trace.unique(), trace.skipped_rows);
  if (trace.sized) out += fmt::format("\"rows\": {}, \"bytes\": {}, ", trace.rows, trace.bytes);
  out += "\"results\": [";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out += fmt::format("{}{{\"policy\": {}, \"frames\": {}, \"misses\": {}, \"miss_ratio\": {}", i ? ", " : "",
                       json_quote(r.policy), r.frames, r.misses, r.miss_ratio());
    if (trace.sized)
      out += fmt::format(", \"request_misses\": {}, \"request_miss_ratio\": {}, \"byte_misses\": {}, \"byte_miss_ratio\": {}",
                         r.row_misses, r.request_miss_ratio(), r.byte_misses, r.byte_miss_ratio());
    out += "}";
  }
  return out + "]}\n";
}

// Curve points: (frames, miss ratio) at frames 0 (all miss) and wherever the curve steps down.
std::vector<std::pair<std::uint64_t, double>> curve_points(const MissRatioCurve& curve) {
  std::vector<std::pair<std::uint64_t, double>> points{{0, 1.0}};
  for (const auto f : curve.step_frames()) points.emplace_back(f, curve.miss_ratio(f));
  return points;
}

// Miss ratio at the smallest marked RAM size minus at the largest (from whole miss counts, so that
// 12/20 - 8/20 prints as 0.2).
double drop(const MissRatioCurve& curve, const std::vector<RamMark>& marks) {
  if (marks.size() < 2 || curve.sampled == 0) return 0.0;
  const auto saved = curve.analysed_misses(marks.front().frames) - curve.analysed_misses(marks.back().frames);
  return static_cast<double>(saved) / static_cast<double>(curve.sampled);
}

// The byte miss ratio column of a sized curve ("" for an unsized one), after the miss ratio.
std::string byte_column(const MissRatioCurve& c, std::uint64_t frames) {
  return c.sized ? fmt::format("{},", frames == 0 ? 1.0 : c.byte_miss_ratio(frames)) : std::string();
}

std::string mrc_csv(const MrcReport& r) {
  auto points = curve_points(*r.curve);
  const bool sized = r.curve->sized;
  std::string out = sized ? "frames,cache_bytes,miss_ratio,byte_miss_ratio,mark\n" : "frames,cache_bytes,miss_ratio,mark\n";
  std::size_t m = 0;
  auto emit_marks_upto = [&](std::uint64_t frames) {
    for (; m < r.marks.size() && r.marks[m].frames <= frames; ++m)
      out += fmt::format("{},{},{},{}ram_{}\n", r.marks[m].frames, r.marks[m].frames * r.page_bytes,
                         r.marks[m].miss_ratio, byte_column(*r.curve, r.marks[m].frames), bytes_label(r.marks[m].ram_bytes));
  };
  for (const auto& [frames, ratio] : points) {
    emit_marks_upto(frames > 0 ? frames - 1 : 0);
    out += fmt::format("{},{},{},{}\n", frames, frames * r.page_bytes, ratio, byte_column(*r.curve, frames));
  }
  emit_marks_upto(~std::uint64_t{0});
  return out;
}

std::string mrc_json(const MrcReport& r) {
  const auto& c = *r.curve;
  std::string out = fmt::format(
      "{{\"trace\": {}, \"requests\": {}, \"unique\": {}, \"skipped_rows\": {}, \"page_bytes\": {}, "
      "\"sample_rate\": {}, \"sampled_requests\": {}, \"os_reserve_bytes\": {}, ",
      json_quote(r.trace->name), c.requests, r.trace->unique(), r.trace->skipped_rows, r.page_bytes,
      c.sample_rate, c.sampled, r.os_reserve_bytes);
  if (c.sized) out += fmt::format("\"rows\": {}, \"bytes\": {}, ", r.trace->rows, r.trace->bytes);
  out += "\"curve\": [";
  // The byte miss ratio of a sized curve, as a JSON member after the miss ratio.
  const auto byte_member = [&](std::uint64_t frames) {
    return c.sized ? fmt::format(", \"byte_miss_ratio\": {}", frames == 0 ? 1.0 : c.byte_miss_ratio(frames)) : std::string();
  };
  const auto points = curve_points(c);
  for (std::size_t i = 0; i < points.size(); ++i)
    out += fmt::format("{}{{\"frames\": {}, \"miss_ratio\": {}{}}}", i ? ", " : "", points[i].first, points[i].second,
                       byte_member(points[i].first));
  out += "], \"ram_marks\": [";
  for (std::size_t i = 0; i < r.marks.size(); ++i)
    out += fmt::format("{}{{\"ram_bytes\": {}, \"frames\": {}, \"miss_ratio\": {}{}}}", i ? ", " : "",
                       r.marks[i].ram_bytes, r.marks[i].frames, r.marks[i].miss_ratio, byte_member(r.marks[i].frames));
  return out + fmt::format("], \"miss_ratio_drop\": {}}}\n", drop(*r.curve, r.marks));
}

// Plot geometry: log10 x axis over whole decades from 1 frame, linear y axis over [0, 1].
struct Plot {
  static constexpr double kW = 720, kH = 440, kLeft = 70, kRight = 20, kTop = 40, kBottom = 60;
  double decades = 1;
  double x(std::uint64_t frames) const {
    const double lx = std::log10(static_cast<double>(std::max<std::uint64_t>(frames, 1)));
    return kLeft + (kW - kLeft - kRight) * lx / decades;
  }
  double y(double ratio) const { return kTop + (kH - kTop - kBottom) * (1.0 - ratio); }
};

std::string svg_axes(const Plot& p) {
  std::string out = fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"black\"/>\n", Plot::kLeft,
                                p.y(0), Plot::kW - Plot::kRight);
  out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"black\"/>\n", Plot::kLeft, p.y(0), p.y(1));
  for (int d = 0; d <= static_cast<int>(p.decades); ++d)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">1e{}</text>\n",
                       Plot::kLeft + (Plot::kW - Plot::kLeft - Plot::kRight) * d / p.decades, p.y(0) + 16, d);
  for (int t = 0; t <= 4; ++t)
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.2f}</text>\n", Plot::kLeft - 6,
                       p.y(t / 4.0) + 4, t / 4.0);
  return out + fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">cache frames (log scale)</text>\n",
                           (Plot::kW + Plot::kLeft) / 2, Plot::kH - 12);
}

// The step curve, x rounded to half pixels; vertices strictly inside one pixel column are dropped,
// which bounds the file size by the plot width, not by the number of steps.
std::string svg_curve(const Plot& p, const std::vector<std::pair<std::uint64_t, double>>& points) {
  std::vector<std::pair<double, double>> vertices{{Plot::kLeft, p.y(points.front().second)}};
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double x = std::round(p.x(points[i].first) * 2) / 2;
    vertices.emplace_back(x, vertices.back().second);
    vertices.emplace_back(x, p.y(points[i].second));
  }
  vertices.emplace_back(Plot::kW - Plot::kRight, vertices.back().second);
  std::string path;
  for (std::size_t i = 0; i < vertices.size(); ++i) {
    const bool inside_column = i > 0 && i + 1 < vertices.size() && vertices[i - 1].first == vertices[i].first &&
                               vertices[i + 1].first == vertices[i].first;
    if (!inside_column)
      path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "" : " ", vertices[i].first, vertices[i].second);
  }
  return fmt::format("<polyline fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"1.5\" points=\"{}\"/>\n", path);
}

std::string svg_marks(const Plot& p, const MrcReport& r) {
  std::string out;
  for (std::size_t i = 0; i < r.marks.size(); ++i) {
    const RamMark& m = r.marks[i];
    out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#c0392b\" "
                       "stroke-dasharray=\"4 3\"/>\n<text x=\"{0:.1f}\" y=\"{3:.1f}\" fill=\"#c0392b\" "
                       "text-anchor=\"end\">{4} RAM: {5:.4f}</text>\n",
                       p.x(m.frames), p.y(0), p.y(1), p.y(1) - 4 + 14 * static_cast<double>(i),
                       bytes_label(m.ram_bytes), m.miss_ratio);
  }
  if (r.marks.size() >= 2)
    out += fmt::format("<text x=\"{}\" y=\"{:.1f}\">miss ratio drop {} -> {} RAM: {:.4f}</text>\n", Plot::kLeft,
                       Plot::kH - 30, bytes_label(r.marks.front().ram_bytes), bytes_label(r.marks.back().ram_bytes),
                       drop(*r.curve, r.marks));
  return out;
}

std::string mrc_svg(const MrcReport& r) {
  const auto points = curve_points(*r.curve);
  std::uint64_t x_max = std::max<std::uint64_t>(points.back().first, 10);
  for (const auto& m : r.marks) x_max = std::max(x_max, m.frames);
  const Plot plot{std::ceil(std::log10(static_cast<double>(x_max) * 1.5))};
  return fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
                     "font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
                     "<text x=\"{}\" y=\"20\">LRU miss ratio vs cache frames ({} B pages): {}</text>\n",
                     Plot::kW, Plot::kH, Plot::kLeft, r.page_bytes, xml_text(r.trace->name)) +
         svg_axes(plot) + svg_curve(plot, points) + svg_marks(plot, r) + "</svg>\n";
}

}  // namespace

std::string bytes_label(std::uint64_t bytes) {
  static const char* units[] = {"TiB", "GiB", "MiB", "KiB"};
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t unit = std::uint64_t{1} << (10 * (4 - i));
    if (bytes != 0 && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, units[i]);
  }
  return fmt::format("{}B", bytes);
}

std::string format_cache(const Trace& trace, const std::vector<CacheResult>& results, Format format) {
  switch (format) {
    case Format::csv: return cache_csv(trace, results);
    case Format::json: return cache_json(trace, results);
    default: return cache_table(trace, results);
  }
}

std::vector<RamMark> ram_marks(const MissRatioCurve& curve, const std::vector<std::uint64_t>& ram_bytes,
                               std::uint64_t os_reserve_bytes, std::uint64_t page_bytes) {
  std::vector<RamMark> marks;
  for (const auto ram : ram_bytes) {
    const std::uint64_t frames = ram > os_reserve_bytes ? (ram - os_reserve_bytes) / page_bytes : 0;
    marks.push_back({ram, frames, curve.miss_ratio(frames), curve.byte_miss_ratio(frames)});
  }
  std::sort(marks.begin(), marks.end(), [](const RamMark& a, const RamMark& b) { return a.ram_bytes < b.ram_bytes; });
  return marks;
}

std::string format_mrc(const MrcReport& report, Format format) {
  switch (format) {
    case Format::json: return mrc_json(report);
    case Format::svg: return mrc_svg(report);
    default: return mrc_csv(report);
  }
}

}  // namespace headroom::trace
