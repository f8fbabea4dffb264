//===- LlmqOps.cpp - llmq operations and their verifiers -------------------===//
//
// The verifiers hold every structural invariant of a model, so passes and
// backends can rely on them: weights have the shapes the architecture table
// and the hyperparameters say, blocks come in order, references resolve.
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/Architectures.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace mlir::llmq;

#define GET_OP_CLASSES
#include "dialects/Llmq/LlmqOps.cpp.inc"

std::string mlir::llmq::formatNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// Prints a shape as "256x768".
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  for (int64_t d : shape) {
    if (!text.empty())
      text += "x";
    text += std::to_string(d);
  }
  return text;
}

//===----------------------------------------------------------------------===//
// WeightOp
//===----------------------------------------------------------------------===//

LogicalResult WeightOp::verify() {
  RankedTensorType type = getTensorType();
  if (type.getRank() < 1 || type.getRank() > 2)
    return emitOpError("weight '")
           << getSymName() << "' has rank " << type.getRank()
           << ", expected 1 or 2";
  if (!type.hasStaticShape() ||
      llvm::any_of(type.getShape(), [](int64_t d) { return d <= 0; }))
    return emitOpError("weight '")
           << getSymName() << "' needs a static, non-empty shape";
  Type element = type.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16())
    return emitOpError("weight '")
           << getSymName() << "' has element type " << element
           << ", expected f32, f16 or bf16";
  if (FloatAttr scale = getRowScaleAttr())
    if (!std::isfinite(scale.getValueAsDouble()))
      return emitOpError("row_scale of '")
             << getSymName() << "' is " << formatNumber(scale.getValueAsDouble())
             << ", expected a finite number";
  // Analyses that name entries or columns of this weight.
  auto *dialect = cast<LlmqDialect>((*this)->getDialect());
  if (ArrayAttr pinned = dialect->getPinnedAttrHelper().getAttr(*this)) {
    if (type.getRank() != 2)
      return emitOpError("weight '")
             << getSymName() << "' is 1-D; only matrices have pins";
    for (auto pin : pinned.getAsRange<PinAttr>())
      if (pin.getRow() >= type.getDimSize(0) ||
          pin.getCol() >= type.getDimSize(1))
        return emitOpError("pin at (")
               << pin.getRow() << ", " << pin.getCol() << ") is outside '"
               << getSymName() << "' of shape " << formatShape(type.getShape());
  }
  if (dialect->getImportanceAttrHelper().getAttr(*this) && type.getRank() != 2)
    return emitOpError("weight '")
           << getSymName() << "' is 1-D; only matrices have an importance";
  return success();
}

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

WeightOp ModelOp::lookupWeight(StringRef name) {
  return dyn_cast_or_null<WeightOp>(
      mlir::SymbolTable::lookupSymbolIn(*this, StringAttr::get(getContext(), name)));
}

WeightOp ModelOp::untieLmHead() {
  auto heads = getBody().getOps<LmHeadOp>();
  if (heads.empty())
    return WeightOp();
  LmHeadOp head = *heads.begin();
  WeightOp weight = lookupWeight(head.getWeight());
  if (!weight || !getTiedEmbeddings())
    return weight;
  OpBuilder builder(getContext());
  builder.setInsertionPointAfter(weight);
  weight = cast<WeightOp>(builder.clone(*weight));
  weight.setSymName(kLmHeadName);
  head.setWeight(kLmHeadName);
  setTiedEmbeddings(false);
  return weight;
}

std::map<Role, WeightOp> BlockOp::getWeightsByRole() {
  std::map<Role, WeightOp> weights;
  auto model = cast<ModelOp>((*this)->getParentOp());
  for (NamedAttribute entry : getWeights()) {
    std::optional<Role> role = lookupRole(entry.getName().getValue());
    auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
    if (!role || !symbol)
      continue;
    if (WeightOp weight = model.lookupWeight(symbol.getValue()))
      weights[*role] = weight;
  }
  return weights;
}

static ModelDims getDims(ModelOp model) {
  ModelDims dims;
  dims.hidden = model.getHiddenSize();
  dims.numHeads = model.getNumHeads();
  dims.numKVHeads = model.getNumKvHeads();
  dims.headDim = model.getHeadDim();
  dims.ffn = model.getFfnSize();
  dims.vocab = model.getVocabSize();
  return dims;
}

