// analysis/plot/svg: line plots (and stacked areas) rendered as standalone SVG text, for
// `headroom report --format html`: a metric against a swept parameter (one line per host), memory
// by kind over simulated time, the miss-ratio curve with the RAM sizes marked.
// No external tool: the SVG is generated here so the bytes are deterministic (fixed decimals for
// every coordinate) and every user string goes through html_escape.
#pragma once

#include <string>
#include <vector>

namespace headroom::analysis::plot {

struct Point {
  double x = 0;
  double y = 0;  // NaN / inf (or <= 0 on a log axis): no point there, a gap in the line
};

struct Series {
  std::string name;  // plain text: shown in the legend, and as data-series="NAME" (escaped)
  std::vector<Point> points;  // drawn in ascending x (stable), whatever the order given
};

struct XMarker {
  double x = 0;       // a vertical line at this x (e.g. 96 for "96 GiB" on an MRC in GiB)
  std::string label;  // plain text, printed at the top of the line
};

struct LinePlot {
  std::string title;
  std::string x_label;  // with its unit, e.g. "request rate (req/min)"
  std::string y_label;
  std::vector<Series> series;
  std::vector<XMarker> x_markers;  // the x range always includes them
  bool log_x = false;  // decade ticks; points with x <= 0 are skipped
  bool log_y = false;  // decade ticks; points with y <= 0 are skipped (not with `stacked`)
  // Stacked areas: series k is drawn as the band between the sum of series 0..k-1 and 0..k, at
  // every x of any series (a series without a point at that x is interpolated linearly between
  // its neighbours, 0 outside its x range); a non-finite y breaks every band at that x.
  bool stacked = false;
  bool y_from_zero = true;  // a linear y axis includes 0 (quantities read best from zero)
  int width_px = 640;       // the whole picture; the legend adds rows below `height_px`
  int height_px = 400;
};

// The standalone SVG (`<svg xmlns=...>...</svg>`, no XML prolog, no ids, so several embed in one
// page). Each series is `<g class="series" data-series="NAME">` with a `<path>` (its line, or its
// band when stacked; the path is absent when the series has no drawable point) and, when it has
// at most kMarkerPointLimit drawable points, a `<path class="markers">`. A plot without any
// drawable point is a "no data" picture (`class="plot empty"`). Throws std::invalid_argument for
// `stacked` with `log_y` (a caller's mistake, not a user's).
std::string render_svg(const LinePlot& plot);

inline constexpr std::size_t kMarkerPointLimit = 24;

// An axis: the drawn range [lo, hi] and the labelled tick values. Exposed for tests.
struct Axis {
  double lo = 0;
  double hi = 1;
  bool log = false;
  std::vector<double> ticks;        // ascending, within [lo, hi]
  std::vector<std::string> labels;  // one per tick, through format_readable
  // Pixel position of `value` between px_lo (at lo) and px_hi (at hi); on a log axis by log10.
  double map(double value, double px_lo, double px_hi) const;
};

// Linear: ticks every step of 1, 2 or 5 x 10^k (the smallest giving at most `max_intervals`
// intervals), the range widened to the outer ticks: 0..97 -> 0, 20, ..., 100. A single value v
// gets the range v +- 10 % (0 +- 1). Labels carry as many decimals as the step needs.
Axis linear_axis(double data_lo, double data_hi, int max_intervals = 6);
// Log: the decades 10^floor(log10 lo) .. 10^ceil(log10 hi) (at least one), a labelled tick per
// decade (every 2nd, 3rd... when there are more than 10). Requires 0 < data_lo <= data_hi.
Axis log_axis(double data_lo, double data_hi);

// The stacked tops of `series` (see LinePlot::stacked): series k's top boundary at every x of the
// union (ascending), NaN where a gap breaks the stack. Exposed for tests.
std::vector<Series> stacked_tops(const std::vector<Series>& series);

}  // namespace headroom::analysis::plot
