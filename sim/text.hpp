// Text shown back to users inside messages: one cutter for every quoted value, so a 10 MB field
// yields a short message, and control characters or bytes that are not UTF-8 are printed as
// escapes (\n, \t, \0, \xNN) instead of being copied into the terminal or a log.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

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

// The name in `candidates` nearest to `name` (edit distance, ignoring case) when it is close
// enough to be a slip (at most a quarter of the shorter name's length); else "", so
// that "unknown X" messages can add "did you mean ...?" without guessing wildly.
inline std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates) {
  const auto lower = [](std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string wanted = lower(name);
  std::string best;
  std::size_t best_distance = SIZE_MAX;
  for (const auto& candidate : candidates) {
    const std::string other = lower(candidate);
    // A quarter of the shorter name: names of 3 letters or fewer match only up to case ("lfu" is
    // another policy, not a slip for "lru").
    const std::size_t allowed = std::min(wanted.size(), other.size()) / 4;
    const std::size_t gap = wanted.size() > other.size() ? wanted.size() - other.size() : other.size() - wanted.size();
    if (gap > allowed) continue;  // also keeps the work small for a huge name
    // Edit distance counting a swap of neighbours as one edit (optimal string alignment), rows kept
    // two at a time.
    std::vector<std::size_t> before(other.size() + 1), last(other.size() + 1), row(other.size() + 1);
    for (std::size_t j = 0; j < row.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= wanted.size(); ++i) {
      before.swap(last);
      last.swap(row);
      row[0] = i;
      for (std::size_t j = 1; j <= other.size(); ++j) {
        const bool same = wanted[i - 1] == other[j - 1];
        row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + (same ? 0 : 1)});
        if (i > 1 && j > 1 && wanted[i - 1] == other[j - 2] && wanted[i - 2] == other[j - 1])
          row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    if (row.back() <= allowed && row.back() < best_distance) {
      best_distance = row.back();
      best = candidate;
    }
  }
  return best;
}

}  // namespace headroom
