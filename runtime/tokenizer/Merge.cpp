//===- Merge.cpp - Pairwise merging of BPE symbols
//-------------------------===//

#include "runtime/tokenizer/Merge.h"

#include "runtime/tokenizer/Unicode.h"

#include <algorithm>
#include <queue>

using namespace llmq;
using llvm::StringRef;

namespace {
/// A symbol in the doubly linked list of a word's current symbols; a merged
/// away symbol keeps length 0.
struct Symbol {
  size_t start;
  size_t length;
  int prev;
  int next;
};

/// A pair that may merge. It is stale once either symbol has changed, which
/// is exactly when either length has.
struct Candidate {
  double priority;
  int left;
  int right;
  size_t leftLength;
  size_t rightLength;
};

/// Orders the queue so that the lowest priority, then the leftmost pair,
/// comes out first.
struct Worse {
  bool operator()(const Candidate &a, const Candidate &b) const {
    return a.priority > b.priority ||
           (a.priority == b.priority && a.left > b.left);
  }
};
} // namespace

void llmq::mergeSymbols(StringRef word, MergePriorityFn priority,
                        std::vector<StringRef> &out) {
  std::vector<Symbol> symbols;
  for (size_t pos = 0; pos < word.size();) {
    size_t length =
        std::min(unicode::charLength(uint8_t(word[pos])), word.size() - pos);
    int index = int(symbols.size());
    symbols.push_back({pos, length, index - 1, -1});
    if (index > 0)
      symbols[index - 1].next = index;
    pos += length;
  }

  std::priority_queue<Candidate, std::vector<Candidate>, Worse> queue;
  auto text = [&](int i) {
    return word.substr(symbols[i].start, symbols[i].length);
  };
  auto consider = [&](int left, int right) {
    if (left < 0 || right < 0)
      return;
    double p;
    if (!priority(text(left), text(right), p))
      return;
    queue.push({p, left, right, symbols[left].length, symbols[right].length});
  };
  for (int i = 1; i < int(symbols.size()); ++i)
    consider(i - 1, i);

  while (!queue.empty()) {
    Candidate c = queue.top();
    queue.pop();
    Symbol &left = symbols[c.left];
    Symbol &right = symbols[c.right];
    if (left.length == 0 || right.length == 0 || left.length != c.leftLength ||
        right.length != c.rightLength)
      continue;
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (right.next >= 0)
      symbols[right.next].prev = c.left;
    consider(left.prev, c.left);
    consider(c.left, left.next);
  }

  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next)
    out.push_back(text(i));
}
