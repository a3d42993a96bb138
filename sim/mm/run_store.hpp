// The run store shared by the run-based eviction policies (lru, linux).
//
// A node holds a run of consecutive page keys that share one position in a replacement queue; inside
// a run, recency ascends with the key (the first key is the oldest page, the next victim). Nodes sit
// on intrusive doubly linked lists (one per queue a policy keeps, head = newest, tail = next victim)
// and an index maps a key to the run holding it.
//
// The index is a template parameter so that the policy logic is written once for both modes:
//   TreeIndex (engine): an ordered map from a run's first key; O(log runs) per operation, and
//     contiguous neighbours on one list merge, so a sequential touch of 40 GiB is a handful of runs.
//   FlatIndex (trace mode, PolicyOptions::key_space > 0): a vector key -> node, O(1) per operation,
//     no merging (every reference is one page, so every run stays one page). Its costs grow with the
//     run length (split and next_at_or_after walk the keys), which is fine for single pages only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "sim/mm/policy.hpp"

namespace headroom::mm {

using NodeId = std::uint32_t;
inline constexpr NodeId kNoNode = std::numeric_limits<NodeId>::max();

struct RunNode {
  PageKey first = 0;
  std::uint64_t count = 0;
  NodeId newer = kNoNode;  // toward the list head
  NodeId older = kNoNode;  // toward the tail (the next victim)
  std::uint8_t list = 0;
  PageKind kind = PageKind::file;
  std::uint8_t tag = 0;   // per-policy bits (reference bit, ghost flag, ...); runs merge only if equal
  std::uint32_t age = 0;  // per-policy counter (generation, ...); runs merge only if equal
  PageKey end() const { return first + count; }
};

// Engine mode: ordered by first key.
class TreeIndex {
 public:
  static constexpr bool kMerges = true;
  explicit TreeIndex(std::uint64_t /*key_space*/) {}

  void add(const RunNode& n, NodeId id) { map_.emplace(n.first, id); }
  void remove(const RunNode& n) { map_.erase(n.first); }
  // The run moved its first key from `old_first` (front trimmed); its keys stay on the same node.
  void refront(PageKey old_first, const RunNode& n, NodeId id) {
    map_.erase(old_first);
    map_.emplace(n.first, id);
  }
  void assign(PageKey, PageKey, NodeId) {}  // keys of a grown run need no entry of their own

  NodeId find(PageKey key, const std::vector<RunNode>& nodes) const {
    auto it = map_.upper_bound(key);
    if (it == map_.begin()) return kNoNode;
    --it;
    return key < nodes[it->second].end() ? it->second : kNoNode;
  }
  NodeId next_at_or_after(PageKey key, PageKey limit, const std::vector<RunNode>& nodes) const {
    NodeId at = find(key, nodes);
    if (at != kNoNode) return at;
    auto it = map_.upper_bound(key);
    return it != map_.end() && it->first < limit ? it->second : kNoNode;
  }

 private:
  std::map<PageKey, NodeId> map_;
};

// Trace mode: dense keys 0..key_space-1, one slot per key. The slots grow (doubling) with the largest
// key assigned, so a streamed trace whose distinct pages are not known in advance costs memory for
// the keys it has, not for the key space it declares.
class FlatIndex {
 public:
  static constexpr bool kMerges = false;
  explicit FlatIndex(std::uint64_t key_space)
      : limit_(key_space), slots_(static_cast<std::size_t>(std::min<std::uint64_t>(key_space, kInitialSlots)), kNoNode) {}

  void add(const RunNode& n, NodeId id) { assign(n.first, n.end(), id); }
  void remove(const RunNode& n) { assign(n.first, n.end(), kNoNode); }
  void refront(PageKey old_first, const RunNode& n, NodeId) { assign(old_first, n.first, kNoNode); }
  void assign(PageKey from, PageKey to, NodeId id) {
    if (to > slots_.size()) grow(to);
    for (PageKey k = from; k < to; ++k) slots_[k] = id;
  }

  NodeId find(PageKey key, const std::vector<RunNode>&) const { return key < slots_.size() ? slots_[key] : kNoNode; }
  NodeId next_at_or_after(PageKey key, PageKey limit, const std::vector<RunNode>&) const {
    limit = std::min<PageKey>(limit, slots_.size());
    for (PageKey k = key; k < limit; ++k)
      if (slots_[k] != kNoNode) return slots_[k];
    return kNoNode;
  }
  std::uint64_t key_space() const { return limit_; }

 private:
  static constexpr std::uint64_t kInitialSlots = std::uint64_t{1} << 12;
  void grow(PageKey to) {
    const std::uint64_t size = std::min<std::uint64_t>(limit_, std::max<std::uint64_t>(to, 2 * slots_.size()));
    slots_.resize(static_cast<std::size_t>(std::max<std::uint64_t>(size, to)), kNoNode);
  }

  std::uint64_t limit_;
  std::vector<NodeId> slots_;
};

template <class Index>
class RunStore {
 public:
  static constexpr bool kMerges = Index::kMerges;

