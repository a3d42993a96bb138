// analysis/plot/html: the escaper, numeric cells and the self-contained page.
#include <doctest/doctest.h>

#include <string>

#include "analysis/plot/html.hpp"

namespace plot = headroom::analysis::plot;

TEST_CASE("html_escape: the five characters, control and invalid bytes") {
  CHECK(plot::html_escape("<script>alert(\"x\")</script>") == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  CHECK(plot::html_escape("a & b 'c'") == "a &amp; b &#39;c&#39;");
  CHECK(plot::html_escape("&amp;") == "&amp;amp;");  // escaped once more: the text is shown as typed
  CHECK(plot::html_escape("tab\tline\nend\r") == "tab\tline\nend\r");
  CHECK(plot::html_escape(std::string("nul\0x", 5)) == "nul\xEF\xBF\xBDx");
  CHECK(plot::html_escape("\x01\x7F") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(plot::html_escape("caf\xC3\xA9 \xE2\x82\xAC") == "caf\xC3\xA9 \xE2\x82\xAC");  // UTF-8 kept
  CHECK(plot::html_escape("bad \xFF\xC3") == "bad \xEF\xBF\xBD\xEF\xBF\xBD");           // not UTF-8
  CHECK(plot::html_escape("") == "");
}

TEST_CASE("numeric cells: what format_readable prints, with % or x") {
  for (const char* yes : {"0", "20,330", "-1.5", "1,234,567.25", "12.3 %", "7%", "1.033x", "n/a", "inf", "-inf", "-", "+2"})
    CHECK_MESSAGE(plot::is_numeric_cell(yes), yes);
  for (const char* no : {"", ",", ",123", "fits", "96 GiB", "1.2.3", "x", "%", "1e+05", "12 ms", ".", "-x"})
    CHECK_MESSAGE(!plot::is_numeric_cell(no), no);
}

TEST_CASE("render_table: cells escaped, numbers right-aligned, first column a row header") {
  plot::HtmlTable table;
  table.caption = "c <i>";
  table.header = {"metric", "host \"a\""};
  table.rows = {{"tokens/s <b>", "20,330"}, {"verdict", "fits"}};
  const std::string html = plot::render_table(table);
  CHECK(html.find("<caption>c &lt;i&gt;</caption>") != std::string::npos);
  CHECK(html.find("<th>host &quot;a&quot;</th>") != std::string::npos);
  CHECK(html.find("<tr><th>tokens/s &lt;b&gt;</th><td class=\"num\">20,330</td></tr>") != std::string::npos);
  CHECK(html.find("<tr><th>verdict</th><td>fits</td></tr>") != std::string::npos);
}

TEST_CASE("render_html: one self-contained document, user text escaped, byte-stable") {
  plot::HtmlPage page;
  page.title = "scenario <script>alert('x')</script>";
  page.sections = {{"host \"a\" & b", {plot::html_paragraph("<p>"), plot::html_figure("<svg></svg>\n", "cap <x>")}}};
  const std::string html = plot::render_html(page);
  CHECK(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", 0) == 0);
  CHECK(html.find("<title>scenario &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</title>") != std::string::npos);
  CHECK(html.find("<h2>host &quot;a&quot; &amp; b</h2>") != std::string::npos);
  CHECK(html.find("<p>&lt;p&gt;</p>") != std::string::npos);
  CHECK(html.find("<figure>\n<svg></svg>\n<figcaption>cap &lt;x&gt;</figcaption>\n</figure>") != std::string::npos);
  // Nothing to load and nothing to run: no script, no link, no src/href, no url(), no @import.
  for (const char* forbidden : {"<script", "<link", "src=", "href=", "url(", "@import", "http:", "https:"})
    CHECK_MESSAGE(html.find(forbidden) == std::string::npos, forbidden);
  CHECK(html.find("Content-Security-Policy\" content=\"default-src 'none'") != std::string::npos);
  CHECK(html.substr(html.size() - 16) == "</body>\n</html>\n");
  CHECK(plot::render_html(page) == html);
}
