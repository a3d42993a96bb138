// llm-server's prefix cache (`prefix_cache: true`): the KV budget as a pool of blocks of
// `prefix_block_tokens` tokens, shared between requests whose prompts begin alike. Pure
// bookkeeping (no SimGrid, no memory manager): run.cpp touches the blocks' bytes and prices the
// steps; this class decides which blocks a request gets and which of them are already computed.
//
// The model is vLLM's automatic prefix caching (v1 KV cache manager), read in its design notes
// https://docs.vllm.ai/en/latest/design/prefix_caching/ (docs/design/prefix_caching.md in
// vllm-project/vllm) and vllm/v1/core/kv_cache_manager.py:
//  - a block is keyed by a hash of its parent block's key and its own content, so block i of a
//    request is shared only when blocks 0..i all match ("hash(prefix tokens, tokens in this
//    block)"). Here the content is the trace's prefix block id (Mooncake `hash_ids`, 512 tokens
//    each) and the key chains them: key_i = mix(key_{i-1}, id_i). Like vLLM's default hash, a
//    64-bit key is not collision free (2^-64 per pair of distinct prefixes).
//  - only full prompt blocks are cached ("We only cache full blocks"), and a request whose whole
//    prompt is cached still computes its last block: the hit is capped at prompt - 1 tokens
//    ("When all tokens hit the cache, we must recompute the last token to obtain logits"), rounded
//    down to whole blocks.
//  - a block has a reference count (requests using it); a request's hit blocks gain a reference and
//    leave the free queue; its new blocks come from the free queue; a finished request drops its
//    references, last block first, and a cached block whose count reaches 0 stays cached (and can
//    be hit again) until its memory is needed: the least recently freed is evicted first (LRU).
//  Difference, stated: vLLM keeps one free queue for cached and uncached free blocks (and hashes
//  generated tokens' blocks too). A trace gives no ids for generated tokens or for the prompt past
//  its `hash_ids`, so such blocks can never be hit here; they go to a separate free list that is
//  used before any cached block is evicted (in vLLM they would sit in the queue, never hit).
//
// llama.cpp's server reuses KV differently (tools/server/README.md in ggml-org/llama.cpp): each
// slot keeps the KV of its last prompt and `cache_prompt` (default true) re-uses the common prefix
// of the new prompt with it ("only the suffix that differs between the requests" is processed);
// a request goes to the slot whose prompt is most similar (`--slot-prompt-similarity`, default
// 0.10), and `--cache-ram` (default 8192 MiB) keeps evicted slots' prompts in host RAM. That is a
// prefix cache of max_batch entries (one per slot) plus a RAM tier; its hits are a subset of what a
// block cache of the same memory finds, which is why this model follows vLLM's blocks. Sharing one
// block between two running sequences (the KV bytes saved) exists in vLLM only.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace headroom::workloads::llm_server {

class PrefixCache {
 public:
  // A pool of `blocks` blocks of `block_tokens` tokens each (both > 0).
  PrefixCache(std::uint32_t blocks, std::uint32_t block_tokens);

  // A request's blocks, in token order: the first `hit_blocks` were already computed (shared).
  struct Allocation {
    std::vector<std::uint32_t> blocks;
    std::uint32_t hit_blocks = 0;
  };

  // Blocks a request of `total_tokens` (prompt + output) needs: ceil(total / block_tokens).
  std::uint64_t blocks_for(std::uint64_t tokens) const { return (tokens + block_tokens_ - 1) / block_tokens_; }

  // Looks up the prompt's leading blocks by their ids, takes a reference on the hits and allocates
  // the rest (from the free list, then by evicting the least recently used cached blocks); the new
  // full prompt blocks that have ids become cached (as vLLM caches a block as soon as it is
  // allocated full, so a request admitted in the same step can share it). nullopt, with nothing
  // changed, when the free and evictable blocks do not suffice.
  std::optional<Allocation> allocate(std::span<const std::uint64_t> ids, std::uint32_t prompt_tokens,
                                     std::uint64_t total_tokens);
  // Drops the request's references, last block first: blocks reaching 0 go to the LRU tail (cached)
  // or the free list (never hit).
  void release(std::span<const std::uint32_t> blocks);

  std::uint32_t block_tokens() const { return block_tokens_; }
  std::uint32_t total_blocks() const { return static_cast<std::uint32_t>(blocks_.size()); }
  std::uint32_t free_blocks() const { return static_cast<std::uint32_t>(free_.size()); }
  std::uint32_t cached_unused_blocks() const { return static_cast<std::uint32_t>(lru_.size()); }
  std::uint32_t cached_blocks() const { return static_cast<std::uint32_t>(by_key_.size()); }
  // Block references beyond the first (sum over blocks of max(refs - 1, 0)): the blocks that
  // sharing saves now, compared with every running request holding its own copy.
  std::uint64_t shared_references() const { return shared_references_; }
  std::uint32_t references(std::uint32_t block) const { return blocks_.at(block).refs; }
  std::uint64_t evictions() const { return evictions_; }

  // The key of block i given its parent's key (kRootKey for block 0) and its id.
  static std::uint64_t chain(std::uint64_t parent_key, std::uint64_t id);
  static constexpr std::uint64_t kRootKey = 0x6a09e667f3bcc908ULL;

 private:
  struct Block {
    std::uint32_t refs = 0;
    bool cached = false;  // by_key_ maps `key` to this block
    std::uint64_t key = 0;
    std::list<std::uint32_t>::iterator lru;  // valid while cached with refs == 0
  };
  std::uint32_t hits(std::span<const std::uint64_t> ids, std::uint32_t max_hit_blocks) const;
  std::uint32_t take_block();
  void take_reference(std::uint32_t block);

  std::uint32_t block_tokens_;
  std::vector<Block> blocks_;
  std::vector<std::uint32_t> free_;  // never-cached free blocks, a stack (lowest index on top first)
  std::list<std::uint32_t> lru_;     // cached blocks with no reference, least recently freed first
  std::unordered_map<std::uint64_t, std::uint32_t> by_key_;
  std::uint64_t shared_references_ = 0;
  std::uint64_t evictions_ = 0;
};

}  // namespace headroom::workloads::llm_server
