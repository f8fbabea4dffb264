//===- Knapsack.cpp - Exact multiple-choice knapsack ----------------------===//

#include "passes/assign/Knapsack.h"

#include <algorithm>
#include <cassert>
#include <limits>

using namespace mlir::llmq::assign;

std::optional<std::vector<size_t>>
mlir::llmq::assign::solveKnapsack(llvm::ArrayRef<std::vector<KnapsackChoice>> items,
                                  uint64_t budget, uint64_t unit) {
  assert(unit > 0 && "the unit is at least one byte");
  int64_t capacity = static_cast<int64_t>(budget / unit);
  auto units = [&](uint64_t bytes) {
    return static_cast<int64_t>((bytes + unit - 1) / unit);
  };
  const double inf = std::numeric_limits<double>::infinity();
  // best[b]: least cost of the items so far with at most b units.
  std::vector<double> best(capacity + 1, 0.0), next(capacity + 1);
  std::vector<std::vector<uint8_t>> choice(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<KnapsackChoice> &choices = items[i];
    assert(!choices.empty() && choices.size() <= 255 && "1 to 255 choices");
    choice[i].assign(capacity + 1, 0);
    for (int64_t b = 0; b <= capacity; ++b) {
      double v = inf;
      uint8_t arg = 0;
      for (size_t c = 0; c < choices.size(); ++c) {
        int64_t u = units(choices[c].bytes);
        if (u > b || best[b - u] == inf)
          continue;
        double e = best[b - u] + choices[c].cost;
        if (e < v) {
          v = e;
          arg = static_cast<uint8_t>(c);
        }
      }
      next[b] = v;
      choice[i][b] = arg;
    }
    std::swap(best, next);
  }
  if (best[capacity] == inf)
    return std::nullopt;
  std::vector<size_t> chosen(items.size());
  int64_t b = capacity;
  for (size_t i = items.size(); i-- > 0;) {
    uint8_t c = choice[i][b];
    chosen[i] = c;
    b -= units(items[i][c].bytes);
  }
  return chosen;
}

uint64_t mlir::llmq::assign::knapsackUnit(uint64_t maxBytes) {
  return std::max<uint64_t>(1, (maxBytes + (1u << 17) - 1) >> 17);
}
