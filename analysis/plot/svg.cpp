// analysis/plot/svg: see svg.hpp. Layout (pixels): the title above, the plot area framed, tick
// labels and axis labels outside it, the legend in rows below `height_px`.
#include "analysis/plot/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "analysis/number_format.hpp"
#include "analysis/plot/html.hpp"

namespace headroom::analysis::plot {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Okabe-Ito colours (distinct for colour-blind readers; yellow left out: unreadable on white),
// each with its own dash pattern and marker shape so the lines stay apart in greyscale too.
constexpr std::array<const char*, 7> kColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                 "#E69F00", "#56B4E9", "#000000"};
constexpr std::array<const char*, 7> kDashes = {"", "7 4", "2 3", "9 3 2 3", "4 4", "12 4 2 4 2 4", "1 5"};
constexpr double kMarkerRadius = 3.5;
constexpr double kLegendRow = 18;
constexpr double kCharWidth = 6.6;  // of an 11 px sans-serif digit, to size margins and tick counts

struct Style {
  const char* colour;
  const char* dash;
  int shape;    // 0 circle, 1 square, 2 triangle, 3 diamond
  bool hollow;  // white-filled marker
};

Style style_of(std::size_t k) {
  return {kColours[k % kColours.size()], kDashes[(k + k / kDashes.size()) % kDashes.size()],
          static_cast<int>(k % 4), (k / 4) % 2 == 1};
}

std::string num(double v) { return format_fixed(v, 2); }

// Appends the path command `command` ('M' or 'L') to (x, y).
void path_to(std::string& path, char command, double x, double y) {
  path += command;
  path += num(x);
  path += ' ';
  path += num(y);
}

std::string marker_path(double x, double y, int shape) {
  const double r = kMarkerRadius;
  switch (shape) {
    case 0:
      return "M" + num(x - r) + " " + num(y) + "a" + num(r) + " " + num(r) + " 0 1 0 " + num(2 * r) +
             " 0a" + num(r) + " " + num(r) + " 0 1 0 " + num(-2 * r) + " 0Z";
    case 1:
      return "M" + num(x - r) + " " + num(y - r) + "h" + num(2 * r) + "v" + num(2 * r) + "h" +
             num(-2 * r) + "Z";
    case 2:
      return "M" + num(x) + " " + num(y - r * 1.2) + "L" + num(x + r * 1.2) + " " + num(y + r) + "L" +
             num(x - r * 1.2) + " " + num(y + r) + "Z";
    default:
      return "M" + num(x) + " " + num(y - r * 1.3) + "L" + num(x + r * 1.3) + " " + num(y) + "L" +
             num(x) + " " + num(y + r * 1.3) + "L" + num(x - r * 1.3) + " " + num(y) + "Z";
  }
}

std::string stroke_attributes(const Style& style, double width) {
  std::string out = " fill=\"none\" stroke=\"" + std::string(style.colour) + "\" stroke-width=\"" + num(width) +
                    "\" stroke-linejoin=\"round\"";
  if (*style.dash != '\0') out += " stroke-dasharray=\"" + std::string(style.dash) + "\"";
  return out;
}

std::string marker_attributes(const Style& style) {
  return " fill=\"" + std::string(style.hollow ? "#ffffff" : style.colour) + "\" stroke=\"" + style.colour +
         "\" stroke-width=\"1.2\"";
}

// "10⁻¹³": decades format_readable cannot print (more than 12 decimals) or prints too long.
std::string power_of_ten_label(int exponent) {
  static const std::array<const char*, 10> digits = {"\u2070", "\u00B9", "\u00B2", "\u00B3", "\u2074",
                                                     "\u2075", "\u2076", "\u2077", "\u2078", "\u2079"};
  std::string out = exponent < 0 ? "10\u207B" : "10";
  for (char c : std::to_string(std::abs(exponent))) out += digits[static_cast<std::size_t>(c - '0')];
  return out;
}

