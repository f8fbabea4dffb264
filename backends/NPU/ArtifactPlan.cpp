//===- ArtifactPlan.cpp - How a model splits over NPU ranks ---------------===//

#include "backends/NPU/ArtifactPlan.h"

#include "backends/NPU/ArtifactLimits.h"
#include "backends/NPU/ShardCodec.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <tuple>

using namespace llmq;
using namespace llmq::npu;
using mlir::llmq::Dim;
using mlir::llmq::ModelOp;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error planError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

namespace llmq::npu {

llvm::Expected<std::vector<Bucket>> parseBuckets(StringRef text,
                                                 StringRef option) {
  std::vector<Bucket> buckets;
  llvm::SmallVector<StringRef> items;
  text.split(items, ',', -1, /*KeepEmpty=*/false);
  for (StringRef item : items) {
    auto [batch, length] = item.trim().split('x');
    Bucket b;
    if (batch.getAsInteger(10, b.batch) || length.getAsInteger(10, b.length) ||
        b.batch <= 0 || b.length <= 0)
      return planError("--" + option + ": '" + item +
                       "' is not BATCHxLENGTH with positive numbers");
    buckets.push_back(b);
  }
  return buckets;
}

ShardedWeight::Slice ShardedWeight::slice(int64_t rank) const {
  switch (split) {
  case Split::Replicated:
    return {0, rows, 0, cols};
  case Split::Rows: {
    int64_t n = rows / tp;
    return {rank * n, (rank + 1) * n, 0, cols};
  }
  case Split::Cols: {
    int64_t n = cols / tp;
    return {0, rows, rank * n, (rank + 1) * n};
  }
  case Split::Vocab: {
    int64_t n = paddedRows / tp;
    return {rank * n, (rank + 1) * n, 0, cols};
  }
  case Split::KVHead: {
    int64_t head = rank / ranksPerHead;
    return {head * headRows, (head + 1) * headRows, 0, cols};
  }
  }
  return {0, rows, 0, cols};
}

int64_t ArtifactPlan::stageOfBlock(int64_t block) const {
  for (size_t s = 0; s < stages.size(); ++s)
    if (block < stages[s].endBlock)
      return s;
  return stages.size() - 1;
}

const ShardedWeight *ArtifactPlan::find(StringRef symbol) const {
  for (const ShardedWeight &w : weights)
    if (w.symbol == symbol)
      return &w;
  return nullptr;
}

} // namespace llmq::npu

/// The split of a block tensor follows from its shape in the architecture
/// table: a dimension made of heads or ffn rows is the one tensor
/// parallelism divides; output rows first (column-parallel), else input
/// columns (row-parallel).
static Split splitOfRole(mlir::llmq::Role role, bool kvHeadsReplicated) {
  const mlir::llmq::RoleInfo &info = mlir::llmq::getRoleInfo(role);
  auto divided = [](Dim d) {
    return d == Dim::QOut || d == Dim::KVOut || d == Dim::Ffn;
  };
  if (divided(info.shape[0]))
    return info.shape[0] == Dim::KVOut && kvHeadsReplicated ? Split::KVHead
                                                            : Split::Rows;
  if (info.rank == 2 && divided(info.shape[1]))
    return Split::Cols;
  return Split::Replicated;
}

/// Refuses a format whose blocks would straddle a shard boundary, unless
/// the user asked for per-shard blocks.
static llvm::Error checkAlignment(ShardedWeight &w, bool reblock) {
  if (w.isVector || w.split == Split::Replicated)
    return llvm::Error::success();
  int64_t rowAlign = w.format.rowAlignment(), colAlign = w.format.colAlignment();
  if (shardCodec(w.format) == ShardCodec::Int4G128 && w.cols % 128 != 0)
    return planError("'" + w.symbol + "': " + Twine(w.cols) +
                     " columns do not split into int4 groups of 128");
  ShardedWeight::Slice s = w.slice(0);
  bool rowSplit = w.split != Split::Cols;
  int64_t edge = rowSplit ? s.numRows() : s.numCols();
  int64_t align = rowSplit ? rowAlign : colAlign;
  if (edge % align == 0)
    return llvm::Error::success();
  bool ggml = !w.format.isGrouped();
  if (reblock && !ggml) {
    w.reblocked = true;
    return llvm::Error::success();
  }
  std::string what = w.format.name() + " blocks of " + std::to_string(align) +
                     (rowSplit ? " rows" : " columns");
  return planError(
      "'" + w.symbol + "': " + what + " cross the shard boundary at " +
      (rowSplit ? "row " : "column ") + Twine(edge) + " (tp=" + Twine(w.tp) +
      " gives each rank " + Twine(edge) + (rowSplit ? " rows" : " columns") +
      ")" +
      (ggml ? "; choose a format whose blocks fit or a smaller tp"
            : "; pass --reblock to quantize each shard in blocks of its own, "
              "or choose a smaller tp"));
}

/// Every bucket fits the model's context and the limits of ArtifactLimits.h.
static llvm::Error checkBuckets(const ArtifactOptions &o, int64_t context,
                                const BucketDims &dims) {
  if (o.prefill.empty() && o.decode.empty())
    return planError("give at least one --prefill-buckets or --decode-buckets "
                     "bucket");
  for (auto [list, option, prefill] :
       {std::tuple<const std::vector<Bucket> *, StringRef, bool>{
            &o.prefill, "prefill-buckets", true},
        {&o.decode, "decode-buckets", false}})
    for (const Bucket &b : *list) {
      std::string bucket = ("--" + option + ": bucket " + Twine(b.batch) +
                            "x" + Twine(b.length))
                               .str();
      if (b.length > context)
        return planError(bucket + " is longer than the model's context of " +
                         Twine(context) + " tokens");
      std::string why = bucketOverLimits(b.batch, b.length, prefill, dims);
      if (!why.empty())
        return planError(bucket + " " + why);
    }
  return llvm::Error::success();
}

