// sim/mm: the memory manager and its eviction policies.
//
// One eviction-policy interface serves both the engine (extents of millions of pages) and the
// reference-trace mode `headroom cache` (one page per reference). A policy keeps its resident set as
// runs of consecutive page keys that share one position in its replacement order, so that a
// sequential touch of a 40 GiB region costs O(runs), not O(pages); with single-page references
// the runs degenerate to single pages. Each policy lives in sim/mm/policies/<name>.hpp|cpp and is
// registered by name (see policy_registry.hpp); nothing else names it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace headroom::mm {

// A page key is a page number in one flat key space. The memory manager gives every mapping a
// disjoint key range; the trace mode uses dense ids 0..U-1 assigned in order of first appearance.
using PageKey = std::uint64_t;

struct PageRun {
  PageKey first = 0;
  std::uint64_t count = 0;
  PageKey end() const { return first + count; }
};

// Which LRU family a page belongs to; policies that do not distinguish (FIFO, LRU, ARC, ...)
// ignore it, the Linux-like two-list policy keeps separate anon and file lists.
enum class PageKind : std::uint8_t { file = 0, anon = 1 };

// Receives the policy's decisions, in the order a page-at-a-time replay would make them.
class PolicyListener {
 public:
  // Pages that were referenced and were not resident (now inserted).
  virtual void missed(PageRun run, PageKind kind) = 0;
  // Pages that left the resident set to make room (victims).
  virtual void evicted(PageRun run, PageKind kind) = 0;

 protected:
  ~PolicyListener() = default;
};

struct ReferenceResult {
  std::uint64_t hit_pages = 0;
  std::uint64_t miss_pages = 0;
};

// Options a scenario (or the CLI) may set; each policy reads the ones it understands.
struct PolicyOptions {
  int swappiness = 60;  // Linux vm.swappiness, 0..200: anon vs file scan balance
  // Trace mode only: the whole future reference string (dense keys), for offline policies (OPT).
  const std::vector<PageKey>* future = nullptr;
  // Largest key + 1 when known (trace mode: number of distinct ids), 0 when unbounded (engine).
  std::uint64_t key_space = 0;
  // Page size, for policies whose rules are stated in bytes (the kernel's inactive_ratio uses GiB).
  std::uint64_t page_bytes = 4096;
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  virtual std::string_view name() const = 0;
  virtual std::uint64_t capacity_pages() const = 0;
  virtual std::uint64_t resident_pages() const = 0;
  virtual std::uint64_t resident_pages(PageKind kind) const = 0;

  // References every page of `run` in ascending key order, exactly as a page-at-a-time replay:
  // a resident page is a hit; a missing page is inserted, after one victim is evicted if the policy
  // already holds capacity_pages(). Misses and victims are reported to `listener` before returning.
  // (The run-based policies insert first and then evict while more than capacity_pages() are
  // resident: the same for capacity >= 1; their files state the exact rule their tests check.)
  virtual ReferenceResult reference(PageRun run, PageKind kind, PolicyListener& listener) = 0;

  // Evicts up to `pages` victims now (background reclaim); returns how many it evicted.
  virtual std::uint64_t evict(std::uint64_t pages, PolicyListener& listener) = 0;

  // Changes the capacity; shrinking below resident_pages() evicts the excess through `listener`.
  virtual void set_capacity(std::uint64_t pages, PolicyListener& listener) = 0;

  // Forgets pages their owner freed (munmap, exit); no listener call, not an eviction.
  virtual void erase(PageRun run) = 0;

  // Whether `key` is resident (tests and invariant checks; need not be fast).
  virtual bool contains(PageKey key) const = 0;

  // How many pages of `run` are resident (invariant checks). The default asks contains() page by
  // page; run-based policies answer in O(runs overlapping `run`).
  virtual std::uint64_t resident_in(PageRun run) const {
    std::uint64_t pages = 0;
    for (PageKey k = run.first; k < run.end(); ++k) pages += contains(k) ? 1 : 0;
    return pages;
  }

  // Caps how many more anonymous pages may become victims from now on (the memory manager passes
  // its free swap slots). Policies that honour it pass over anonymous pages once it is spent and,
  // with nothing else to evict, stay over capacity; the default ignores it, and the manager then
  // treats an anonymous victim without a swap slot as out of memory. The manager may call it from
  // inside a listener callback (a swap-in frees slots mid-reference): keep it a plain assignment.
  virtual void set_anon_victim_limit(std::uint64_t pages) { (void)pages; }
};

}  // namespace headroom::mm
