// A JSON string literal for `text` (quotes, backslash escapes, \u00XX for control characters).
// The report writers print JSON by hand to fix key order and number format byte for byte; this is
// the one place they quote strings.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace headroom {

inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace headroom