llvm::Expected<ArtifactPlan> llmq::npu::planArtifact(ModelOp model,
                                                     const ArtifactOptions &o) {
  ArtifactPlan plan;
  plan.options = o;
  int64_t tp = o.tp, pp = o.pp;
  int64_t heads = model.getNumHeads(), kvHeads = model.getNumKvHeads();
  int64_t ffn = model.getFfnSize(), layers = model.getNumLayers();
  int64_t vocab = model.getVocabSize(), dim = model.getHeadDim();
  if (tp < 1 || pp < 1)
    return planError("--tp and --pp must be at least 1");
  if (heads % tp != 0)
    return planError("--tp=" + Twine(tp) + " does not divide the " +
                     Twine(heads) + " attention heads");
  if (ffn % tp != 0)
    return planError("--tp=" + Twine(tp) + " does not divide the ffn size " +
                     Twine(ffn));
  if (kvHeads % tp != 0 && tp % kvHeads != 0)
    return planError("--tp=" + Twine(tp) + " and the " + Twine(kvHeads) +
                     " kv heads: one must divide the other");
  if (layers < pp)
    return planError("--pp=" + Twine(pp) + " stages need at least as many "
                     "blocks; the model has " + Twine(layers));

  bool replicateKV = kvHeads < tp;
  plan.kvGroup = heads / kvHeads;
  plan.localHeads = heads / tp;
  plan.localKVHeads = replicateKV ? 1 : kvHeads / tp;
  plan.localFfn = ffn / tp;
  plan.paddedVocab = (vocab + tp - 1) / tp * tp;
  plan.localVocab = plan.paddedVocab / tp;
  // Blocks split as evenly as they go, earlier stages taking the remainder.
  for (int64_t s = 0, first = 0; s < pp; ++s) {
    int64_t count = layers / pp + (s < layers % pp ? 1 : 0);
    plan.stages.push_back({first, first + count});
    first += count;
  }
  BucketDims dims;
  dims.widestRow = std::max<int64_t>(
      {static_cast<int64_t>(model.getHiddenSize()),
       checkedProduct({heads, dim}).value_or(INT64_MAX), ffn, plan.paddedVocab});
  dims.cacheFeatures = plan.localKVHeads * dim;
  dims.stageBlocks = plan.stages.front().endBlock - plan.stages.front().firstBlock;
  if (llvm::Error err = checkBuckets(o, model.getContextLength(), dims))
    return std::move(err);

  auto add = [&](StringRef symbol, Split split, int64_t stage,
                 bool quantizable) -> llvm::Error {
    mlir::llmq::WeightOp op = model.lookupWeight(symbol);
    ShardedWeight w;
    w.symbol = symbol.str();
    w.split = split;
    w.stage = stage;
    w.tp = tp;
    mlir::RankedTensorType type = op.getTensorType();
    w.isVector = type.getRank() == 1;
    w.rows = type.getShape()[0];
    w.cols = w.isVector ? 1 : type.getShape()[1];
    w.paddedRows = plan.paddedVocab;
    w.headRows = dim;
    w.ranksPerHead = replicateKV ? tp / kvHeads : 1;
    if (w.isVector) {
      w.format = TensorFormat::ggmlFormat(Format::F32);
    } else if (quantizable && o.weights) {
      w.format = *o.weights;
    } else if (std::optional<TensorFormat> f = mlir::llmq::chosenFormat(op)) {
      w.format = *f;
    } else {
      w.format = mlir::llmq::sourceFormat(op);
    }
    if (!shardCodec(w.format))
      return planError("'" + w.symbol + "': an artifact cannot store " +
                       w.format.name() +
                       " (fp8_block, int8, int4_g128 or a ggml type)");
    if (llvm::Error err = checkAlignment(w, o.reblock))
      return err;
    plan.anyReblocked |= w.reblocked;
    plan.weights.push_back(std::move(w));
    return llvm::Error::success();
  };

  for (mlir::Operation &nested : model.getBody().front()) {
    llvm::Error err = llvm::Error::success();
    if (auto e = mlir::dyn_cast<mlir::llmq::EmbeddingOp>(nested)) {
      err = add(e.getWeight(), Split::Vocab, 0, false);
    } else if (auto b = mlir::dyn_cast<mlir::llmq::BlockOp>(nested)) {
      int64_t stage = plan.stageOfBlock(b.getIndex());
      for (mlir::NamedAttribute entry : b.getWeights()) {
        mlir::llmq::Role role =
            *mlir::llmq::lookupRole(entry.getName().strref());
        StringRef symbol =
            mlir::cast<mlir::FlatSymbolRefAttr>(entry.getValue()).getValue();
        Split split = splitOfRole(role, replicateKV);
        if ((err = add(symbol, split, stage, true)))
          break;
      }
    } else if (auto n = mlir::dyn_cast<mlir::llmq::FinalNormOp>(nested)) {
      err = add(n.getWeight(), Split::Replicated, pp - 1, false);
    } else if (auto h = mlir::dyn_cast<mlir::llmq::LmHeadOp>(nested)) {
      // A tied head is the embedding's weight: stages other than the first
      // need their own copy of it.
      if (!plan.find(h.getWeight()) || pp > 1)
        err = add(h.getWeight(), Split::Vocab, pp - 1, false);
    }
    if (err)
      return std::move(err);
  }
  return std::move(plan);
}