LogicalResult ModelOp::verify() {
  if (!lookupArch(getArch()))
    return emitOpError("unknown architecture '")
           << getArch() << "' (known: " << listArchitectures() << ")";
  std::pair<StringRef, int64_t> sizes[] = {
      {"hidden_size", getHiddenSize()}, {"num_layers", getNumLayers()},
      {"num_heads", getNumHeads()},     {"num_kv_heads", getNumKvHeads()},
      {"head_dim", getHeadDim()},       {"ffn_size", getFfnSize()},
      {"vocab_size", getVocabSize()},   {"context_length", getContextLength()}};
  for (auto [name, value] : sizes)
    if (value <= 0)
      return emitOpError() << name << " is " << value << ", expected > 0";
  if (getNumHeads() % getNumKvHeads() != 0)
    return emitOpError("num_heads ")
           << getNumHeads() << " is not a multiple of num_kv_heads "
           << getNumKvHeads();
  if (getNormEps().convertToDouble() <= 0 ||
      getRopeTheta().convertToDouble() <= 0)
    return emitOpError("norm_eps and rope_theta must be positive");
  return success();
}

/// Analysis attributes as passes wrote them before they were declared
/// (unprefixed, untyped): refused with their new spelling rather than
/// silently ignored.
static LogicalResult checkOldAnalysisNames(Operation *op) {
  static const StringLiteral kOld[] = {
      "influence",     "angular_distance", "stats",         "pinned",
      "quant_error",   "sensitivity",      "super_weights", "assigned_bytes",
      "assigned_bpw",  "assigned_error",   "estimated_kld"};
  for (NamedAttribute attr : op->getDiscardableAttrs()) {
    StringRef name = attr.getName().strref();
    if (name == "imatrix")
      return op->emitOpError(
          "'imatrix' is no longer read: importance lives on each weight as "
          "'llmq.importance' (run --llmq-imatrix in=FILE again)");
    if (llvm::is_contained(kOld, name))
      return op->emitOpError("'")
             << name << "' is spelled 'llmq." << name << "'";
  }
  return success();
}

namespace {
/// Checks references from structure ops against the weights and their shapes.
class StructureChecker {
public:
  StructureChecker(ModelOp model)
      : model(model), symbols(model), dims(getDims(model)) {}

  /// Checks that `ref`, used by `user` as `what`, names a weight of `shape`.
  LogicalResult check(Operation *user, StringRef what, FlatSymbolRefAttr ref,
                      ArrayRef<int64_t> shape, StringRef shapeMeaning) {
    auto weight = symbols.lookup<WeightOp>(ref.getValue());
    if (!weight)
      return user->emitOpError()
             << what << " refers to '" << ref.getValue()
             << "', which is not a llmq.weight";
    ArrayRef<int64_t> actual = weight.getTensorType().getShape();
    if (actual != shape) {
      InFlightDiagnostic diag = user->emitOpError()
                                << what << " '" << ref.getValue()
                                << "' has shape " << formatShape(actual)
                                << ", expected " << formatShape(shape) << " ("
                                << shapeMeaning << ")";
      diag.attachNote(weight.getLoc()) << "weight defined here";
      return diag;
    }
    return success();
  }

  LogicalResult checkBlock(BlockOp block, const ArchInfo &arch) {
    llvm::StringSet<> seen;
    for (NamedAttribute entry : block.getWeights()) {
      StringRef roleName = entry.getName().strref();
      std::optional<Role> role = lookupRole(roleName);
      bool inArch = role && llvm::any_of(arch.blockTensors,
                                         [&](const BlockTensor &t) {
                                           return t.role == *role;
                                         });
      if (!inArch)
        return block.emitOpError("role '")
               << roleName << "' is not part of a '" << arch.name << "' block";
      auto ref = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (!ref)
        return block.emitOpError("role '")
               << roleName << "' must map to a weight symbol";
      const RoleInfo &info = getRoleInfo(*role);
      SmallVector<int64_t, 2> shape;
      std::string meaning;
      for (unsigned i = 0; i < info.rank; ++i) {
        shape.push_back(resolveDim(info.shape[i], dims));
        if (i)
          meaning += " x ";
        meaning += dimName(info.shape[i]);
      }
      if (failed(check(block, "role '" + roleName.str() + "'", ref, shape,
                       meaning)))
        return failure();
      seen.insert(roleName);
    }
    for (const BlockTensor &t : arch.blockTensors)
      if (!seen.contains(getRoleInfo(t.role).name))
        return block.emitOpError("block ")
               << block.getIndex() << " lacks role '"
               << getRoleInfo(t.role).name << "'";
    return success();
  }

  static StringRef dimName(Dim dim) {
    switch (dim) {
    case Dim::Hidden:
      return "hidden_size";
    case Dim::QOut:
      return "num_heads * head_dim";
    case Dim::KVOut:
      return "num_kv_heads * head_dim";
    case Dim::Ffn:
      return "ffn_size";
    case Dim::HeadDim:
      return "head_dim";
    case Dim::Vocab:
      return "vocab_size";
    }
    llvm_unreachable("unknown Dim");
  }

  ModelOp model;
  SymbolTable symbols;
  ModelDims dims;
};
} // namespace