// Label of tick `value` on an axis of step `step`: as many decimals as the step has.
std::string tick_label(double value, double step) {
  if (value == 0) return "0";
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  const int significant = static_cast<int>(std::floor(std::log10(std::fabs(value)))) + 1 + decimals;
  return format_readable(value, std::max(1, significant));
}

bool finite(double v) { return std::isfinite(v); }

bool drawable(const Point& p, bool log_x, bool log_y) {
  return finite(p.x) && finite(p.y) && (!log_x || p.x > 0) && (!log_y || p.y > 0);
}

std::vector<Point> sorted_by_x(std::vector<Point> points) {
  std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  return points;
}

// Plot-area geometry: x0..x1 left to right, y0 (top) .. y1 (bottom).
struct Frame {
  double x0, x1, y0, y1;
};

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

std::size_t widest_label(const Axis& axis) {
  std::size_t chars = 0;
  for (const std::string& label : axis.labels) chars = std::max(chars, label.size());
  return chars;
}

// The x axis with as many ticks as fit side by side in `width_px`.
Axis fitted_x_axis(const Range& range, bool log, double width_px) {
  if (log) return log_axis(range.lo, range.hi);
  Axis axis = linear_axis(range.lo, range.hi);
  for (int intervals = 5; intervals >= 1; --intervals) {
    const double needed = static_cast<double>(axis.ticks.size()) * (static_cast<double>(widest_label(axis)) + 2) * kCharWidth;
    if (needed <= width_px) break;
    axis = linear_axis(range.lo, range.hi, intervals);
  }
  return axis;
}

