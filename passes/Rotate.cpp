//===- Rotate.cpp - Hadamard rotations folded into the weights ------------===//
//
// Rotates the residual stream by one orthogonal Q (passes/rotate/Hadamard.h)
// and, with `heads`, each layer's attention values by a head_dim-sized P,
// folding both into the weights so that the model computes what it computed
// (QuaRot's and SpinQuant's R1 and R2, without their online rotations):
//
//   h' = Q^T h             the residual, in every block;
//   embedding rows e       -> Q^T e
//   q, k, v, gate, up, head W -> diag(norm) folded in, then W Q
//   o, down                W -> Q^T W       (rows: they write the residual)
//   attn/ffn/final norms   -> 1             (RMS norm commutes with Q only
//                                            without a per-channel weight)
//   v rows of each kv head -> P^T v,  o columns of each query head -> o P.
//
// Rotated tensors go, as f32, to the parameter file `out=`, and their
// weights point there; formats stay. Rotating spreads the large coordinates
// of weights and activations over whole Hadamard blocks, which rounds to
// low-bit formats with less error (docs/passes/rotate.md measures it).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ParameterFile.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/Formats.h"
#include "formats/files/MappedFile.h"
#include "passes/rotate/Hadamard.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"

#include <map>
#include <tuple>

#define DEBUG_TYPE "llmq-rotate"

namespace mlir::llmq {
#define GEN_PASS_DEF_ROTATE
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::rotate::Rotation;

namespace {
struct RotatePass : public mlir::llmq::impl::RotateBase<RotatePass> {
  using RotateBase::RotateBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
};

/// What one weight becomes. Rows and columns are the HF layout's (output
/// features first); a vector (a norm, a bias) is one column of values.
struct Transform {
  /// A norm folded into the linears after it: its values become 1.
  bool ones = false;
  /// Multiplies each column first (the norm before a linear).
  WeightOp columnScale;
  /// Rotates each row's columns over their whole width (reads the residual).
  const Rotation *rows = nullptr;
  /// Rotates each column's rows over their whole height (writes it).
  const Rotation *columns = nullptr;
  /// Rotates each head_dim-wide run of columns (o) or rows (v, v's bias).
  const Rotation *headColumns = nullptr, *headRows = nullptr;