LogicalResult ModelOp::verifyRegions() {
  const ArchInfo *arch = lookupArch(getArch());
  if (!arch)
    return failure(); // verify() already reported it.
  StructureChecker checker(*this);
  int64_t vocab = getVocabSize(), hidden = getHiddenSize();
  std::string matrixMeaning = "vocab_size x hidden_size";

  EmbeddingOp embedding;
  FinalNormOp finalNorm;
  LmHeadOp lmHead;
  int64_t nextBlock = 0;
  unsigned numMasks = 0;
  for (Operation &op : getBody().front()) {
    if (isa<WeightOp>(op))
      continue;
    // Structure comes in execution order: embedding, blocks, norm, head.
    if (auto e = dyn_cast<EmbeddingOp>(op)) {
      if (embedding)
        return e.emitOpError("duplicate llmq.embedding");
      embedding = e;
      if (failed(checker.check(e, "embedding", e.getWeightAttr(),
                               {vocab, hidden}, matrixMeaning)))
        return failure();
    } else if (auto b = dyn_cast<BlockOp>(op)) {
      if (!embedding || finalNorm)
        return b.emitOpError("blocks must come after llmq.embedding and "
                             "before llmq.final_norm");
      if (static_cast<int64_t>(b.getIndex()) != nextBlock)
        return b.emitOpError("block index ")
               << b.getIndex() << ", expected " << nextBlock;
      ++nextBlock;
      if (failed(checker.checkBlock(b, *arch)))
        return failure();
    } else if (auto n = dyn_cast<FinalNormOp>(op)) {
      if (finalNorm)
        return n.emitOpError("duplicate llmq.final_norm");
      finalNorm = n;
      if (failed(checker.check(n, "final norm", n.getWeightAttr(), {hidden},
                               "hidden_size")))
        return failure();
    } else if (auto h = dyn_cast<LmHeadOp>(op)) {
      if (lmHead)
        return h.emitOpError("duplicate llmq.lm_head");
      if (!finalNorm)
        return h.emitOpError("llmq.lm_head must come after llmq.final_norm");
      lmHead = h;
      if (failed(checker.check(h, "lm head", h.getWeightAttr(),
                               {vocab, hidden}, matrixMeaning)))
        return failure();
    } else if (auto m = dyn_cast<LogitMaskOp>(op)) {
      if (++numMasks > 1)
        return m.emitOpError("duplicate llmq.logit_mask");
      if (!std::isfinite(m.getFactor().convertToDouble()))
        return m.emitOpError("factor is ")
               << formatNumber(m.getFactor().convertToDouble())
               << ", expected a finite number";
      for (ArrayRef<int64_t> ids : {m.getBanned(), m.getAmplified()})
        for (int64_t id : ids)
          if (id < 0 || id >= vocab)
            return m.emitOpError("token id ")
                   << id << " is outside the vocabulary [0, " << vocab << ")";
    } else {
      return op.emitOpError("is not allowed inside llmq.model");
    }
  }
  if (!embedding || !finalNorm || !lmHead)
    return emitOpError("needs llmq.embedding, llmq.final_norm and "
                       "llmq.lm_head");
  if (nextBlock != static_cast<int64_t>(getNumLayers()))
    return emitOpError("has ")
           << nextBlock << " blocks, but num_layers is " << getNumLayers();
  if (failed(checkOldAnalysisNames(*this)))
    return failure();
  for (Operation &op : getBody().front())
    if (failed(checkOldAnalysisNames(&op)))
      return failure();
  // Super weights name weights of this model, inside their shapes.
  auto *dialect = cast<LlmqDialect>((*this)->getDialect());
  if (ArrayAttr list = dialect->getSuperWeightsAttrHelper().getAttr(*this)) {
    for (auto entry : list.getAsRange<SuperWeightAttr>()) {
      StringRef name = entry.getWeight().getValue();
      WeightOp weight = lookupWeight(name);
      if (!weight)
        return emitOpError("super weight refers to '")
               << name << "', which is not a llmq.weight";
      RankedTensorType type = weight.getTensorType();
      if (type.getRank() != 2 || entry.getRow() >= type.getDimSize(0) ||
          entry.getCol() >= type.getDimSize(1)) {
        InFlightDiagnostic diag =
            emitOpError("super weight at (")
            << entry.getRow() << ", " << entry.getCol() << ") is outside '"
            << name << "' of shape " << formatShape(type.getShape());
        diag.attachNote(weight.getLoc()) << "weight defined here";
        return diag;
      }
    }
  }
  bool sharesWeight = lmHead.getWeight() == embedding.getWeight();
  if (sharesWeight != getTiedEmbeddings())
    return emitOpError("tied_embeddings is ")
           << (getTiedEmbeddings() ? "true" : "false") << ", but the lm head "
           << (sharesWeight ? "is" : "is not") << " the embedding";
  return success();
}