// Characters (UTF-8 sequences) in `text`, to estimate its width.
std::size_t char_count(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The title in lines that fit the picture's width (greedy, at spaces), at most kTitleLines; what
// does not fit ends in "...".
constexpr std::size_t kTitleLines = 3;
constexpr double kTitleCharWidth = 8.2;  // of a 15 px bold sans-serif character, on average
std::vector<std::string> title_lines(const std::string& title, int width_px) {
  const std::size_t max_chars = static_cast<std::size_t>(std::max(10.0, (width_px - 16) / kTitleCharWidth));
  std::vector<std::string> lines;
  std::string line;
  bool cut = false;
  std::size_t start = 0;
  while (start <= title.size() && !cut) {
    std::size_t end = title.find(' ', start);
    if (end == std::string::npos) end = title.size();
    std::string word = title.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && char_count(line) + 1 + char_count(word) > max_chars) {
      lines.push_back(line);
      line.clear();
    }
    if (lines.size() == kTitleLines) {
      cut = true;
      break;
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty() && lines.size() < kTitleLines) lines.push_back(line);
  if (cut && !lines.empty()) lines.back() += " \u2026";
  return lines;
}

double title_height(const std::vector<std::string>& lines) { return 16 + 20 * static_cast<double>(lines.size()); }

std::string svg_open(const LinePlot& plot, const std::vector<std::string>& title, double total_height,
                     const char* cls) {
  const std::string w = std::to_string(plot.width_px), h = num(total_height);
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + std::string(cls) + "\" width=\"" + w +
                    "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
                    "\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n";
  out += "<title>" + html_escape(plot.title) + "</title>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n";
  if (title.empty()) return out;
  out += "<text class=\"title\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"600\">";
  for (std::size_t k = 0; k < title.size(); ++k)
    out += "<tspan x=\"" + num(plot.width_px / 2.0) + "\" y=\"" + num(22 + 20 * static_cast<double>(k)) + "\">" +
           html_escape(title[k]) + "</tspan>";
  return out + "</text>\n";
}

std::string no_data_svg(const LinePlot& plot) {
  const std::vector<std::string> title = title_lines(plot.title, plot.width_px);
  const double top = title_height(title);
  std::string out = svg_open(plot, title, plot.height_px, "plot empty");
  out += "<rect x=\"20\" y=\"" + num(top) + "\" width=\"" + num(plot.width_px - 40.0) + "\" height=\"" +
         num(plot.height_px - 20.0 - top) + "\" fill=\"none\" stroke=\"#bbbbbb\"/>\n";
  out += "<text class=\"no-data\" x=\"" + num(plot.width_px / 2.0) + "\" y=\"" + num(plot.height_px / 2.0 + 8) +
         "\" text-anchor=\"middle\" font-size=\"14\" fill=\"#666666\">no data</text>\n";
  return out + "</svg>\n";
}

std::string axes_svg(const LinePlot& plot, const Axis& x_axis, const Axis& y_axis, const Frame& f) {
  std::string out = "<g class=\"axes\" font-size=\"11\" fill=\"#333333\">\n";
  for (std::size_t k = 0; k < x_axis.ticks.size(); ++k) {
    const double x = x_axis.map(x_axis.ticks[k], f.x0, f.x1);
    out += "<line x1=\"" + num(x) + "\" y1=\"" + num(f.y0) + "\" x2=\"" + num(x) + "\" y2=\"" + num(f.y1) +
           "\" stroke=\"#e4e4e4\"/>\n";
    out += "<text x=\"" + num(x) + "\" y=\"" + num(f.y1 + 16) + "\" text-anchor=\"middle\">" +
           html_escape(x_axis.labels[k]) + "</text>\n";
  }
  for (std::size_t k = 0; k < y_axis.ticks.size(); ++k) {
    const double y = y_axis.map(y_axis.ticks[k], f.y1, f.y0);
    out += "<line x1=\"" + num(f.x0) + "\" y1=\"" + num(y) + "\" x2=\"" + num(f.x1) + "\" y2=\"" + num(y) +
           "\" stroke=\"#e4e4e4\"/>\n";
    out += "<text x=\"" + num(f.x0 - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
           html_escape(y_axis.labels[k]) + "</text>\n";
  }
  out += "<rect x=\"" + num(f.x0) + "\" y=\"" + num(f.y0) + "\" width=\"" + num(f.x1 - f.x0) + "\" height=\"" +
         num(f.y1 - f.y0) + "\" fill=\"none\" stroke=\"#888888\"/>\n";
  out += "<text class=\"x-label\" x=\"" + num((f.x0 + f.x1) / 2) + "\" y=\"" + num(f.y1 + 36) +
         "\" text-anchor=\"middle\" font-size=\"12\">" + html_escape(plot.x_label) + "</text>\n";
  const double mid_y = (f.y0 + f.y1) / 2;
  out += "<text class=\"y-label\" transform=\"translate(14 " + num(mid_y) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">" + html_escape(plot.y_label) + "</text>\n";
  return out + "</g>\n";
}

std::string markers_svg(const LinePlot& plot, const Axis& x_axis, const Frame& f) {
  std::string out;
  std::size_t shown_count = 0;
  for (const XMarker& marker : plot.x_markers) {
    if (!finite(marker.x) || (plot.log_x && marker.x <= 0)) continue;
    const double x = x_axis.map(marker.x, f.x0, f.x1);
    // Labels that would run past the frame's right edge are drawn to the left of their line.
    const bool near_right = x + 4 + kCharWidth * static_cast<double>(char_count(marker.label)) > f.x1;
    const double label_y = f.y0 + 13 + 13 * static_cast<double>(shown_count++ % 2);
    out += "<g class=\"marker\">\n<line x1=\"" + num(x) + "\" y1=\"" + num(f.y0) + "\" x2=\"" + num(x) +
           "\" y2=\"" + num(f.y1) + "\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"3 3\"/>\n";
    out += "<text x=\"" + num(near_right ? x - 4 : x + 4) + "\" y=\"" + num(label_y) + "\" text-anchor=\"" +
           (near_right ? "end" : "start") + "\" font-size=\"11\" fill=\"#333333\">" + html_escape(marker.label) +
           "</text>\n</g>\n";
  }
  return out;
}

// Line path with a new subpath after every gap; markers at every point (few points) or at the
// points no segment reaches (many points).
std::string line_series_svg(const Series& series, std::size_t k, const LinePlot& plot, const Axis& x_axis,
                            const Axis& y_axis, const Frame& f, std::size_t& drawn) {
  const Style style = style_of(k);
  const std::vector<Point> points = sorted_by_x(series.points);
  std::vector<std::pair<double, double>> xy(points.size(), {kNaN, kNaN});
  drawn = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!drawable(points[i], plot.log_x, plot.log_y)) continue;
    xy[i] = {x_axis.map(points[i].x, f.x0, f.x1), y_axis.map(points[i].y, f.y1, f.y0)};
    ++drawn;
  }
  std::string line, markers;
  for (std::size_t i = 0; i < xy.size(); ++i) {
    if (!finite(xy[i].first)) continue;
    const bool after_point = i > 0 && finite(xy[i - 1].first);
    const bool before_point = i + 1 < xy.size() && finite(xy[i + 1].first);
    path_to(line, after_point ? 'L' : 'M', xy[i].first, xy[i].second);
    if (drawn <= kMarkerPointLimit || (!after_point && !before_point))
      markers += marker_path(xy[i].first, xy[i].second, style.shape);
  }
  std::string out;
  if (!line.empty()) out += "<path class=\"line\" d=\"" + line + "\"" + stroke_attributes(style, 2) + "/>\n";
  if (!markers.empty()) out += "<path class=\"markers\" d=\"" + markers + "\"" + marker_attributes(style) + "/>\n";
  return out;
}

