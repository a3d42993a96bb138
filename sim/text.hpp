// Text shown back to users inside messages: one cutter for every quoted value, so a 10 MB field
// yields a short message, and control characters or bytes that are not UTF-8 are printed as
// escapes (\n, \t, \0, \xNN) instead of being copied into the terminal or a log.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace headroom {

// Length of the valid UTF-8 sequence starting at s[i] (1-4), or 0 if the bytes there are not one
// (overlong forms, surrogates and code points above U+10FFFF count as invalid, as RFC 3629 says).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
  else return 0;
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

inline bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `s` as it may appear inside a message: at most `max_bytes` of it (cut at a character boundary,
// followed by "..."), control characters and invalid bytes escaped.
inline std::string shown(std::string_view s, std::size_t max_bytes = 60) {
  std::string out;
  std::size_t i = 0;
  for (; i < s.size() && i < max_bytes;) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_sequence_length(s, i);
    if (n > 1) {
      if (i + n > max_bytes) break;
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    ++i;
    switch (c) {
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\0': out += "\\0"; continue;
      default: break;
    }
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02X", c);
      out += buffer;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < s.size()) out += "...";
  return out;
}

}  // namespace headroom