  RunStore(int lists, std::uint64_t key_space) : index_(key_space), lists_(static_cast<std::size_t>(lists)) {}

  RunNode& operator[](NodeId id) { return nodes_[id]; }
  const RunNode& operator[](NodeId id) const { return nodes_[id]; }

  NodeId head(int list) const { return lists_[list].head; }
  NodeId tail(int list) const { return lists_[list].tail; }
  std::uint64_t pages(int list) const { return lists_[list].pages; }
  std::uint64_t runs(int list) const { return lists_[list].runs; }
  std::uint64_t pages(PageKind kind) const { return kind_pages_[static_cast<int>(kind)]; }
  std::uint64_t total_pages() const { return kind_pages_[0] + kind_pages_[1]; }
  int list_count() const { return static_cast<int>(lists_.size()); }

  // The run holding `key`, or kNoNode.
  NodeId find(PageKey key) const { return index_.find(key, nodes_); }
  // The run holding `key`, else the first run starting in (key, limit), else kNoNode.
  NodeId next_at_or_after(PageKey key, PageKey limit) const { return index_.next_at_or_after(key, limit, nodes_); }
  // Pages of `run` held by some run: O(runs overlapping it) with TreeIndex.
  std::uint64_t pages_in(PageRun run) const {
    std::uint64_t held = 0;
    for (PageKey cursor = run.first; cursor < run.end();) {
      const NodeId at = next_at_or_after(cursor, run.end());
      if (at == kNoNode) break;
      const PageKey from = std::max(nodes_[at].first, cursor), to = std::min(nodes_[at].end(), run.end());
      held += to - from;
      cursor = to;
    }
    return held;
  }

  // A new run (keys must be absent) at the head of `list`, merged into the head run when that run
  // ends at run.first with the same kind, tag and age. Returns the node now holding the keys.
  NodeId insert_head(PageRun run, PageKind kind, int list, std::uint8_t tag = 0, std::uint32_t age = 0) {
    NodeId h = lists_[list].head;
    if (kMerges && h != kNoNode && mergeable(nodes_[h], run.first, kind, tag, age)) {
      grow_back(h, run.count);
      return h;
    }
    NodeId id = allocate();
    RunNode& n = nodes_[id];
    n.first = run.first;
    n.count = run.count;
    n.kind = kind;
    n.tag = tag;
    n.age = age;
    index_.add(n, id);
    kind_pages_[static_cast<int>(kind)] += run.count;
    link_head(list, id);
    return id;
  }

  // Moves a node to the head of `list` (merging as insert_head does); returns the surviving node.
  NodeId move_to_head(NodeId id, int list) {
    unlink(id);
    NodeId h = lists_[list].head;
    RunNode& n = nodes_[id];
    if (kMerges && h != kNoNode && mergeable(nodes_[h], n.first, n.kind, n.tag, n.age)) {
      std::uint64_t count = n.count;
      kind_pages_[static_cast<int>(n.kind)] -= count;
      index_.remove(n);
      release(id);
      grow_back(h, count);
      return h;
    }
    link_head(list, id);
    return id;
  }

  // Moves a node to the tail of `list` (no merging: the tail is where victims are taken).
  void move_to_tail(NodeId id, int list) {
    unlink(id);
    link_tail(list, id);
  }

  // Splits [first, end) at `at` (first < at < end): the node keeps [first, at) and a new node
  // holding [at, end) is placed just newer than it on the same list, as a page-level order requires.
  NodeId split(NodeId id, PageKey at) {
    NodeId fresh = allocate();
    RunNode& n = nodes_[id];
    RunNode& f = nodes_[fresh];
    f = n;
    f.first = at;
    f.count = n.end() - at;
    n.count = at - n.first;
    index_.assign(at, f.end(), fresh);
    if constexpr (kMerges) index_.add(f, fresh);
    List& l = lists_[n.list];
    ++l.runs;
    f.older = id;
    f.newer = n.newer;
    if (n.newer != kNoNode) nodes_[n.newer].older = fresh;
    else l.head = fresh;
    n.newer = fresh;
    return fresh;
  }

  // The node holding exactly [from, to) (both inside the run), splitting as needed.
  NodeId isolate(NodeId id, PageKey from, PageKey to) {
    if (nodes_[id].first < from) id = split(id, from);
    if (nodes_[id].end() > to) split(id, to);
    return id;
  }

  // Removes the `pages` oldest pages (the front) of a run; frees the node when it empties.
  void trim_front(NodeId id, std::uint64_t pages) {
    RunNode& n = nodes_[id];
    if (pages >= n.count) {
      destroy(id);
      return;
    }
    PageKey old_first = n.first;
    n.first += pages;
    n.count -= pages;
    index_.refront(old_first, n, id);
    lists_[n.list].pages -= pages;
    kind_pages_[static_cast<int>(n.kind)] -= pages;
  }

  // Unlinks and frees a node and forgets its keys.
  void destroy(NodeId id) {
    RunNode& n = nodes_[id];
    unlink(id);
    kind_pages_[static_cast<int>(n.kind)] -= n.count;
    index_.remove(n);
    release(id);
  }

