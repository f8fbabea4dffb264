//===- DropLayers.cpp - Remove transformer blocks -------------------------===//
//
// Removes blocks chosen by index, by lowest influence, or by uniform
// sampling, then renumbers the rest so that block i is again the i-th block
// and its weights are named blk.i.*, as every backend expects.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/LlmqOps.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

#define DEBUG_TYPE "llmq-drop-layers"

namespace mlir::llmq {
#define GEN_PASS_DEF_DROPLAYERS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
struct DropLayersPass
    : public mlir::llmq::impl::DropLayersBase<DropLayersPass> {
  using DropLayersBase::DropLayersBase;
  void runOnOperation() override;

private:
  FailureOr<llvm::SmallSet<int64_t, 8>> chooseBlocks(ModelOp model,
                                                     ArrayRef<BlockOp> blocks);
};
} // namespace

/// The blocks uniform sampling keeps: round(i * (n - 1) / (keep - 1)) for
/// i = 0..keep-1, rounding halves to even as Python's round does.
static llvm::SmallSet<int64_t, 8> uniformKeep(int64_t n, int64_t keep) {
  llvm::SmallSet<int64_t, 8> kept;
  for (int64_t i = 0; i < keep; ++i)
    kept.insert(static_cast<int64_t>(std::nearbyint(
        static_cast<double>(i * (n - 1)) / static_cast<double>(keep - 1))));
  return kept;
}

FailureOr<llvm::SmallSet<int64_t, 8>>
DropLayersPass::chooseBlocks(ModelOp model, ArrayRef<BlockOp> blocks) {
  int64_t n = blocks.size();
  auto *dialect = model.getContext()->getLoadedDialect<LlmqDialect>();
  llvm::SmallSet<int64_t, 8> drop;
  int modes = !indices.empty() + (by != DropLayersBy::None);
  if (modes != 1) {
    model.emitError("llmq-drop-layers: give exactly one of indices=..., "
                    "count=N by=influence, keep=K by=uniform");
    return failure();
  }
  if (!indices.empty()) {
    for (int64_t index : indices) {
      if (index < 0 || index >= n) {
        model.emitError("llmq-drop-layers: block ")
            << index << " does not exist (the model has " << n << ")";
        return failure();
      }
      if (!drop.insert(index).second) {
        model.emitError("llmq-drop-layers: block ") << index << " named twice";
        return failure();
      }
    }
  } else if (by == DropLayersBy::Uniform) {
    if (keep < 2 || keep > n) {
      model.emitError("llmq-drop-layers: keep=")
          << keep.getValue() << " is outside [2, " << n << "]";
      return failure();
    }
    llvm::SmallSet<int64_t, 8> kept = uniformKeep(n, keep);
    for (int64_t i = 0; i < n; ++i)
      if (!kept.contains(i))
        drop.insert(i);
  } else {
    if (count < 1 || count > n - 2 * !allowEnds) {
      model.emitError("llmq-drop-layers: count=")
          << count.getValue() << " is not a number of blocks that can go";
      return failure();
    }
    SmallVector<std::pair<double, int64_t>> ranked;
    for (BlockOp block : blocks) {
      FloatAttr influence = dialect->getInfluenceAttrHelper().getAttr(block);
      if (!influence) {
        block.emitError("llmq-drop-layers: block ")
            << block.getIndex()
            << " has no influence; run --llmq-block-influence first";
        return failure();
      }
      int64_t index = block.getIndex();
      if (allowEnds || (index != 0 && index != n - 1))
        ranked.push_back({influence.getValueAsDouble(), index});
    }
    llvm::sort(ranked); // lowest influence first, then lowest index
    for (int64_t i = 0; i < count; ++i)
      drop.insert(ranked[i].second);
  }
  if (!allowEnds && (drop.contains(0) || drop.contains(n - 1))) {
    model.emitError("llmq-drop-layers: dropping the first or last block "
                    "needs allow-ends=true");
    return failure();
  }
  return drop;
}

