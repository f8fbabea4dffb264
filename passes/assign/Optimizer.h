//===- Optimizer.h - Formats by measured error under a budget ---*- C++ -*-===//
//
// --llmq-assign-bits=target-bpw / target-bytes: for every quantizable weight
// the candidate ggml types (q2_K..q6_K with llama.cpp's 32-element
// fallbacks, q8_0), their bytes and measured error (ErrorMeasure.h),
// optionally scaled by the weight's measured sensitivity (a KLD probe per
// weight, Sensitivity.h), and one choice per weight by the exact knapsack
// (Knapsack.h). Overridden weights (tensor-type=) and never-quantized ones
// are fixed. No MLIR: the pass binds the weights' rows and writes back the
// choices.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_OPTIMIZER_H
#define LLMQ_PASSES_ASSIGN_OPTIMIZER_H

#include "passes/assign/ErrorMeasure.h"
#include "passes/assign/Plan.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::llmq::assign {

/// One choice for one weight: its format, bytes, measured error and the
/// cost the knapsack minimises (the error, or the error scaled by the
/// weight's measured sensitivity).
struct Candidate {
  ::llmq::TensorFormat format;
  uint64_t bytes = 0;
  double error = 0;
  double cost = 0;
};

/// A weight the optimizer assigns.
struct Item {
  size_t tensor = 0; ///< its index in the tensors
  std::string symbol, name;
  int64_t rows = 0, cols = 0;
  bool quantizable = false; ///< chosen by the knapsack (and probed)
  bool fixed = false;       ///< quantizable, but a tensor-type pattern chose
  bool measured = false;    ///< its candidates' errors are measured
  /// one (f32 or the override's format) when not chosen by the knapsack
  std::vector<Candidate> candidates;
  size_t chosen = 0;
  WeightRows source;      ///< bound by the caller when `measured`
  double sensitivity = 0; ///< measured KLD per unit of error; 0: unmeasured
};

/// The weights of a model as the optimizer sees them.
struct Problem {
  std::vector<Item> items;
  uint64_t elements = 0; ///< of all tensors
};

/// The candidate formats of a quantizable weight with rows of `cols`: the
/// K types, each replaced by llama.cpp's 32-element fallback where its
/// 256-element blocks do not fit, plus q8_0; duplicates dropped; smallest
/// first.
std::vector<::llmq::Format> candidateFormats(int64_t cols);

/// An item per tensor with its candidates (not yet measured). Without
/// `probing`, the output head (and tied embeddings serving as it) keeps
/// q6_K or better. Errors are TensorErrors.
llvm::Expected<Problem> makeProblem(llvm::ArrayRef<Tensor> tensors,
                                    Overrides &overrides, bool probing,
                                    PlanCounts &counts);

/// Measures every candidate of `item` (its `source` bound); its cost is the
/// error, or 0 for an override (it has no sensitivity of its own).
void measure(Item &item, ::llmq::runtime::ThreadPool &pool);

/// The mean KLD of the model with weight `item` replaced by `packed`, its
/// rows in `format`.
using KldProbe = llvm::function_ref<llvm::Expected<double>(
    const Item &item, ::llmq::Format format, llvm::ArrayRef<uint8_t> packed)>;

/// Scales every candidate's cost of every quantizable item by the item's
/// sensitivity: the KLD `probe` measures with the item quantized to its
/// smallest candidate, per unit of that candidate's error.
llvm::Error weighBySensitivity(std::vector<Item> &items, KldProbe probe,
                               ::llmq::runtime::ThreadPool &pool);

/// What the knapsack chose, summed over all items.
struct Assignment {
  uint64_t budget = 0, bytes = 0;
  double error = 0; ///< measured error
  double cost = 0;  ///< what was minimised (the estimated KLD with probes)
};

/// The budget of `target-bytes` (if > 0) or `target-bpw` over `elements`.
uint64_t budgetBytes(double targetBpw, int64_t targetBytes, uint64_t elements);

/// Chooses every quantizable item's candidate (`Item::chosen`) by the exact
/// knapsack with all items' bytes at most `budget`; an error says by how
/// much the budget is short.
llvm::Expected<Assignment> chooseFormats(std::vector<Item> &items,
                                         uint64_t budget);

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_OPTIMIZER_H
