// Strings the config layer hands on: JSON quoting that never emits invalid UTF-8, and the
// "did you mean" suggestion for unknown catalog names.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/config/catalog.hpp"
#include "sim/json_text.hpp"
#include "sim/text.hpp"

using namespace headroom;

TEST_CASE("json_quote: invalid UTF-8 becomes U+FFFD, valid text is kept byte for byte") {
  CHECK(json_quote("caf\xE9") == "\"caf\\ufffd\"");                // Latin-1 byte
  CHECK(json_quote("caf\xC3\xA9") == "\"caf\xC3\xA9\"");           // the same in UTF-8
  CHECK(json_quote("\xED\xA0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");  // a surrogate is not UTF-8
  CHECK(json_quote("\xF0\x9F\x98") == "\"\\ufffd\\ufffd\\ufffd\"");  // truncated 4-byte sequence
  CHECK(json_quote(std::string("a\0b", 3)) == "\"a\\u0000b\"");
  CHECK(json_quote("q\"\\\n") == "\"q\\\"\\\\\\n\"");
  for (const std::string text : {"caf\xE9", "\xFF\xFE", "\xC0\x80", "ok \xE2\x82\xAC"})
    CHECK(is_valid_utf8(json_quote(text)));
}

TEST_CASE("nearest_name: close slips only, case ignored") {
  const std::vector<std::string> quants{"F16", "Q4_0", "Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0"};
  CHECK(nearest_name("q4_k_m", quants) == "Q4_K_M");
  CHECK(nearest_name("Q4_K_S", quants) == "Q4_K_M");
  CHECK(nearest_name("Q3_K_XS", quants) == "");  // three edits in seven letters: no guess
  const std::vector<std::string> hosts{"ddr5-2x48", "m2-max-96", "m3-max-128", "strix-halo-128"};
  CHECK(nearest_name("m3-max-12", hosts) == "m3-max-128");
  CHECK(nearest_name("m5-ultra-512", hosts) == "");
  CHECK(nearest_name(std::string(1000000, 'm'), hosts) == "");  // long input: skipped quickly
  const std::vector<std::string> policies{"arc", "clock", "fifo", "linux", "lru", "mglru"};
  CHECK(nearest_name("mglur", policies) == "mglru");  // a swap of neighbours is one slip
  CHECK(nearest_name("lfu", policies) == "");         // another policy, not a slip for lru
  CHECK(nearest_name("LRU", policies) == "lru");
  CHECK(nearest_name("mglr", policies) == "mglru");
  CHECK(nearest_name("belady", policies) == "");
}
