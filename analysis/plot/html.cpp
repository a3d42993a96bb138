// analysis/plot/html: see html.hpp.
#include "analysis/plot/html.hpp"

#include <cctype>

#include "sim/text.hpp"

namespace headroom::analysis::plot {

namespace {

constexpr const char* kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// Readable tables and plots without any external resource. Kept short: the report is read, printed
// or pasted, not styled.
constexpr const char* kStyle = R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1150px;margin:2em auto;padding:0 1em;color:#1b1b1b;line-height:1.45;background:#fff}
h1{font-size:1.6em;margin-bottom:.3em}
h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
th,td{border:1px solid #d3d3d3;padding:.3em .65em;vertical-align:top}
thead th{background:#f2f2f2;text-align:left}
tbody th{text-align:left;font-weight:600}
tbody tr:nth-child(even){background:#fafafa}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:1.2em 0}
figcaption{color:#555;font-size:.9em;margin-top:.3em}
svg.plot{max-width:100%;height:auto;display:block}
@media print{body{max-width:none}h2{break-after:avoid}figure,table{break-inside:avoid}}
)";

std::string cell(const std::string& tag, const std::string& text) {
  const char* cls = is_numeric_cell(text) ? " class=\"num\"" : "";
  return "<" + tag + cls + ">" + html_escape(text) + "</" + tag + ">";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {  // not UTF-8
      out += kReplacementCharacter;
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    const char c = text[i++];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\t': case '\n': case '\r': out += c; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) out += kReplacementCharacter;
        else out += c;
    }
  }
  return out;
}

bool is_numeric_cell(std::string_view text) {
  if (text == "n/a" || text == "inf" || text == "-inf" || text == "-") return true;
  for (std::string_view suffix : {" %", "%", "x", " x"}) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      text.remove_suffix(suffix.size());
      break;
    }
  }
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  const std::size_t digits_start = i;
  bool digit = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == ',' && i > digits_start))) {
    digit = digit || text[i] != ',';
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) { digit = true; ++i; }
  }
  return digit && i == text.size();
}

std::string render_table(const HtmlTable& table) {
  std::string out = "<table>\n";
  if (!table.caption.empty()) out += "<caption>" + html_escape(table.caption) + "</caption>\n";
  if (!table.header.empty()) {
    out += "<thead><tr>";
    for (const std::string& text : table.header) out += "<th>" + html_escape(text) + "</th>";
    out += "</tr></thead>\n";
  }
  out += "<tbody>\n";
  for (const auto& row : table.rows) {
    out += "<tr>";
    for (std::size_t k = 0; k < row.size(); ++k) out += cell(k == 0 ? "th" : "td", row[k]);
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
  return out;
}

std::string html_figure(const std::string& svg, std::string_view caption) {
  std::string out = "<figure>\n" + svg;
  if (!caption.empty()) out += "<figcaption>" + html_escape(caption) + "</figcaption>\n";
  return out + "</figure>\n";
}

std::string html_paragraph(std::string_view text) { return "<p>" + html_escape(text) + "</p>\n"; }

std::string render_html(const HtmlPage& page) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"headroom\">\n";
  out += "<title>" + html_escape(page.title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>" + html_escape(page.title) + "</h1>\n";
  for (const HtmlSection& section : page.sections) {
    out += "<section>\n<h2>" + html_escape(section.heading) + "</h2>\n";
    for (const std::string& block : section.html_blocks) out += block;
    out += "</section>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace headroom::analysis::plot
