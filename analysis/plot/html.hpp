// analysis/plot/html: one self-contained HTML5 report page (inline CSS, no script, no external
// resource) and the one escaper of user text (scenario, workload and host names) for HTML and SVG.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace headroom::analysis::plot {

// Text safe inside HTML/SVG element content and quoted attribute values: & < > " ' become
// entities; control characters other than tab, newline and carriage return, and bytes that are not
// UTF-8, become U+FFFD (so a standalone SVG stays well-formed XML and the bytes are deterministic).
std::string html_escape(std::string_view text);

// A table for reading: the header row and the cells are plain text (escaped here); a cell that
// reads as a number ("20,330", "-1.5", "12.3 %", "n/a", "inf") is right-aligned with tabular digits.
struct HtmlTable {
  std::string caption;                        // plain text; empty = none
  std::vector<std::string> header;            // plain text
  std::vector<std::vector<std::string>> rows;  // plain text, one value per cell
};
std::string render_table(const HtmlTable& table);

// True when `cell` is a figure as analysis::format_readable prints it (optionally followed by a
// unit-less " %" or "%" or "x"), or "n/a" / "inf" / "-inf" / "-": right-aligned in tables.
bool is_numeric_cell(std::string_view cell);

// A plot with its caption: `svg` is trusted markup (render_svg's output), the caption plain text.
std::string html_figure(const std::string& svg, std::string_view caption);

// A paragraph of plain text (escaped).
std::string html_paragraph(std::string_view text);

struct HtmlSection {
  std::string heading;                   // plain text (escaped)
  std::vector<std::string> html_blocks;  // trusted markup: render_table, html_figure, render_svg...
};

struct HtmlPage {
  std::string title;  // plain text (escaped): the <title> and the <h1>
  std::vector<HtmlSection> sections;
};

// The whole document: <!DOCTYPE html>, <meta charset="utf-8">, a Content-Security-Policy that
// forbids every script and external load (defence in depth behind html_escape), inline CSS.
// Same page, same bytes.
std::string render_html(const HtmlPage& page);

}  // namespace headroom::analysis::plot
