#include "sim/trace/requests/transform.hpp"

#include <cmath>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/text.hpp"

namespace headroom::reqtrace {

namespace {

constexpr double kMaxNs = 9.2e18;  // below INT64_MAX (9.22e18): a scaled offset past it is refused

// `later - earlier` in ns, exact; false when it does not fit in int64.
bool offset_ns(const Record& first, const Record& r, std::int64_t& out) {
  if (!(first.has_date_time && r.has_date_time)) return !__builtin_sub_overflow(r.time_ns, first.time_ns, &out);
  const std::int64_t whole = (r.date_time.seconds - first.date_time.seconds).count();
  const std::int64_t nanos = static_cast<std::int64_t>(r.date_time.nanoseconds) - first.date_time.nanoseconds;
  std::int64_t s_ns = 0;
  return !__builtin_mul_overflow(whole, std::int64_t{1000000000}, &s_ns) && !__builtin_add_overflow(s_ns, nanos, &out);
}

void check(const Transform& t) {
  if (!(t.time_scale > 0 && std::isfinite(t.time_scale)))
    throw std::invalid_argument("time_scale: expected a finite number above 0, found " + fmt::format("{}", t.time_scale));
  if (t.sample && !(*t.sample > 0 && *t.sample <= 1))
    throw std::invalid_argument("sample: expected a probability in (0, 1], found " + fmt::format("{}", *t.sample));
  if (t.rate_per_s && !(*t.rate_per_s > 0 && std::isfinite(*t.rate_per_s)))
    throw std::invalid_argument("rate: expected a finite rate above 0/s, found " + fmt::format("{}", *t.rate_per_s));
  if (t.window && !(t.window->start_s >= 0 && t.window->end_s > t.window->start_s))
    throw std::invalid_argument("window: expected 0 <= start < end, found start " + fmt::format("{}", t.window->start_s) +
                                " s, end " + fmt::format("{}", t.window->end_s) + " s");
}

class TransformReader : public Reader {
 public:
  TransformReader(std::unique_ptr<Reader> inner, const Transform& t, std::string path, double factor)
      : inner_(std::move(inner)), t_(t), path_(std::move(path)), factor_(factor * t.time_scale), rng_(t.seed) {}

  bool next(Record& out) override {
    if (t_.max_requests && counts_.rows >= t_.max_requests) return false;
    while (inner_->next(out)) {
      if (!have_first_) {
        first_ = out;
        have_first_ = true;
      }
      std::int64_t ns = 0;
      if (!offset_ns(first_, out, ns))
        throw TraceError(path_, out.line, 1, "expected a time within 292 years of the first row, found one further");
      const double s = static_cast<double>(ns) * 1e-9;
      double start_ns = 0;
      if (t_.window) {
        if (s < t_.window->start_s) continue;
        if (s >= t_.window->end_s) return false;  // rows are in time order: nothing later is inside
        start_ns = t_.window->start_s * 1e9;
      }
      if (t_.sample && *t_.sample < 1 && !keep()) continue;
      const double scaled = (static_cast<double>(ns) - start_ns) * factor_;
      if (!(scaled < kMaxNs))
        throw TraceError(path_, out.line, 1, "expected a scaled arrival time below 2^63 ns (292 years), found " +
                                                 fmt::format("{}", scaled * 1e-9) + " s");
      out.time_ns = std::llround(std::max(0.0, scaled));
      ++counts_.rows;
      if (out.failed) ++counts_.failed;
      return true;
    }
    return false;
  }

  const Counts& counts() const override {
    const Counts& in = inner_->counts();
    merged_ = counts_;
    merged_.skipped = in.skipped;
    merged_.skipped_by_reason = in.skipped_by_reason;
    merged_.first_skipped = in.first_skipped;
    return merged_;
  }
  std::string_view format() const override { return inner_->format(); }

 private:
  // Bernoulli(p) from the 53 high bits of the generator: the same on every standard library.
  bool keep() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53 < *t_.sample; }

  std::unique_ptr<Reader> inner_;
  Transform t_;
  std::string path_;
  double factor_;
  std::mt19937_64 rng_;
  bool have_first_ = false;
  Record first_;
  Counts counts_;
  mutable Counts merged_;
};

}  // namespace

bool is_identity(const Transform& t) {
  return !t.window && t.time_scale == 1.0 && !t.rate_per_s && !t.sample && t.max_requests == 0;
}

std::unique_ptr<Reader> transformed(std::unique_ptr<Reader> inner, const Transform& t, std::string path) {
  check(t);
  Transform plain = t;
  plain.rate_per_s.reset();
  return std::make_unique<TransformReader>(std::move(inner), plain, std::move(path), 1.0);
}

std::unique_ptr<Reader> open_transformed(const std::string& path, const Options& options, const Transform& t) {
  check(t);
  double factor = 1.0;
  if (t.rate_per_s) {
    // First pass: the rows kept and their span on the recorded clock (time_scale 1).
    Transform counting = t;
    counting.rate_per_s.reset();
    counting.time_scale = 1.0;
    auto pass = transformed(open_requests(path, options), counting, path);
    Record r;
    std::uint64_t n = 0;
    std::int64_t first_ns = 0, last_ns = 0;
    while (pass->next(r)) {
      if (n++ == 0) first_ns = r.time_ns;
      last_ns = r.time_ns;
    }
    if (n < 2 || last_ns == first_ns)
      throw TraceError(path, 1, 1, "expected at least 2 requests at different times to rescale to a rate, found " +
                                       std::to_string(n) + (n >= 2 ? " at one time" : ""));
    const double recorded_rate = static_cast<double>(n - 1) / (static_cast<double>(last_ns - first_ns) * 1e-9);
    factor = recorded_rate / *t.rate_per_s / t.time_scale;  // time_scale is then irrelevant: the rate decides
  }
  Transform plain = t;
  plain.rate_per_s.reset();
  check(plain);
  return std::make_unique<TransformReader>(open_requests(path, options), plain, path, factor);
}

}  // namespace headroom::reqtrace
