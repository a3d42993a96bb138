// analysis/plot/svg: tick choice, coordinate mapping, gaps, stacking, escaping and stable bytes,
// each against a closed form written next to the check.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/plot/svg.hpp"

namespace plot = headroom::analysis::plot;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// The d="..." of the first <path class="CLASS"> after the series group of `name`.
std::string series_path(const std::string& svg, const std::string& name, const std::string& cls = "line") {
  const std::size_t group = svg.find("data-series=\"" + name + "\"");
  REQUIRE(group != std::string::npos);
  const std::size_t end = svg.find("</g>", group);
  const std::size_t path = svg.find("<path class=\"" + cls + "\" d=\"", group);
  if (path == std::string::npos || path > end) return "";
  const std::size_t start = path + std::string("<path class=\"" + cls + "\" d=\"").size();
  return svg.substr(start, svg.find('"', start) - start);
}

plot::LinePlot diagonal() {
  plot::LinePlot p;
  p.series = {{"s", {{0, 0}, {50, 50}, {100, 100}}}};
  return p;
}

}  // namespace

TEST_CASE("linear ticks: steps of 1, 2 or 5 x 10^k, the range widened to the outer ticks") {
  const plot::Axis a = plot::linear_axis(0, 97);  // 97 / 6 = 16.2: 10 gives 10 intervals, 20 gives 5
  CHECK(a.ticks == std::vector<double>{0, 20, 40, 60, 80, 100});
  CHECK(a.labels == std::vector<std::string>{"0", "20", "40", "60", "80", "100"});
  CHECK(a.lo == 0);
  CHECK(a.hi == 100);

  const plot::Axis unit = plot::linear_axis(0, 1);  // 1 / 6: 0.1 gives 10 intervals, 0.2 gives 5
  CHECK(unit.labels == std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"});

  // 0.4 / 6 = 0.067: 0.05 gives 8 intervals, 0.1 gives 4; 0.3 / 0.1 = 2.9999999999999996 counts as 3.
  const plot::Axis tenths = plot::linear_axis(0.3, 0.7);
  CHECK(tenths.labels == std::vector<std::string>{"0.3", "0.4", "0.5", "0.6", "0.7"});

  // -7..3: 2 gives floor(-3.5) = -4 .. ceil(1.5) = 2, 6 intervals.
  const plot::Axis negative = plot::linear_axis(-7, 3);
  CHECK(negative.ticks == std::vector<double>{-8, -6, -4, -2, 0, 2, 4});
  CHECK(negative.labels.front() == "-8");

  // Bytes: 2.5e10 / 6 = 4.2e9: 5e9 gives 5 intervals; thousands separated, never 2.5e+10.
  const plot::Axis big = plot::linear_axis(0, 2.5e10);
  CHECK(big.labels == std::vector<std::string>{"0", "5,000,000,000", "10,000,000,000", "15,000,000,000",
                                               "20,000,000,000", "25,000,000,000"});
  const plot::Axis small = plot::linear_axis(0, 0.0003);  // 5e-5 steps: 6 intervals
  CHECK(small.labels == std::vector<std::string>{"0", "0.00005", "0.0001", "0.00015", "0.0002", "0.00025",
                                                 "0.0003"});
}

TEST_CASE("linear ticks: a single value gets +-10 % (0 gets +-1), fewer intervals when asked") {
  const plot::Axis five = plot::linear_axis(5, 5);  // 4.5..5.5: 0.2 steps from 4.4 to 5.6
  CHECK(five.labels == std::vector<std::string>{"4.4", "4.6", "4.8", "5", "5.2", "5.4", "5.6"});
  const plot::Axis zero = plot::linear_axis(0, 0);  // -1..1: 0.5 steps
  CHECK(zero.ticks == std::vector<double>{-1, -0.5, 0, 0.5, 1});
  const plot::Axis two = plot::linear_axis(0, 97, 2);  // 97 / 2 = 48.5: 50 steps
  CHECK(two.ticks == std::vector<double>{0, 50, 100});
  CHECK_THROWS_AS(plot::linear_axis(1, 0), std::invalid_argument);
  CHECK_THROWS_AS(plot::linear_axis(0, kNaN), std::invalid_argument);
}

TEST_CASE("linear ticks: ranges near the largest double keep a finite axis") {
  const double max = std::numeric_limits<double>::max();
  const plot::Axis a = plot::linear_axis(-max, max);
  CHECK(std::isfinite(a.lo));
  CHECK(std::isfinite(a.hi));
  CHECK(a.lo <= -max);
  CHECK(a.hi >= max);
  for (double t : a.ticks) CHECK(std::isfinite(t));
  CHECK(a.map(0, 0, 100) == doctest::Approx(50));
  CHECK(a.map(max, 0, 100) <= 100.0);
}

TEST_CASE("log ticks: one per decade, at least one decade, thinned beyond 10") {
  const plot::Axis a = plot::log_axis(1, 1000);
  CHECK(a.ticks == std::vector<double>{1, 10, 100, 1000});
  CHECK(a.labels == std::vector<std::string>{"1", "10", "100", "1,000"});
  const plot::Axis narrow = plot::log_axis(3, 5);  // inside one decade: 1..10
  CHECK(narrow.ticks == std::vector<double>{1, 10});
  CHECK(narrow.lo == 1);
  CHECK(narrow.hi == 10);
  const plot::Axis fractions = plot::log_axis(0.002, 0.5);
  CHECK(fractions.labels == std::vector<std::string>{"0.001", "0.01", "0.1", "1"});
  // 1e-20..1e20: 40 decades, every (40 + 9) / 10 = 4th labelled; no "e-20" anywhere.
  const plot::Axis wide = plot::log_axis(1e-20, 1e20);
  CHECK(wide.ticks.size() == 11);
  CHECK(wide.labels.front() == "10\u207B\u00B2\u2070");
  CHECK(wide.labels[5] == "1");
  for (const std::string& label : wide.labels) CHECK(label.find('e') == std::string::npos);
  CHECK_THROWS_AS(plot::log_axis(0, 10), std::invalid_argument);
}

TEST_CASE("coordinate mapping: linear and log, y drawn upwards") {
  const plot::Axis x = plot::linear_axis(0, 97);  // 0..100
  CHECK(x.map(25, 50, 550) == doctest::Approx(175));  // 50 + 0.25 x 500
  CHECK(x.map(25, 350, 50) == doctest::Approx(275));  // y: 350 - 0.25 x 300
  const plot::Axis l = plot::log_axis(1, 1000);
  CHECK(l.map(10, 0, 300) == doctest::Approx(100));  // one decade of three
  CHECK(l.map(std::sqrt(10.0), 0, 300) == doctest::Approx(50));
}

TEST_CASE("svg: a point lands where the frame's closed form puts it") {
  // y labels at most 3 characters: left margin max(28 + 3 x 6.6, 56) = 56; right edge 640 - 20;
  // no title: top 16; bottom 400 - 48 = 352. x and y axes 0..100.
  const std::string svg = plot::render_svg(diagonal());
  CHECK(series_path(svg, "s") == "M56.00 352.00L338.00 184.00L620.00 16.00");
  CHECK(svg.find("width=\"640\" height=\"426.00\"") != std::string::npos);  // 400 + 8 + one 18 px legend row
}

TEST_CASE("svg: NaN, inf and log-impossible points are gaps in the line") {
  plot::LinePlot p;
  p.series = {{"gappy", {{0, 0}, {1, kNaN}, {2, 2}, {3, 3}, {4, kInf}, {5, 5}, {kNaN, 1}}}};
  const std::string svg = plot::render_svg(p);
  const std::string d = series_path(svg, "gappy");
  CHECK(count(d, "M") == 3);  // 0 | 2-3 | 5
  CHECK(count(d, "L") == 1);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);

  plot::LinePlot log = p;
  log.log_y = true;
  log.series = {{"log", {{1, 0}, {2, 10}, {3, -1}, {4, 100}, {5, 1000}}}};
  const std::string d_log = series_path(plot::render_svg(log), "log");
  CHECK(count(d_log, "M") == 2);  // 2 | 4-5: y <= 0 cannot be drawn on a log axis
  CHECK(count(d_log, "L") == 1);
}

