// A JSON string literal for `text` (quotes, backslash escapes, \u00XX for control characters).
// The report writers print JSON by hand to fix key order and number format byte for byte; this is
// the one place they quote strings. The output is always valid UTF-8 (RFC 8259 requires it): a
// byte that does not start a valid UTF-8 sequence becomes \ufffd, the replacement character.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "sim/text.hpp"

namespace headroom {

inline std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(text.substr(i, n));
      i += n;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i++]);
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
