//===- Knapsack.h - Exact multiple-choice knapsack --------------*- C++ -*-===//
//
// The solver behind --llmq-assign-bits=target-bpw / target-bytes: one choice
// per item (a format per weight), the least total cost (measured error, or
// estimated KLD) with the total size at most a budget. Dynamic programming
// over sizes in units of `unit` bytes, every size rounded up, so the chosen
// total never exceeds the budget.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_KNAPSACK_H
#define LLMQ_PASSES_ASSIGN_KNAPSACK_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::llmq::assign {

/// One choice for one item: its size and the cost the solver minimises.
struct KnapsackChoice {
  uint64_t bytes = 0;
  double cost = 0;
};

/// The index of the chosen choice of every item, minimising the sum of their
/// costs with the sum of their sizes, each rounded up to whole `unit`s, at
/// most `budget` rounded down to whole units. Items have 1 to 255 choices.
/// Ties go to the lower index, deciding the items from the last to the
/// first, so the result depends on the input only. nullopt when even the
/// smallest choice of every item does not fit. Memory: a byte per item and
/// unit of the budget (knapsackUnit keeps the units few).
std::optional<std::vector<size_t>>
solveKnapsack(llvm::ArrayRef<std::vector<KnapsackChoice>> items,
              uint64_t budget, uint64_t unit);

/// The unit solveKnapsack should count in for items whose largest choices
/// add up to `maxBytes`: that total in at most 2^17 units, at least 1 byte.
/// It depends on the items only, so a larger budget never has fewer
/// feasible choices.
uint64_t knapsackUnit(uint64_t maxBytes);

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_KNAPSACK_H