TEST_CASE("svg: markers for few points, only isolated ones for many") {
  const std::string few = plot::render_svg(diagonal());
  CHECK(count(series_path(few, "s", "markers"), "Z") == 3);
  plot::LinePlot many;
  many.series = {{"dense", {}}};
  for (int i = 0; i < 100; ++i) many.series[0].points.push_back({double(i), double(i % 7)});
  CHECK(series_path(plot::render_svg(many), "dense", "markers").empty());
  many.series[0].points[50].y = kNaN;
  many.series[0].points[52].y = kNaN;  // point 51 is alone between two gaps
  CHECK(count(series_path(plot::render_svg(many), "dense", "markers"), "Z") == 1);
}

TEST_CASE("svg: output does not depend on the order of the points and is byte-stable") {
  plot::LinePlot a = diagonal(), b = diagonal();
  std::reverse(b.series[0].points.begin(), b.series[0].points.end());
  CHECK(plot::render_svg(a) == plot::render_svg(b));
  CHECK(plot::render_svg(a) == plot::render_svg(a));
}

TEST_CASE("svg: user strings are escaped in text and attributes") {
  plot::LinePlot p = diagonal();
  p.title = "t <script>alert(\"x\")</script> 'q'";
  p.x_label = "x & y";
  p.series[0].name = "<script>alert(\"x\")</script>";
  p.x_markers = {{50, "96 GiB \"<b>\""}};
  const std::string svg = plot::render_svg(p);
  CHECK(svg.find("<script") == std::string::npos);
  CHECK(svg.find("<b>") == std::string::npos);
  CHECK(svg.find("data-series=\"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\"") != std::string::npos);
  CHECK(svg.find("t &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;q&#39;") != std::string::npos);
  CHECK(svg.find(">x &amp; y<") != std::string::npos);
  CHECK(svg.find("96 GiB &quot;&lt;b&gt;&quot;") != std::string::npos);
}

