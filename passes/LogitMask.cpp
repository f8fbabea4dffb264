//===- LogitMask.cpp - Ban and amplify token ids --------------------------===//
//
// The FuriosaAI builder's edit: some ids must never be generated, others are
// made more likely. Bans stay a llmq.logit_mask (-inf is not a weight);
// multiplicative amplification folds into the LM head's rows, so every
// consumer of the weights applies it without knowing about masks.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/OutputPaths.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>

#define DEBUG_TYPE "llmq-logit-mask"

namespace mlir::llmq {
#define GEN_PASS_DEF_LOGITMASK
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;

namespace {
struct LogitMaskPass : public mlir::llmq::impl::LogitMaskBase<LogitMaskPass> {
  using LogitMaskBase::LogitMaskBase;
  void runOnOperation() override;

private:
  LogicalResult apply(ModelOp model);
};
} // namespace

/// Reads comma-separated (whitespace allowed) ids from `path` into `ids`.
static LogicalResult readIds(ModelOp model, StringRef option, StringRef path,
                             SmallVectorImpl<int64_t> &ids) {
  ::llmq::protectInput(path, "an ids file");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return model.emitError("llmq-logit-mask: ")
           << option << " '" << path
           << "': cannot read: " << buffer.getError().message();
  SmallVector<StringRef> fields;
  (*buffer)->getBuffer().split(fields, ',');
  size_t before = ids.size();
  for (StringRef field : fields) {
    field = field.trim();
    if (field.empty())
      continue;
    int64_t id;
    if (field.getAsInteger(10, id))
      return model.emitError("llmq-logit-mask: ")
             << option << " '" << path << "': '" << field
             << "' is not a token id";
    ids.push_back(id);
  }
  if (ids.size() == before)
    return model.emitError("llmq-logit-mask: ")
           << option << " '" << path << "' holds no token ids";
  return success();
}

/// Analyses measured on `weight`'s values before some rows were scaled (or
/// copied from the embedding it was untied from): statistics, quantization
/// error and sensitivity no longer describe it and go (run the analysis
/// again). Pins keep the value as found in the source, as the source's
/// values do under `row_scale`.
static void forgetUnscaledAnalyses(WeightOp weight) {
  auto *dialect = weight->getContext()->getLoadedDialect<LlmqDialect>();
  weight->removeAttr(dialect->getStatsAttrHelper().getName());
  weight->removeAttr(dialect->getQuantErrorAttrHelper().getName());
  weight->removeAttr(dialect->getSensitivityAttrHelper().getName());
}

LogicalResult LogitMaskPass::apply(ModelOp model) {
  auto fail = [&](const Twine &message) {
    model.emitError("llmq-logit-mask: ") << message;
    return failure();
  };
  if (!std::isfinite(factor))
    return fail("factor=" + formatOptionValue(factor) +
                " is not a finite number");
  if (mode == LogitMaskMode::Scale && factor <= 0)
    return fail("factor=" + formatOptionValue(factor) +
                " must be > 0 in mode=scale");
  SmallVector<int64_t> banned(ban.begin(), ban.end());
  SmallVector<int64_t> amplified(amplify.begin(), amplify.end());
  if (!banFile.empty() && failed(readIds(model, "ban-file", banFile, banned)))
    return failure();
  if (!amplifyFile.empty() &&
      failed(readIds(model, "amplify-file", amplifyFile, amplified)))
    return failure();
  if (banned.empty() && amplified.empty())
    return fail("nothing to do: give ban=, ban-file=, amplify= or "
                "amplify-file=");
  int64_t vocab = model.getVocabSize();
  llvm::SmallSet<int64_t, 16> seenBan, seenAmp;
  for (auto [ids, seen, what] :
       {std::make_tuple(&banned, &seenBan, "banned"),
        std::make_tuple(&amplified, &seenAmp, "amplified")}) {
    for (int64_t id : *ids) {
      if (id < 0 || id >= vocab)
        return fail(Twine(what) + " id " + Twine(id) +
                    " is outside the vocabulary [0, " + Twine(vocab) + ")");
      if (!seen->insert(id).second)
        return fail(Twine(what) + " id " + Twine(id) + " is listed twice");
    }
  }
  for (int64_t id : amplified)
    if (seenBan.contains(id))
      return fail("id " + Twine(id) + " is both banned and amplified");
  llvm::sort(banned);
  llvm::sort(amplified);

  OpBuilder builder(model.getContext());
  SmallVector<int64_t> biased;
  double bias = 0;
  if (!amplified.empty() && mode == LogitMaskMode::Scale) {
    LmHeadOp head = *model.getBody().getOps<LmHeadOp>().begin();
    WeightOp weight = model.lookupWeight(head.getWeight());
    if (weight.getScaledRowsAttr())
      return fail("the LM head '" + weight.getSymName() +
                  "' is amplified already");
    // Untied, so that the input embeddings keep their values.
    weight = model.untieLmHead();
    weight.setScaledRowsAttr(builder.getDenseI64ArrayAttr(amplified));
    weight.setRowScaleAttr(builder.getF64FloatAttr(factor));
    forgetUnscaledAnalyses(weight);
  } else if (!amplified.empty()) {
    biased = amplified;
    bias = factor;
  }
  if (banned.empty() && biased.empty())
    return success();
  if (!model.getBody().getOps<LogitMaskOp>().empty())
    return fail("the model has a llmq.logit_mask already");
  builder.setInsertionPointToEnd(&model.getBody().front());
  LogitMaskOp::create(builder, model.getLoc(), banned, biased, APFloat(bias));
  return success();
}

void LogitMaskPass::runOnOperation() {
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(apply(model)))
      return signalPassFailure();
}