std::string band_series_svg(const std::vector<Series>& tops, std::size_t k, const Axis& x_axis,
                            const Axis& y_axis, const Frame& f, std::size_t& drawn) {
  const Style style = style_of(k);
  const std::vector<Point>& top = tops[k].points;
  std::string band, line;
  drawn = 0;
  for (std::size_t i = 0; i < top.size();) {
    if (!finite(top[i].y)) { ++i; continue; }
    std::size_t end = i;
    while (end < top.size() && finite(top[end].y)) ++end;
    std::string forward, back;
    for (std::size_t j = i; j < end; ++j) {
      const double x = x_axis.map(top[j].x, f.x0, f.x1);
      path_to(forward, j == i ? 'M' : 'L', x, y_axis.map(top[j].y, f.y1, f.y0));
      ++drawn;
    }
    for (std::size_t j = end; j-- > i;) {  // back along the top of the stack below (or zero)
      const double base = k == 0 ? 0.0 : tops[k - 1].points[j].y;
      path_to(back, 'L', x_axis.map(top[j].x, f.x0, f.x1), y_axis.map(base, f.y1, f.y0));
    }
    band += forward;
    band += back;
    band += "Z";
    line += forward;
    i = end;
  }
  std::string out;
  if (band.empty()) return out;
  out += "<path class=\"band\" d=\"" + band + "\" fill=\"" + style.colour + "\" fill-opacity=\"0.35\" stroke=\"none\"/>\n";
  out += "<path class=\"line\" d=\"" + line + "\"" + stroke_attributes(style, 1.5) + "/>\n";
  return out;
}

std::string legend_entry_svg(const Series& series, std::size_t k, bool stacked, bool with_marker, double y,
                             double x0, std::size_t drawn) {
  const Style style = style_of(k);
  std::string out = "<g class=\"legend-entry\">\n";
  if (stacked)
    out += "<rect x=\"" + num(x0) + "\" y=\"" + num(y - 6) + "\" width=\"36\" height=\"12\" fill=\"" + style.colour +
           "\" fill-opacity=\"0.35\" stroke=\"" + style.colour + "\"/>\n";
  else
    out += "<path d=\"M" + num(x0) + " " + num(y) + "L" + num(x0 + 36) + " " + num(y) + "\"" +
           stroke_attributes(style, 2) + "/>\n";
  if (with_marker && !stacked)
    out += "<path d=\"" + marker_path(x0 + 18, y, style.shape) + "\"" + marker_attributes(style) + "/>\n";
  out += "<text x=\"" + num(x0 + 44) + "\" y=\"" + num(y + 4) + "\">" + html_escape(series.name) +
         (drawn == 0 ? " (no data)" : "") + "</text>\n";
  return out + "</g>\n";
}

}  // namespace