TEST_CASE("svg: x markers widen the x range and are labelled") {
  plot::LinePlot p;
  p.series = {{"mrc", {{0, 1}, {50, 0.5}}}};
  p.x_markers = {{96, "96 GiB"}, {128, "128 GiB"}, {kNaN, "dropped"}};
  const std::string svg = plot::render_svg(p);
  // 0..128: 128 / 6 = 21.3: 20 gives 7 intervals, 50 gives 3: ticks 0, 50, 100, 150.
  CHECK(svg.find(">150</text>") != std::string::npos);
  CHECK(count(svg, "<g class=\"marker\">") == 2);
  CHECK(svg.find(">96 GiB</text>") != std::string::npos);
  CHECK(svg.find(">128 GiB</text>") != std::string::npos);
  CHECK(svg.find("dropped") == std::string::npos);
}

TEST_CASE("svg: a plot without any drawable point says no data") {
  plot::LinePlot none;
  none.title = "nothing";
  const std::string empty = plot::render_svg(none);
  CHECK(empty.find("class=\"plot empty\"") != std::string::npos);
  CHECK(empty.find(">no data</text>") != std::string::npos);
  CHECK(empty.find("class=\"series\"") == std::string::npos);
  none.series = {{"nan", {{1, kNaN}, {kInf, 2}}}};
  CHECK(plot::render_svg(none) == empty);
  // One empty series next to a drawn one: no path, and the legend says so.
  plot::LinePlot half = diagonal();
  half.series.push_back({"missing", {{1, kNaN}}});
  const std::string svg = plot::render_svg(half);
  CHECK(series_path(svg, "missing").empty());
  CHECK(svg.find(">missing (no data)</text>") != std::string::npos);
}