  // Forgets every key of [run.first, run.end()); returns how many were present.
  std::uint64_t erase_range(PageRun run) {
    std::uint64_t erased = 0;
    PageKey c = run.first;
    while (c < run.end()) {
      NodeId id = next_at_or_after(c, run.end());
      if (id == kNoNode) break;
      PageKey from = std::max(c, nodes_[id].first);
      PageKey to = std::min(nodes_[id].end(), run.end());
      id = isolate(id, from, to);
      erased += to - from;
      destroy(id);
      c = to;
    }
    return erased;
  }

  // Throws std::logic_error when list links, page counts or the index disagree (tests).
  void check() const {
    std::uint64_t by_kind[2] = {0, 0};
    for (std::size_t l = 0; l < lists_.size(); ++l) {
      std::uint64_t pages = 0, runs = 0;
      NodeId prev = kNoNode;
      for (NodeId id = lists_[l].head; id != kNoNode; id = nodes_[id].older) {
        const RunNode& n = nodes_[id];
        if (n.newer != prev || n.list != l || n.count == 0) throw std::logic_error("run store: broken list");
        if (find(n.first) != id || find(n.end() - 1) != id) throw std::logic_error("run store: index mismatch");
        pages += n.count;
        by_kind[static_cast<int>(n.kind)] += n.count;
        ++runs;
        prev = id;
      }
      if (prev != lists_[l].tail || pages != lists_[l].pages || runs != lists_[l].runs)
        throw std::logic_error("run store: list totals mismatch");
    }
    if (by_kind[0] != kind_pages_[0] || by_kind[1] != kind_pages_[1])
      throw std::logic_error("run store: kind totals mismatch");
  }

 private:
  struct List {
    NodeId head = kNoNode, tail = kNoNode;
    std::uint64_t pages = 0, runs = 0;
  };

  static bool mergeable(const RunNode& h, PageKey first, PageKind kind, std::uint8_t tag, std::uint32_t age) {
    return h.end() == first && h.kind == kind && h.tag == tag && h.age == age;
  }

  void grow_back(NodeId id, std::uint64_t pages) {
    RunNode& n = nodes_[id];
    index_.assign(n.end(), n.end() + pages, id);
    n.count += pages;
    lists_[n.list].pages += pages;
    kind_pages_[static_cast<int>(n.kind)] += pages;
  }

  NodeId allocate() {
    if (!free_.empty()) {
      NodeId id = free_.back();
      free_.pop_back();
      return id;
    }
    nodes_.emplace_back();
    return static_cast<NodeId>(nodes_.size() - 1);
  }
  void release(NodeId id) { free_.push_back(id); }

  void link_head(int list, NodeId id) {
    List& l = lists_[list];
    RunNode& n = nodes_[id];
    n.list = static_cast<std::uint8_t>(list);
    n.newer = kNoNode;
    n.older = l.head;
    if (l.head != kNoNode) nodes_[l.head].newer = id;
    else l.tail = id;
    l.head = id;
    l.pages += n.count;
    ++l.runs;
  }
  void link_tail(int list, NodeId id) {
    List& l = lists_[list];
    RunNode& n = nodes_[id];
    n.list = static_cast<std::uint8_t>(list);
    n.older = kNoNode;
    n.newer = l.tail;
    if (l.tail != kNoNode) nodes_[l.tail].older = id;
    else l.head = id;
    l.tail = id;
    l.pages += n.count;
    ++l.runs;
  }
  void unlink(NodeId id) {
    RunNode& n = nodes_[id];
    List& l = lists_[n.list];
    if (n.newer != kNoNode) nodes_[n.newer].older = n.older;
    else l.head = n.older;
    if (n.older != kNoNode) nodes_[n.older].newer = n.newer;
    else l.tail = n.newer;
    n.newer = n.older = kNoNode;
    l.pages -= n.count;
    --l.runs;
  }

  Index index_;
  std::vector<List> lists_;
  std::vector<RunNode> nodes_;
  std::vector<NodeId> free_;
  std::uint64_t kind_pages_[2] = {0, 0};
};

// Makes a policy in the index type PolicyOptions asks for: FlatIndex for trace mode, else TreeIndex.
template <template <class> class Policy, class... Args>
std::unique_ptr<EvictionPolicy> make_run_policy(const PolicyOptions& options, Args&&... args) {
  if (options.key_space > 0) return std::make_unique<Policy<FlatIndex>>(options, std::forward<Args>(args)...);
  return std::make_unique<Policy<TreeIndex>>(options, std::forward<Args>(args)...);
}

// Throws std::out_of_range when a trace-mode run leaves the declared key space.
inline void check_key_space(PageRun run, std::uint64_t key_space) {
  if (key_space > 0 && run.end() > key_space)
    throw std::out_of_range("page key " + std::to_string(run.end() - 1) + " outside the key space of " +
                            std::to_string(key_space) + " pages");
}

}  // namespace headroom::mm
