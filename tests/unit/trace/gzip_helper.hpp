// One gzip member of `data`, made in memory with zlib (the trace, request and memory-series tests
// write gzip inputs byte for byte, including cut-off ones, so they need the bytes, not a file).
#pragma once

#include <doctest/doctest.h>
#include <zlib.h>

#include <string>

namespace headroom::test {

inline std::string gzip(const std::string& data, int level = 6) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace headroom::test
