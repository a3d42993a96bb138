#include "sim/trace/mrc.hpp"

#include <cmath>
#include <stdexcept>

#include "sim/trace/trace_reader.hpp"

namespace headroom::trace {
namespace {

constexpr std::uint64_t kShardsModulus = std::uint64_t{1} << 24;

// Fenwick (binary indexed) tree of counts over time positions 1..n.
class Fenwick {
 public:
  explicit Fenwick(std::size_t n) : tree_(n + 1, 0) {}
  void add(std::size_t pos, std::int32_t delta) {
    for (; pos < tree_.size(); pos += pos & (~pos + 1)) tree_[pos] += delta;
  }
  std::int64_t prefix(std::size_t pos) const {
    std::int64_t sum = 0;
    for (; pos > 0; pos -= pos & (~pos + 1)) sum += tree_[pos];
    return sum;
  }

 private:
  std::vector<std::int32_t> tree_;
};

std::uint64_t mix64(std::uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Stack distances of the references for which keep(key) holds, among themselves.
template <class Keep>
MissRatioCurve stack_distances(const std::vector<mm::PageKey>& keys, std::uint64_t unique, Keep keep,
                               std::span<const std::uint32_t> ref_bytes = {}) {
  MissRatioCurve curve;
  curve.sized = !ref_bytes.empty();
  if (curve.sized) curve.byte_histogram.assign(1, 0);
  curve.requests = keys.size();
  constexpr std::size_t kNever = 0;  // positions are 1-based
  std::vector<std::size_t> last(unique, kNever);
  Fenwick marks(keys.size());
  curve.histogram.assign(1, 0);
  std::size_t t = 0;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const mm::PageKey key = keys[i];
    if (!keep(key)) continue;
    ++t;
    const std::uint64_t held = curve.sized ? ref_bytes[i] & ~kRowStart : 0;
    curve.bytes += held;
    const std::size_t prev = last[key];
    if (prev == kNever) {
      ++curve.cold;
      curve.cold_bytes += held;
    } else {
      const auto distance = static_cast<std::size_t>(marks.prefix(t - 1) - marks.prefix(prev)) + 1;
      if (distance >= curve.histogram.size()) curve.histogram.resize(distance + 1, 0);
      ++curve.histogram[distance];
      if (curve.sized) {
        if (distance >= curve.byte_histogram.size()) curve.byte_histogram.resize(distance + 1, 0);
        curve.byte_histogram[distance] += held;
      }
      marks.add(prev, -1);
    }
    marks.add(t, 1);
    last[key] = t;
  }
  curve.sampled = t;
  curve.misses_beyond_.assign(curve.histogram.size(), 0);
  std::uint64_t beyond = 0;
  for (std::size_t d = curve.histogram.size(); d-- > 0;) {
    curve.misses_beyond_[d] = beyond;
    beyond += curve.histogram[d];
  }
  if (curve.sized) {
    curve.byte_histogram.resize(curve.histogram.size(), 0);
    curve.bytes_beyond_.assign(curve.byte_histogram.size(), 0);
    beyond = 0;
    for (std::size_t d = curve.byte_histogram.size(); d-- > 0;) {
      curve.bytes_beyond_[d] = beyond;
      beyond += curve.byte_histogram[d];
    }
  }
  return curve;
}

}  // namespace

std::uint64_t MissRatioCurve::analysed_misses(std::uint64_t frames) const {
  // A sampled distance d stands for d / R frames: it hits when d / R <= frames.
  const double sampled_frames = std::floor(static_cast<double>(frames) * sample_rate + 1e-9);
  std::uint64_t beyond = 0;
  if (sampled_frames < static_cast<double>(misses_beyond_.size()))
    beyond = misses_beyond_[static_cast<std::size_t>(sampled_frames)];
  return cold + beyond;
}

double MissRatioCurve::byte_miss_ratio(std::uint64_t frames) const {
  if (!sized || bytes == 0) return 0.0;
  const double sampled_frames = std::floor(static_cast<double>(frames) * sample_rate + 1e-9);
  std::uint64_t beyond = 0;
  if (sampled_frames < static_cast<double>(bytes_beyond_.size()))
    beyond = bytes_beyond_[static_cast<std::size_t>(sampled_frames)];
  return static_cast<double>(cold_bytes + beyond) / static_cast<double>(bytes);
}

double MissRatioCurve::miss_ratio(std::uint64_t frames) const {
  if (sampled == 0) return 0.0;
  return static_cast<double>(analysed_misses(frames)) / static_cast<double>(sampled);
}

std::vector<std::uint64_t> MissRatioCurve::step_frames() const {
  std::vector<std::uint64_t> steps;
  for (std::size_t d = 1; d < histogram.size(); ++d) {
    if (histogram[d] == 0) continue;
    const auto frames = static_cast<std::uint64_t>(std::ceil(static_cast<double>(d) / sample_rate - 1e-9));
    if (steps.empty() || steps.back() != frames) steps.push_back(frames);
  }
  return steps;
}

bool shards_keeps(std::uint64_t page_id, double rate) {
  const auto threshold = static_cast<std::uint64_t>(rate * static_cast<double>(kShardsModulus));
  return (mix64(page_id) & (kShardsModulus - 1)) < threshold;
}

MissRatioCurve exact_lru_mrc(const std::vector<mm::PageKey>& keys, std::uint64_t unique) {
  return stack_distances(keys, unique, [](mm::PageKey) { return true; });
}

MissRatioCurve exact_lru_mrc(const std::vector<mm::PageKey>& keys, std::uint64_t unique,
                             std::span<const std::uint32_t> ref_bytes) {
  return stack_distances(keys, unique, [](mm::PageKey) { return true; }, ref_bytes);
}

MissRatioCurve sampled_lru_mrc(const std::vector<mm::PageKey>& keys, const std::vector<std::uint64_t>& page_ids,
                               double rate) {
  ShardsSampler sampler(rate);
  sampler.add(keys, page_ids);
  return sampler.curve(keys.size(), page_ids.size());
}

ShardsSampler::ShardsSampler(double rate) : rate_(rate) {
  if (!(rate > 0.0 && rate <= 1.0)) throw std::invalid_argument("sample rate must be in (0, 1]");
}

void ShardsSampler::add(std::span<const mm::PageKey> keys, const std::vector<std::uint64_t>& page_ids) {
  add(keys, {}, page_ids);
}

void ShardsSampler::add(std::span<const mm::PageKey> keys, std::span<const std::uint32_t> bytes,
                        const std::vector<std::uint64_t>& page_ids) {
  for (std::size_t k = kept_.size(); k < page_ids.size(); ++k) kept_.push_back(shards_keeps(page_ids[k], rate_));
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!kept_[keys[i]]) continue;
    sample_.push_back(keys[i]);
    if (!bytes.empty()) sample_bytes_.push_back(bytes[i]);
  }
}

MissRatioCurve ShardsSampler::curve(std::uint64_t requests, std::uint64_t unique) const {
  MissRatioCurve curve = stack_distances(sample_, unique, [](mm::PageKey) { return true; }, sample_bytes_);
  curve.requests = requests;
  curve.sample_rate = rate_;
  return curve;
}

}  // namespace headroom::trace