double Axis::map(double value, double px_lo, double px_hi) const {
  double fraction;
  if (log) {
    const double a = std::log10(lo), b = std::log10(hi);
    fraction = (std::log10(value) - a) / (b - a);
  } else {
    // Halves keep hi - lo finite for ranges wider than the largest double.
    fraction = (value / 2 - lo / 2) / (hi / 2 - lo / 2);
  }
  return px_lo + fraction * (px_hi - px_lo);
}

Axis linear_axis(double data_lo, double data_hi, int max_intervals) {
  if (!finite(data_lo) || !finite(data_hi) || data_lo > data_hi || max_intervals < 1)
    throw std::invalid_argument("linear_axis: expected finite lo <= hi and max_intervals >= 1");
  if (data_lo == data_hi) {
    const double pad = data_lo == 0 ? 1.0 : std::fabs(data_lo) * 0.1;
    data_lo -= pad;
    data_hi += pad;
  }
  const double raw_step = (data_hi / 2 - data_lo / 2) / max_intervals * 2;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw_step)));
  Axis axis;
  for (double factor : {1.0, 2.0, 5.0, 10.0, 20.0}) {
    const double step = factor * magnitude;
    // A value within a billionth of a step of a multiple counts as that multiple (0.3 / 0.1).
    double k_lo = std::floor(data_lo / step), k_hi = std::ceil(data_hi / step);
    if (data_lo / step - k_lo > 1 - 1e-9) k_lo += 1;
    if (k_hi - data_hi / step > 1 - 1e-9) k_hi -= 1;
    if (k_hi - k_lo > max_intervals && factor < 20.0) continue;
    axis.ticks.clear();
    axis.labels.clear();
    for (double k = k_lo; k <= k_hi; k += 1) {
      const double value = k * step;
      if (!finite(value)) continue;  // beyond the largest double: that end keeps the data's limit
      axis.ticks.push_back(value == 0 ? 0.0 : value);
      axis.labels.push_back(tick_label(value, step));
    }
    break;
  }
  axis.lo = axis.ticks.empty() ? data_lo : std::min(data_lo, axis.ticks.front());
  axis.hi = axis.ticks.empty() ? data_hi : std::max(data_hi, axis.ticks.back());
  return axis;
}

Axis log_axis(double data_lo, double data_hi) {
  if (!(data_lo > 0) || !finite(data_hi) || data_lo > data_hi)
    throw std::invalid_argument("log_axis: expected 0 < lo <= hi");
  int first = static_cast<int>(std::floor(std::log10(data_lo)));
  int last = std::min(308, static_cast<int>(std::ceil(std::log10(data_hi))));
  if (last <= first) last = first + 1;
  Axis axis;
  axis.log = true;
  axis.lo = std::min(data_lo, std::pow(10.0, first));
  axis.hi = std::max(data_hi, std::pow(10.0, last));
  const int every = (last - first + 9) / 10;  // at most ~10 labelled decades
  for (int e = first; e <= last; ++e) {
    if (((e % every) + every) % every != 0) continue;
    axis.ticks.push_back(std::pow(10.0, e));
    axis.labels.push_back(e < -12 || e > 15 ? power_of_ten_label(e) : format_readable(std::pow(10.0, e), 1));
  }
  return axis;
}

