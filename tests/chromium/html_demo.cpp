// hr_html_demo OUT.html: an HtmlPage with every kind of plot analysis/plot draws (lines with a gap,
// a log-x curve with RAM markers, stacked memory by kind, an empty plot) and a table, whose user
// strings carry a script payload and quotes. tests/chromium/check_html.sh loads it in Chromium
// until `headroom report --format html` can produce such a page (then both are checked).
#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>

#include "analysis/plot/html.hpp"
#include "analysis/plot/svg.hpp"

namespace plot = headroom::analysis::plot;

namespace {

// Would log a console error if it ever ran (the check fails on any console error).
const std::string kPayload = "<script>console.error(\"injected\")</script>";
const std::string kHostile = "chat \"quoted\" 'single' " + kPayload + " & <b>bold</b>";

plot::LinePlot ttft_plot() {
  plot::LinePlot p;
  p.title = "p99 TTFT vs request rate: " + kHostile;
  p.x_label = "request rate (req/min)";
  p.y_label = "p99 TTFT (s)";
  plot::Series a{"m2-max-96 " + kPayload, {}}, b{"m3-max-128 \"q\"", {}};
  for (int r = 1; r <= 8; ++r) {
    a.points.push_back({double(r), r < 5 ? 0.4 * r : 0.4 * r + std::pow(r - 4, 2.5)});
    b.points.push_back({double(r), 0.35 * r});
  }
  a.points[2].y = std::numeric_limits<double>::quiet_NaN();  // a failed point: a gap
  p.series = {a, b};
  return p;
}

plot::LinePlot mrc_plot() {
  plot::LinePlot p;
  p.title = "miss-ratio curve";
  p.x_label = "cache size (GiB)";
  p.y_label = "miss ratio";
  p.log_x = true;
  plot::Series s{"LRU", {}};
  for (int k = 0; k <= 60; ++k) {
    const double gib = std::pow(10.0, k / 20.0);
    s.points.push_back({gib, 1.0 / (1.0 + gib / 40.0)});
  }
  p.series = {s};
  p.x_markers = {{96, "96 GiB"}, {128, "128 GiB " + kPayload}};
  return p;
}

plot::LinePlot memory_plot() {
  plot::LinePlot p;
  p.title = "memory by kind";
  p.x_label = "simulated time (s)";
  p.y_label = "memory (GiB)";
  p.stacked = true;
  plot::Series anon{"anon", {}}, file{"page cache", {}}, wired{"wired", {}}, swap{"swap", {}};
  for (int t = 0; t <= 120; t += 4) {
    wired.points.push_back({double(t), 40});
    anon.points.push_back({double(t), 10 + 0.3 * t});
    file.points.push_back({double(t), std::max(0.0, 30 - 0.2 * t)});
    swap.points.push_back({double(t), t > 80 ? 0.1 * (t - 80) : 0});
  }
  p.series = {wired, anon, file, swap};
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: hr_html_demo OUT.html\n";
    return 2;
  }
  plot::HtmlPage page;
  page.title = "headroom demo " + kHostile;
  plot::HtmlTable table;
  table.caption = "tokens/s " + kPayload;
  table.header = {"metric", "m2-max-96 \"a\"", "m3-max-128", "ratio"};
  table.rows = {{"tokens/s", "20,330", "21,004.5", "1.033x"}, {"verdict " + kPayload, "fits", "fits", "-"}};
  plot::LinePlot empty;
  empty.title = "no samples 'here'";
  empty.series = {{"only NaN", {{1, std::numeric_limits<double>::quiet_NaN()}}}};
  page.sections = {
      {"Tables " + kHostile, {plot::html_paragraph("A paragraph " + kHostile), plot::render_table(table)}},
      {"Plots", {plot::html_figure(plot::render_svg(ttft_plot()), "caption " + kHostile),
                 plot::html_figure(plot::render_svg(mrc_plot()), "MRC"),
                 plot::html_figure(plot::render_svg(memory_plot()), "memory"),
                 plot::html_figure(plot::render_svg(empty), "empty")}}};
  std::ofstream out(argv[1], std::ios::binary);
  out << plot::render_html(page);
  return out ? 0 : 1;
}