/// blk.<old>.rest -> blk.<index>.rest
static std::string renumber(StringRef symbol, int64_t index) {
  StringRef rest = symbol;
  if (!rest.consume_front("blk."))
    return symbol.str();
  rest = rest.drop_until([](char c) { return c == '.'; });
  return "blk." + std::to_string(index) + rest.str();
}

void DropLayersPass::runOnOperation() {
  auto *dialect = getContext().getLoadedDialect<LlmqDialect>();
  for (ModelOp model : getOperation().getOps<ModelOp>()) {
    SmallVector<BlockOp> blocks(model.getBody().getOps<BlockOp>());
    FailureOr<llvm::SmallSet<int64_t, 8>> drop = chooseBlocks(model, blocks);
    if (failed(drop))
      return signalPassFailure();
    SymbolTable symbols(model);
    OpBuilder builder(model.getContext());
    // Analyses that name weights from outside them (the model's super
    // weights) follow the renames and lose the dropped; those on the ops
    // (pins, importance, stats, a block's influence) travel with them.
    llvm::StringMap<std::optional<std::string>> renames;
    int64_t kept = 0;
    for (BlockOp block : blocks) {
      bool dropped = drop->contains(block.getIndex());
      for (NamedAttribute entry : block.getWeights()) {
        StringRef old = cast<FlatSymbolRefAttr>(entry.getValue()).getValue();
        renames[old] = dropped ? std::nullopt
                               : std::optional(renumber(old, kept));
      }
      kept += !dropped;
    }
    auto superWeights = dialect->getSuperWeightsAttrHelper();
    ArrayAttr superList = superWeights.getAttr(model);
    int64_t next = 0;
    for (BlockOp block : blocks) {
      DictionaryAttr weights = block.getWeights();
      if (drop->contains(block.getIndex())) {
        for (NamedAttribute entry : weights)
          if (Operation *weight = symbols.lookup(
                  cast<FlatSymbolRefAttr>(entry.getValue()).getValue()))
            symbols.erase(weight);
        block.erase();
        ++numDropped;
        continue;
      }
      // Earlier blocks already moved down, so the new names are free.
      NamedAttrList renamed;
      for (NamedAttribute entry : weights) {
        StringRef old = cast<FlatSymbolRefAttr>(entry.getValue()).getValue();
        std::string name = renumber(old, next);
        if (name != old)
          if (failed(symbols.rename(StringAttr::get(model.getContext(), old),
                                    StringAttr::get(model.getContext(), name))))
            return signalPassFailure();
        renamed.append(entry.getName(),
                       FlatSymbolRefAttr::get(model.getContext(), name));
      }
      block.setWeightsAttr(renamed.getDictionary(model.getContext()));
      block.setIndex(next++);
    }
    model.setNumLayers(next);
    // Totals over all weights (assign-bits') no longer describe the model.
    if (!drop->empty()) {
      model->removeAttr(dialect->getAssignedBytesAttrHelper().getName());
      model->removeAttr(dialect->getAssignedBpwAttrHelper().getName());
      model->removeAttr(dialect->getAssignedErrorAttrHelper().getName());
      model->removeAttr(dialect->getEstimatedKldAttrHelper().getName());
    }
    if (superList) {
      SmallVector<Attribute> updated;
      for (auto entry : superList.getAsRange<SuperWeightAttr>()) {
        auto it = renames.find(entry.getWeight().getValue());
        if (it == renames.end()) {
          updated.push_back(entry);
        } else if (it->second) {
          updated.push_back(SuperWeightAttr::get(
              model.getContext(),
              FlatSymbolRefAttr::get(model.getContext(), *it->second),
              entry.getRow(), entry.getCol(), entry.getValue()));
        }
      }
      superWeights.setAttr(model, builder.getArrayAttr(updated));
    }
  }
}
