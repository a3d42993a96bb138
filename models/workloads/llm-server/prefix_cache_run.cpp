// llm-server's prefix cache (prefix_cache.hpp): block pool, prefix-chain lookup, references, LRU.
#include <algorithm>
#include <stdexcept>

#include "models/workloads/llm-server/prefix_cache.hpp"

namespace headroom::workloads::llm_server {

PrefixCache::PrefixCache(std::uint32_t blocks, std::uint32_t block_tokens)
    : block_tokens_(block_tokens), blocks_(blocks) {
  if (blocks == 0 || block_tokens == 0)
    throw std::logic_error("PrefixCache: blocks and block_tokens must be positive");
  free_.reserve(blocks);
  for (std::uint32_t b = blocks; b-- > 0;) free_.push_back(b);  // block 0 on top
}

// splitmix64's finalizer over the parent key and the id: a 64-bit key per prefix chain.
std::uint64_t PrefixCache::chain(std::uint64_t parent_key, std::uint64_t id) {
  std::uint64_t z = parent_key ^ (id + 0x9e3779b97f4a7c15ULL + (parent_key << 6) + (parent_key >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Leading blocks (at most max_hit_blocks) whose keys are cached.
std::uint32_t PrefixCache::hits(std::span<const std::uint64_t> ids, std::uint32_t max_hit_blocks) const {
  std::uint64_t key = kRootKey;
  std::uint32_t n = 0;
  for (; n < max_hit_blocks && n < ids.size(); ++n) {
    key = chain(key, ids[n]);
    if (!by_key_.contains(key)) break;
  }
  return n;
}

void PrefixCache::take_reference(std::uint32_t block) {
  Block& b = blocks_[block];
  if (b.refs == 0)
    lru_.erase(b.lru);
  else
    ++shared_references_;
  ++b.refs;
}

// A free block: a never-cached one if any, else the least recently used cached one (evicted).
std::uint32_t PrefixCache::take_block() {
  std::uint32_t block = 0;
  if (!free_.empty()) {
    block = free_.back();
    free_.pop_back();
  } else {
    block = lru_.front();
    lru_.pop_front();
    by_key_.erase(blocks_[block].key);
    blocks_[block].cached = false;
    ++evictions_;
  }
  blocks_[block].refs = 1;
  return block;
}

std::optional<PrefixCache::Allocation> PrefixCache::allocate(std::span<const std::uint64_t> ids,
                                                             std::uint32_t prompt_tokens, std::uint64_t total_tokens) {
  // At most prompt - 1 tokens hit (the last prompt token is always computed), in whole blocks.
  const std::uint32_t max_hit = prompt_tokens > 0 ? (prompt_tokens - 1) / block_tokens_ : 0;
  const std::uint32_t hit = hits(ids, max_hit);
  const std::uint64_t needed = blocks_for(total_tokens);
  // Hit blocks without references are in the LRU list but will not be evicted for this request.
  std::uint64_t key = kRootKey;
  std::vector<std::uint32_t> hit_blocks;
  hit_blocks.reserve(hit);
  std::uint64_t idle_hits = 0;
  for (std::uint32_t i = 0; i < hit; ++i) {
    key = chain(key, ids[i]);
    const std::uint32_t block = by_key_.at(key);
    hit_blocks.push_back(block);
    if (blocks_[block].refs == 0) ++idle_hits;
  }
  const std::uint64_t fresh = needed > hit ? needed - hit : 0;
  if (fresh > free_.size() + lru_.size() - idle_hits) return std::nullopt;

  Allocation a;
  a.hit_blocks = hit;
  a.blocks = std::move(hit_blocks);
  for (std::uint32_t block : a.blocks) take_reference(block);
  // Full prompt blocks with an id become cached as they are allocated.
  const std::uint64_t full_prompt_blocks = std::min<std::uint64_t>(prompt_tokens / block_tokens_, ids.size());
  for (std::uint64_t i = hit; i < needed; ++i) {
    const std::uint32_t block = take_block();
    a.blocks.push_back(block);
    if (i >= full_prompt_blocks) continue;
    key = chain(key, ids[i]);
    // The same chain already cached in another block (its parent had been evicted, so the lookup
    // stopped before it): keep that one, this block stays private.
    if (by_key_.emplace(key, block).second) {
      blocks_[block].cached = true;
      blocks_[block].key = key;
    }
  }
  return a;
}

void PrefixCache::release(std::span<const std::uint32_t> blocks) {
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    Block& b = blocks_.at(*it);
    if (b.refs == 0) throw std::logic_error("PrefixCache: block released more often than referenced");
    if (--b.refs > 0) {
      --shared_references_;
      continue;
    }
    if (b.cached)
      b.lru = lru_.insert(lru_.end(), *it);
    else
      free_.push_back(*it);
  }
}

}  // namespace headroom::workloads::llm_server
