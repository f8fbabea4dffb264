//===- KnapsackTest.cpp - The exact multiple-choice knapsack --------------===//
//
// solveKnapsack against brute force on small random instances (the same
// least cost, and a choice that fits once sizes are rounded up to units),
// infeasible budgets, the rounding, and ties going to the lower index.
//
//===----------------------------------------------------------------------===//

#include "passes/assign/Knapsack.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

using namespace mlir::llmq::assign;

namespace {

using Items = std::vector<std::vector<KnapsackChoice>>;

uint64_t units(uint64_t bytes, uint64_t unit) {
  return (bytes + unit - 1) / unit;
}

/// The least cost over every combination that fits, or +inf.
double bruteForce(const Items &items, uint64_t budget, uint64_t unit) {
  double best = std::numeric_limits<double>::infinity();
  std::vector<size_t> pick(items.size(), 0);
  while (true) {
    uint64_t used = 0;
    double cost = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      used += units(items[i][pick[i]].bytes, unit);
      cost += items[i][pick[i]].cost;
    }
    if (used <= budget / unit)
      best = std::min(best, cost);
    size_t i = 0;
    while (i < items.size() && ++pick[i] == items[i].size())
      pick[i++] = 0;
    if (i == items.size())
      return best;
  }
}

TEST(Knapsack, EqualsBruteForceOnRandomInstances) {
  std::mt19937 rng(16);
  int feasible = 0, infeasible = 0;
  for (int round = 0; round < 2000; ++round) {
    Items items(1 + rng() % 5);
    for (auto &choices : items) {
      choices.resize(1 + rng() % 4);
      for (KnapsackChoice &c : choices) {
        c.bytes = 1 + rng() % 20;
        // Whole numbers: sums are exact, so equal costs compare equal.
        c.cost = static_cast<double>(rng() % 10);
      }
    }
    uint64_t unit = 1 + rng() % 3;
    uint64_t budget = rng() % 60;
    double expected = bruteForce(items, budget, unit);
    std::optional<std::vector<size_t>> chosen =
        solveKnapsack(items, budget, unit);
    if (expected == std::numeric_limits<double>::infinity()) {
      EXPECT_FALSE(chosen) << "round " << round;
      ++infeasible;
      continue;
    }
    ASSERT_TRUE(chosen) << "round " << round;
    ASSERT_EQ(chosen->size(), items.size());
    uint64_t used = 0;
    double cost = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      ASSERT_LT((*chosen)[i], items[i].size());
      used += units(items[i][(*chosen)[i]].bytes, unit);
      cost += items[i][(*chosen)[i]].cost;
    }
    EXPECT_LE(used, budget / unit) << "round " << round;
    EXPECT_EQ(cost, expected) << "round " << round;
    // The same input, the same answer.
    EXPECT_EQ(solveKnapsack(items, budget, unit), chosen);
    ++feasible;
  }
  // Both outcomes were exercised.
  EXPECT_GT(feasible, 500);
  EXPECT_GT(infeasible, 100);
}

TEST(Knapsack, TiesGoToTheLowerIndex) {
  // Every choice costs the same: each item keeps its first choice that the
  // budget allows.
  Items items = {{{4, 1.0}, {2, 1.0}}, {{3, 1.0}, {1, 1.0}, {2, 1.0}}};
  EXPECT_EQ(solveKnapsack(items, 100, 1), (std::vector<size_t>{0, 0}));
  // 7 bytes do not hold 4 + 3: the last item is decided first and keeps
  // choice 0 (3 bytes); the first moves to its 2-byte choice.
  EXPECT_EQ(solveKnapsack(items, 5, 1), (std::vector<size_t>{1, 0}));
  // Equal cost at different sizes: the lower index, not the smaller size.
  Items same = {{{10, 0.5}, {5, 0.5}}};
  EXPECT_EQ(solveKnapsack(same, 10, 1), (std::vector<size_t>{0}));
}

TEST(Knapsack, PrefersLessCostWithinTheBudget) {
  // Two weights, three formats each (bytes, error). 9 or 10 bytes: both at
  // 4 bytes (error 10) beat a mix with one at 8 (12 at least); 12 bytes: the
  // second, whose error falls more, gets its 8 bytes (error 6, not 7).
  Items items = {{{2, 10.0}, {4, 4.0}, {8, 1.0}},
                 {{2, 20.0}, {4, 6.0}, {8, 2.0}}};
  EXPECT_EQ(solveKnapsack(items, 9, 1), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(solveKnapsack(items, 10, 1), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(solveKnapsack(items, 12, 1), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(solveKnapsack(items, 16, 1), (std::vector<size_t>{2, 2}));
  EXPECT_EQ(solveKnapsack(items, 3, 1), std::nullopt);
}

TEST(Knapsack, SizesRoundUpToUnits) {
  // Two items of 3 bytes in 2-byte units take 2 units each: 7 bytes (3
  // units) hold only one of them, though 3 + 3 <= 7.
  Items items = {{{3, 0.0}}, {{3, 0.0}}};
  EXPECT_EQ(solveKnapsack(items, 7, 2), std::nullopt);
  EXPECT_EQ(solveKnapsack(items, 8, 2), (std::vector<size_t>{0, 0}));
  EXPECT_EQ(solveKnapsack(items, 6, 1), (std::vector<size_t>{0, 0}));
}

TEST(Knapsack, NoItemsFitAnyBudget) {
  EXPECT_EQ(solveKnapsack({}, 0, 1), std::vector<size_t>{});
}

TEST(Knapsack, UnitKeepsAtMost2To17Units) {
  EXPECT_EQ(knapsackUnit(0), 1u);
  EXPECT_EQ(knapsackUnit(1u << 17), 1u);
  EXPECT_EQ(knapsackUnit((1u << 17) + 1), 2u);
  EXPECT_EQ(knapsackUnit(uint64_t(1) << 30), 1u << 13);
  uint64_t big = 4'000'000'123;
  EXPECT_LE(big / knapsackUnit(big), uint64_t(1) << 17);
}

} // namespace