  /// Whether a row of the output depends on other rows of the input.
  bool mixesRows() const { return columns || headRows; }
};
} // namespace

/// A block matrix on the residual stream: it reads the output of `norm`
/// (whose weight then folds into its columns), or, without one, writes
/// into the residual.
struct ResidualUse {
  Role role;
  std::optional<Role> norm;
};
static const ResidualUse kResidualUses[] = {
    {Role::AttnQ, Role::AttnNorm}, {Role::AttnK, Role::AttnNorm},
    {Role::AttnV, Role::AttnNorm}, {Role::AttnOutput, std::nullopt},
    {Role::FfnGate, Role::FfnNorm}, {Role::FfnUp, Role::FfnNorm},
    {Role::FfnDown, std::nullopt},
};
/// Norms between a sublayer and the residual: their weight does not commute
/// with a rotation of the residual.
static const Role kPostNorms[] = {Role::AttnPostNorm, Role::FfnPostNorm};

/// A weight's rows and columns as the algebra has them: a vector (a norm,
/// a bias) is one column.
static std::pair<int64_t, int64_t> algebraShape(WeightOp w) {
  ArrayRef<int64_t> shape = w.getTensorType().getShape();
  return {shape[0], shape.size() == 1 ? 1 : shape[1]};
}

/// The dtypes the parameter file may hold.
static const ::llmq::Format kStoredFormats[] = {
    ::llmq::Format::F32, ::llmq::Format::BF16, ::llmq::Format::F16};

/// The analyses whose numbers or coordinates belong to the weights as they
/// were: a rotated weight loses them.
static SmallVector<StringRef> staleWeightAttrs(LlmqDialect *dialect) {
  return {dialect->getStatsAttrHelper().getName(),
          dialect->getPinnedAttrHelper().getName(),
          dialect->getImportanceAttrHelper().getName(),
          dialect->getQuantErrorAttrHelper().getName(),
          dialect->getSensitivityAttrHelper().getName()};
}

LogicalResult RotatePass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-rotate: ") << message;
    return failure();
  };
  if (outFile.empty())
    return fail("needs out=FILE to write the rotated tensors to");
  std::optional<::llmq::Format> stored = ::llmq::lookupFormat(dtype);
  if (!stored || !llvm::is_contained(kStoredFormats, *stored))
    return fail("dtype='" + dtype + "' is not one of f32, bf16, f16");
  const ::llmq::FormatTraits &storedTraits = ::llmq::getFormatTraits(*stored);

  auto single = [&](auto ops) {
    return ops.empty() ? WeightOp()
                       : model.lookupWeight((*ops.begin()).getWeight());
  };
  WeightOp embedding = single(model.getBody().getOps<EmbeddingOp>());
  WeightOp finalNorm = single(model.getBody().getOps<FinalNormOp>());
  WeightOp head = single(model.getBody().getOps<LmHeadOp>());
  if (!embedding || !finalNorm || !head)
    return fail("the model needs an embedding, a final norm and a head");
  // A tied head is untied once the model is known to rotate: the final
  // norm's weight folds into the head's columns, not the embedding's.
  bool untie = embedding == head;

  int64_t hidden = model.getHiddenSize();
  int64_t headDim = model.getHeadDim();
  Rotation residual(hidden, seed, /*stream=*/0);
  // One P per layer, shared by its heads (any orthogonal P per kv head
  // would do; a different one per layer costs nothing).
  std::vector<std::unique_ptr<Rotation>> valueRotations;

  llvm::DenseMap<Operation *, Transform> plan;
  auto reads = [&](WeightOp w, WeightOp norm) {
    Transform &t = plan[w];
    t.rows = &residual;
    t.columnScale = norm;
  };

  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    int64_t index = block.getIndex();
    std::map<Role, WeightOp> weights = block.getWeightsByRole();
    auto get = [&](Role role) {
      auto it = weights.find(role);
      return it == weights.end() ? WeightOp() : it->second;
    };
    auto blockFail = [&](const llvm::Twine &why) {
      return fail("block " + llvm::Twine(index) + " " + why);
    };
    for (Role post : kPostNorms)
      if (get(post))
        return blockFail("has '" + getRoleInfo(post).name +
                         "', a norm after its sublayer: its weight scales "
                         "what enters the residual and does not commute "
                         "with a rotation (post-norm blocks: not supported)");
    for (const ResidualUse &use : kResidualUses)
      if (!get(use.role) || (use.norm && !get(*use.norm)))
        return blockFail("has no '" +
                         getRoleInfo(get(use.role) ? *use.norm : use.role)
                             .name +
                         "'");
    for (auto &[role, w] : weights)
      if (w.getScaledRows())
        return blockFail("weight '" + w.getSymName() +
                         "' has scaled rows, which a rotation would mix");

    for (const ResidualUse &use : kResidualUses) {
      WeightOp w = get(use.role);
      if (use.norm) {
        reads(w, get(*use.norm));
        plan[get(*use.norm)].ones = true;
      } else {
        plan[w].columns = &residual;
      }
    }
    if (heads) {
      valueRotations.push_back(
          std::make_unique<Rotation>(headDim, seed, /*stream=*/1 + index));
      const Rotation *p = valueRotations.back().get();
      for (Role role : {Role::AttnV, Role::AttnVBias})
        if (WeightOp w = get(role))
          plan[w].headRows = p;
      plan[get(Role::AttnOutput)].headColumns = p;
    }
  }
  if (untie) {
    head = model.untieLmHead();
    model.emitRemark("llmq-rotate: the head was tied to the embedding and is "
                     "now a weight of its own ('")
        << head.getSymName() << "', " << model.getVocabSize() << " x "
        << hidden << " more values to store)";
  }
  plan[embedding].rows = &residual; // each row is a residual vector: Q^T e
  reads(head, finalNorm);
  plan[finalNorm].ones = true;

  // In model order, so that the file and the IR do not depend on hashing.
  std::vector<WeightOp> rotated;
  std::vector<ParameterSpec> specs;
  for (WeightOp w : model.getBody().getOps<WeightOp>()) {
    if (!plan.count(w))
      continue;
    auto [rows, cols] = algebraShape(w);
    const Transform &t = plan[w];
    if ((t.rows && cols != hidden) || (t.columns && rows != hidden))
      return fail("weight '" + w.getSymName() + "' is " + llvm::Twine(rows) +
                  " x " + llvm::Twine(cols) + ", but the residual has " +
                  llvm::Twine(hidden) + " channels");
    if ((t.headRows && rows % headDim) || (t.headColumns && cols % headDim))
      return fail("weight '" + w.getSymName() + "' is not made of whole "
                  "heads of " + llvm::Twine(headDim));
    // The file's tensor: a vector is one row.
    bool vector = w.getTensorType().getRank() == 1;
    rotated.push_back(w);
    specs.push_back({w.getSymName().str(),
                     ::llmq::TensorFormat::ggmlFormat(*stored),
                     vector ? 1 : rows, vector ? rows : cols});
  }

  auto writer = ParameterFileWriter::create(outFile, specs);
  if (!writer)
    return fail(llvm::toString(writer.takeError()));
  WeightSources sources;
  // A norm's weight, read once for the linears it folds into.
  llvm::DenseMap<Operation *, std::vector<float>> norms;
  auto normValues = [&](WeightOp norm) -> llvm::Expected<const float *> {
    auto it = norms.find(norm);
    if (it == norms.end()) {
      int64_t r = 0, c = 0;
      auto values = sources.readFloats(norm, r, c);
      if (!values)
        return values.takeError();
      if (r * c != hidden)
        return llvm::createStringError("norm '" + norm.getSymName().str() +
                                       "' has " + std::to_string(r * c) +
                                       " values, the residual " +
                                       std::to_string(hidden));
      it = norms.try_emplace(norm, std::move(*values)).first;
    }
    return it->second.data();
  };

  std::vector<float> buffer;
  std::vector<uint8_t> encoded;
  for (auto [i, w] : llvm::enumerate(rotated)) {
    const Transform &t = plan[w];
    const ParameterSpec &spec = specs[i];
    int64_t rows, cols;
    std::tie(rows, cols) = algebraShape(w);
    const float *scale = nullptr;
    if (t.columnScale) {
      auto values = normValues(t.columnScale);
      if (!values)
        return fail(llvm::toString(values.takeError()));
      scale = *values;
    }
    auto transform = [&](float *values, int64_t n) {
      if (scale)
        for (int64_t r = 0; r < n; ++r)
          for (int64_t c = 0; c < cols; ++c)
            values[r * cols + c] *= scale[c];
      if (t.rows)
        ::llmq::rotate::rotateRowSegments(values, n, cols, 0, *t.rows);
      if (t.headColumns)
        for (int64_t c = 0; c < cols; c += headDim)
          ::llmq::rotate::rotateRowSegments(values, n, cols, c,
                                            *t.headColumns);
      if (t.columns)
        ::llmq::rotate::rotateColumnSegments(values, n, cols, 0, *t.columns);
      if (t.headRows)
        for (int64_t r = 0; r < n; r += headDim)
          ::llmq::rotate::rotateColumnSegments(values, n, cols, r,
                                               *t.headRows);
    };
    // `count` values, whole rows of the file's tensor (a vector is one
    // row), encoded in its dtype a quarter MiB of values at a time.
    auto write = [&](const float *values, int64_t count) -> llvm::Error {
      int64_t chunk =
          std::max<int64_t>(1, (int64_t(1) << 18) / spec.cols) * spec.cols;
      for (int64_t at = 0; at < count; at += chunk) {
        int64_t m = std::min(chunk, count - at);
        encoded.resize(size_t(m) * storedTraits.blockBytes);
        storedTraits.quantizeRow(values + at, encoded.data(), m, nullptr);
        if (llvm::Error err = (*writer)->writeRows(encoded))
          return err;
      }
      return llvm::Error::success();
    };

    if (t.ones) {
      buffer.assign(size_t(rows) * size_t(cols), 1.0f);
      if (llvm::Error err = write(buffer.data(), rows * cols))
        return fail(llvm::toString(std::move(err)));
      continue;
    }
    // Source rows arrive a strip at a time, their pages handed back after
    // each; rows that stay apart are transformed and written per strip
    // (the embedding can be the model's largest tensor), a tensor whose
    // rows mix is gathered whole first. One buffer serves every tensor, so
    // the allocator keeps no second copy of a large one.
    auto source = sources.resolve(w);
    if (!source)
      return fail(llvm::toString(source.takeError()));
    int64_t sourceRows = source->rows, sourceCols = source->cols;
    const int64_t strip =
        std::max<int64_t>(1, (int64_t(1) << 20) / sourceCols);
    bool whole = t.mixesRows();
    buffer.resize(size_t(whole ? sourceRows : std::min(strip, sourceRows)) *
                  size_t(sourceCols));
    for (int64_t r0 = 0; r0 < sourceRows; r0 += strip) {
      int64_t n = std::min(strip, sourceRows - r0);
      float *into = buffer.data() + (whole ? r0 * sourceCols : 0);
      for (int64_t r = 0; r < n; ++r)
        source->dequantizeRow(r0 + r, into + r * sourceCols);
      if (!source->grouped)
        source->file->release(source->offset + r0 * source->rowBytes,
                              n * source->rowBytes);
      if (whole)
        continue;
      transform(into, n);
      if (llvm::Error err = write(into, n * sourceCols))
        return fail(llvm::toString(std::move(err)));
    }
    sources.release(*source);
    if (whole) {
      transform(buffer.data(), rows);
      if (llvm::Error err = write(buffer.data(), rows * cols))
        return fail(llvm::toString(std::move(err)));
    }
  }
  if (llvm::Error err = (*writer)->commit())
    return fail(llvm::toString(std::move(err)));
  numRotated = rotated.size();

  auto *dialect = model.getContext()->getLoadedDialect<LlmqDialect>();
  SmallVector<StringRef> dropped;
  for (auto [i, w] : llvm::enumerate(rotated)) {
    repointSource(w, (*writer)->location(i));
    for (StringRef name : staleWeightAttrs(dialect))
      if (w->removeAttr(name) && !llvm::is_contained(dropped, name))
        dropped.push_back(name);
  }
  StringRef superWeights = dialect->getSuperWeightsAttrHelper().getName();
  if (model->removeAttr(superWeights))
    dropped.push_back(superWeights);
  if (!dropped.empty())
    model.emitWarning("llmq-rotate: removed ")
        << llvm::join(dropped, ", ")
        << ": measured on the weights before the rotation (run analyses "
           "after --llmq-rotate)";
  return success();
}

void RotatePass::runOnOperation() {
  auto models = modelsForParameterFile(getOperation(), "llmq-rotate", outFile);
  if (failed(models))
    return signalPassFailure();
  for (ModelOp model : *models)
    if (failed(run(model)))
      return signalPassFailure();
}