TEST_CASE("stacked tops: sums at every x, interpolated inside a series, 0 outside, NaN breaks all") {
  // A at 0 and 10 (2, 4); B at 5 (1): x in {0, 5, 10}; A interpolated at 5 = 3; B is 0 outside 5..5.
  const auto tops = plot::stacked_tops({{"A", {{10, 4}, {0, 2}}}, {"B", {{5, 1}}}});
  REQUIRE(tops.size() == 2);
  REQUIRE(tops[1].points.size() == 3);
  CHECK(tops[0].points[1].x == 5);
  CHECK(tops[0].points[1].y == 3);
  CHECK(tops[1].points[0].y == 2);  // 2 + 0
  CHECK(tops[1].points[1].y == 4);  // 3 + 1
  CHECK(tops[1].points[2].y == 4);  // 4 + 0

  const auto gap = plot::stacked_tops({{"A", {{0, 1}, {1, kNaN}, {2, 1}}}, {"B", {{0, 2}, {1, 2}, {2, 2}}}});
  CHECK(gap[1].points[0].y == 3);
  CHECK(std::isnan(gap[0].points[1].y));
  CHECK(std::isnan(gap[1].points[1].y));
  CHECK(gap[1].points[2].y == 3);
}

TEST_CASE("svg: stacked bands close on the stack below, two runs around a gap") {
  plot::LinePlot p;
  p.stacked = true;
  p.series = {{"wired", {{0, 40}, {100, 40}}}, {"anon", {{0, 10}, {100, 60}}}};
  const std::string svg = plot::render_svg(p);
  // y: 0..100 (tops 50 and 100); 352 - 40 x 3.36 = 217.60; 352 - 50 x 3.36 = 184.00.
  CHECK(series_path(svg, "wired", "band") == "M56.00 217.60L620.00 217.60L620.00 352.00L56.00 352.00Z");
  CHECK(series_path(svg, "anon", "band") == "M56.00 184.00L620.00 16.00L620.00 217.60L56.00 217.60Z");
  p.series[0].points.insert(p.series[0].points.begin() + 1, {50, kNaN});
  CHECK(count(series_path(plot::render_svg(p), "anon", "band"), "Z") == 2);
  p.log_y = true;
  CHECK_THROWS_AS(plot::render_svg(p), std::invalid_argument);
}

TEST_CASE("svg: every series has its own colour and dash, and a long title wraps") {
  plot::LinePlot p;
  for (int k = 0; k < 7; ++k) p.series.push_back({"s" + std::to_string(k), {{0, double(k)}, {1, double(k + 1)}}});
  const std::string svg = plot::render_svg(p);
  std::vector<std::string> styles;
  for (int k = 0; k < 7; ++k) {
    const std::size_t group = svg.find("data-series=\"s" + std::to_string(k) + "\"");
    const std::size_t stroke = svg.find("stroke=\"", group);
    const std::size_t end = svg.find("/>", stroke);
    styles.push_back(svg.substr(stroke, end - stroke));
  }
  std::sort(styles.begin(), styles.end());
  CHECK(std::unique(styles.begin(), styles.end()) == styles.end());
  CHECK(count(svg, "stroke-dasharray") >= 6 * 2);  // six dashed series: their line and legend sample

  plot::LinePlot t = diagonal();
  t.title = std::string(60, 'a') + " " + std::string(60, 'b') + " " + std::string(60, 'c') + " " + std::string(60, 'd');
  const std::string wrapped = plot::render_svg(t);
  CHECK(count(wrapped, "<tspan") == 3);  // at most three lines, the rest cut
  const std::size_t drawn_title = wrapped.find("<text class=\"title\"");
  CHECK(wrapped.find(std::string(60, 'd'), drawn_title) == std::string::npos);  // only in <title>
  CHECK(wrapped.find(std::string(60, 'c') + " \u2026</tspan>", drawn_title) != std::string::npos);
}