std::vector<Series> stacked_tops(const std::vector<Series>& series) {
  std::vector<double> xs;
  std::vector<std::vector<Point>> sorted;
  for (const Series& s : series) {
    sorted.push_back({});
    for (const Point& p : sorted_by_x(s.points))
      if (finite(p.x)) {
        sorted.back().push_back(p);
        xs.push_back(p.x);
      }
  }
  std::sort(xs.begin(), xs.end());
  xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
  // value of series s at x: its own point, else linear between its neighbours, 0 outside its range.
  const auto value_at = [](const std::vector<Point>& points, double x) {
    const auto after = std::lower_bound(points.begin(), points.end(), x,
                                        [](const Point& p, double v) { return p.x < v; });
    if (after != points.end() && after->x == x) return finite(after->y) ? after->y : kNaN;
    if (after == points.begin() || after == points.end()) return 0.0;
    const Point& a = *(after - 1);
    const Point& b = *after;
    if (!finite(a.y) || !finite(b.y)) return kNaN;
    return a.y + (b.y - a.y) * ((x - a.x) / (b.x - a.x));
  };
  std::vector<Series> tops(series.size());
  for (std::size_t k = 0; k < series.size(); ++k) tops[k].name = series[k].name;
  for (double x : xs) {
    std::vector<double> values;
    bool gap = false;
    for (const auto& points : sorted) {
      values.push_back(value_at(points, x));
      gap = gap || !finite(values.back());
    }
    double sum = 0;
    for (std::size_t k = 0; k < series.size(); ++k) {
      sum += gap ? 0.0 : values[k];
      tops[k].points.push_back({x, gap || !finite(sum) ? kNaN : sum});
    }
  }
  return tops;
}

std::string render_svg(const LinePlot& plot) {
  if (plot.stacked && plot.log_y) throw std::invalid_argument("render_svg: stacked areas need a linear y axis");
  const std::vector<Series> tops = plot.stacked ? stacked_tops(plot.series) : std::vector<Series>{};
  const std::vector<Series>& shown = plot.stacked ? tops : plot.series;
  Range x_range, y_range;
  for (const Series& s : shown)
    for (const Point& p : s.points)
      if (drawable(p, plot.log_x, plot.log_y)) {
        x_range.add(p.x);
        y_range.add(p.y);
      }
  if (x_range.empty()) return no_data_svg(plot);
  for (const XMarker& marker : plot.x_markers)
    if (finite(marker.x) && (!plot.log_x || marker.x > 0)) x_range.add(marker.x);
  if (!plot.log_y && (plot.y_from_zero || plot.stacked)) y_range.add(0);
  // Stacked bands also reach down to the lower stacks and the zero baseline.
  const Axis y_axis = plot.log_y ? log_axis(y_range.lo, y_range.hi) : linear_axis(y_range.lo, y_range.hi);
  const double left = std::clamp(28 + kCharWidth * static_cast<double>(widest_label(y_axis)), 56.0,
                                 plot.width_px / 3.0);
  const std::vector<std::string> title = title_lines(plot.title, plot.width_px);
  const double top = title_height(title);
  const Frame frame{left, plot.width_px - 20.0, top, plot.height_px - 48.0};
  const Axis x_axis = fitted_x_axis(x_range, plot.log_x, frame.x1 - frame.x0);

  const double total_height =
      plot.height_px + (plot.series.empty() ? 0.0 : 8 + kLegendRow * static_cast<double>(plot.series.size()));
  std::string out = svg_open(plot, title, total_height, "plot");
  out += axes_svg(plot, x_axis, y_axis, frame);
  std::vector<std::size_t> drawn(shown.size(), 0);
  std::string legend = "<g class=\"legend\" font-size=\"12\" fill=\"#1b1b1b\">\n";
  for (std::size_t k = 0; k < shown.size(); ++k) {
    out += "<g class=\"series\" data-series=\"" + html_escape(plot.series[k].name) + "\">\n";
    out += plot.stacked ? band_series_svg(tops, k, x_axis, y_axis, frame, drawn[k])
                        : line_series_svg(shown[k], k, plot, x_axis, y_axis, frame, drawn[k]);
    out += "</g>\n";
    const double row_y = plot.height_px + 8 + kLegendRow * (static_cast<double>(k) + 0.5);
    legend += legend_entry_svg(plot.series[k], k, plot.stacked, drawn[k] <= kMarkerPointLimit, row_y, frame.x0,
                               drawn[k]);
  }
  out += markers_svg(plot, x_axis, frame);
  if (!shown.empty()) out += legend + "</g>\n";
  return out + "</svg>\n";
}

}  // namespace headroom::analysis::plot
