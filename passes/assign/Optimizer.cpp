//===- Optimizer.cpp - Formats by measured error under a budget -----------===//

#include "passes/assign/Optimizer.h"

#include "formats/CheckedArith.h"
#include "passes/assign/Knapsack.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>

#define DEBUG_TYPE "llmq-assign-bits"

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
using namespace mlir::llmq::llamacpp;
using ::llmq::Format;
using ::llmq::TensorFormat;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
}

std::vector<Format> assign::candidateFormats(int64_t cols) {
  std::vector<Format> formats;
  for (Format f : {Format::Q2_K, Format::Q3_K, Format::Q4_K, Format::Q5_K,
                   Format::Q6_K, Format::Q8_0}) {
    QuantizeState unused;
    Format g = fallback(unused, f, cols);
    if (llvm::find(formats, g) == formats.end())
      formats.push_back(g);
  }
  return formats;
}

llvm::Expected<Problem> assign::makeProblem(llvm::ArrayRef<Tensor> tensors,
                                            Overrides &overrides, bool probing,
                                            PlanCounts &counts) {
  bool hasOutput = llvm::any_of(
      tensors, [](const Tensor &t) { return t.name == "output.weight"; });
  Problem problem;
  QuantizeState overrideState;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor &tensor = tensors[i];
    auto tooLarge = [&] {
      return error("'" + tensor.symbol + "' (" + shapeText(tensor.shape) +
                   ") is too large");
    };
    std::optional<uint64_t> elements = ::llmq::checkedProduct(tensor.shape);
    if (!elements)
      return tooLarge();
    problem.elements += *elements;
    Item item;
    item.tensor = i;
    item.symbol = tensor.symbol;
    item.name = tensor.name;
    item.cols = tensor.shape.empty() ? 1 : tensor.shape.back();
    item.rows = item.cols == 0 ? 0 : *elements / item.cols;
    item.quantizable = allowsQuantization(item.name, tensor.shape.size());
    auto add = [&](const TensorFormat &format) -> llvm::Error {
      std::optional<uint64_t> bytes = tensorBytes(tensor.shape, format);
      if (!bytes)
        return tooLarge();
      item.candidates.push_back({format, *bytes, 0.0, 0.0});
      return llvm::Error::success();
    };
    Overrides::Override *override =
        item.quantizable ? overrides.match(item.name) : nullptr;
    if (override) {
      // Fixed by the pattern, outside the knapsack; its error is measured
      // when it is a ggml type (the only ones measure() quantizes).
      llvm::Expected<TensorFormat> f =
          fitFormat(overrideState, override->format, tensors, i,
                    "tensor-type '" + override->spec + "'");
      if (!f)
        return f.takeError();
      if (llvm::Error err = add(*f))
        return std::move(err);
      item.quantizable = false;
      item.fixed = true;
      item.measured = f->isGgml();
      ++counts.overridden;
    } else if (item.quantizable) {
      // Rule without sensitivity probes: the output head (and tied
      // embeddings serving as it) keeps q6_K or better, as in every preset:
      // its error reaches the logits directly, which the per-tensor error
      // does not see. The probes measure exactly that, so they lift it.
      Category category = categoryOf(item.name);
      bool head = (category == Category::Output ||
                   (category == Category::TokenEmbd && !hasOutput)) &&
                  !probing;
      item.measured = true;
      for (Format f : candidateFormats(item.cols)) {
        if (head && ::llmq::bitsPerWeight(f) < 6.5)
          continue;
        if (llvm::Error err = add(TensorFormat::ggmlFormat(f)))
          return std::move(err);
      }
    } else {
      if (llvm::Error err = add(TensorFormat::ggmlFormat(Format::F32)))
        return std::move(err);
    }
    problem.items.push_back(std::move(item));
  }
  counts.fallbacks += overrideState.nFallback;
  return problem;
}

void assign::measure(Item &item, ::llmq::runtime::ThreadPool &pool) {
  std::vector<Format> formats;
  for (const Candidate &c : item.candidates)
    formats.push_back(c.format.ggml);
  std::vector<double> errors = measureErrors(item.source, formats, pool);
  for (size_t i = 0; i < errors.size(); ++i) {
    item.candidates[i].error = errors[i];
    // An override's error counts in assigned_error; with no sensitivity of
    // its own it adds nothing to the cost the knapsack minimises.
    item.candidates[i].cost = item.fixed ? 0 : errors[i];
  }
}

llvm::Error assign::weighBySensitivity(std::vector<Item> &items,
                                       KldProbe probe,
                                       ::llmq::runtime::ThreadPool &pool) {
  for (Item &item : items) {
    if (!item.quantizable)
      continue;
    // The smallest candidate: the largest error, so the KLD it causes is
    // well above rounding and the ratio is measured where it matters most.
    Format probeFormat = item.candidates.front().format.ggml;
    double error = 0;
    std::vector<uint8_t> packed =
        quantizeRows(item.source, probeFormat, pool, error);
    llvm::Expected<double> kld = probe(item, probeFormat, packed);
    if (!kld)
      return kld.takeError();
    item.sensitivity = error > 0 ? *kld / error : 0.0;
    LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                   "{0}: {1} error {2:E4} kld {3:E4} sensitivity {4:E4}\n",
                   item.name, ::llmq::getFormatTraits(probeFormat).name, error,
                   *kld, item.sensitivity));
    for (Candidate &c : item.candidates)
      c.cost = c.error * item.sensitivity;
  }
  return llvm::Error::success();
}

uint64_t assign::budgetBytes(double targetBpw, int64_t targetBytes,
                             uint64_t elements) {
  return targetBytes > 0
             ? static_cast<uint64_t>(targetBytes)
             : static_cast<uint64_t>(std::floor(targetBpw * elements / 8.0));
}

llvm::Expected<Assignment> assign::chooseFormats(std::vector<Item> &items,
                                                 uint64_t budget) {
  uint64_t fixedBytes = 0, maxBytes = 0, minBytes = 0;
  std::vector<Item *> choosing;
  std::vector<std::vector<KnapsackChoice>> choices;
  for (Item &item : items) {
    if (!item.quantizable) {
      fixedBytes += item.candidates[0].bytes;
      continue;
    }
    uint64_t largest = 0, smallest = std::numeric_limits<uint64_t>::max();
    std::vector<KnapsackChoice> &list = choices.emplace_back();
    for (const Candidate &c : item.candidates) {
      largest = std::max(largest, c.bytes);
      smallest = std::min(smallest, c.bytes);
      list.push_back({c.bytes, c.cost});
    }
    maxBytes += largest;
    minBytes += smallest;
    choosing.push_back(&item);
  }
  minBytes += fixedBytes;
  if (budget < minBytes)
    return error("budget of " + llvm::Twine(budget) +
                 " bytes is below the smallest assignment, " +
                 llvm::Twine(minBytes) + " bytes");
  uint64_t unit = knapsackUnit(maxBytes);
  uint64_t available = std::min(budget - fixedBytes, maxBytes + unit);
  std::optional<std::vector<size_t>> chosen =
      solveKnapsack(choices, available, unit);
  if (!chosen)
    return error("budget of " + llvm::Twine(budget) +
                 " bytes is below the smallest assignment after rounding to " +
                 llvm::Twine(unit) + "-byte units");
  for (size_t i = 0; i < choosing.size(); ++i)
    choosing[i]->chosen = (*chosen)[i];

  Assignment result;
  result.budget = budget;
  for (const Item &item : items) {
    const Candidate &c = item.candidates[item.chosen];
    result.bytes += c.bytes;
    result.error += c.error;
    result.cost += c.cost;
  }
  return result;
}
