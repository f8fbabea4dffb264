//===- BuildGraphs.cpp - Lowering a model to llmq_graph graphs ------------===//
//
// The op sequence of a block is the reference runtime's (runtime/exec/
// Session.cpp) with collectives where the sharding needs them: after the
// row-parallel attn_output and ffn_down (before any post-norm, which needs the
// whole sum), after the vocabulary-parallel embedding, and an all_gather of
// the vocabulary-parallel logits. At tp=1 no collective is emitted and the
// graph computes what the runtime computes, in the same order.
//
//===----------------------------------------------------------------------===//

#include "backends/NPU/BuildGraphs.h"

#include "dialects/Graph/GraphOps.h"
#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/RopeScaling.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

using namespace llmq;
using namespace llmq::npu;
using namespace mlir::llmq_graph;
using mlir::Value;
using mlir::llmq::Role;

llvm::StringRef llmq::npu::phaseName(Phase phase) {
  return phase == Phase::Prefill ? "prefill" : "decode";
}

llvm::StringRef llmq::npu::pieceName(Piece piece) {
  switch (piece) {
  case Piece::Whole: return "whole";
  case Piece::Embedding: return "embedding";
  case Piece::Block: return "block";
  case Piece::LmHead: return "lm_head";
  }
  return "";
}

namespace {

/// Builds the graphs of one model and plan.
class GraphEmitter {
public:
  GraphEmitter(mlir::llmq::ModelOp model, const ArtifactPlan &plan)
      : model(model), plan(plan), ctx(model.getContext()), b(ctx),
        loc(model.getLoc()) {
    ctx->loadDialect<GraphDialect, mlir::func::FuncDialect>();
    invFreq = mlir::llmq::ropeScaledInverseFrequencies(model);
    headDim = model.getHeadDim();
    for (mlir::Operation &op : model.getBody().front()) {
      if (auto block = mlir::dyn_cast<mlir::llmq::BlockOp>(op))
        blocks.push_back(block);
      else if (auto e = mlir::dyn_cast<mlir::llmq::EmbeddingOp>(op))
        embedding = e.getWeight().str();
      else if (auto n = mlir::dyn_cast<mlir::llmq::FinalNormOp>(op))
        finalNorm = n.getWeight().str();
      else if (auto h = mlir::dyn_cast<mlir::llmq::LmHeadOp>(op))
        lmHead = h.getWeight().str();
      else if (auto m = mlir::dyn_cast<mlir::llmq::LogitMaskOp>(op))
        mask = m;
    }
  }

  std::vector<BuiltGraph> emitAll();

private:
  /// The graph being built: its function, its ports and its values by name.
  struct Graph {
    GraphInfo info;
    mlir::OwningOpRef<mlir::ModuleOp> module;
    mlir::func::FuncOp func;
    llvm::StringMap<Value> values;
    std::vector<Value> results;
  };

  void emitGraph(Phase phase, Bucket bucket, int64_t stage,
                 Piece piece, int64_t block, bool recvFirst,
                 bool sendLast, std::vector<BuiltGraph> &out);

  mlir::RankedTensorType f32(llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, b.getF32Type());
  }
  mlir::RankedTensorType i32(llvm::ArrayRef<int64_t> shape) {
    return mlir::RankedTensorType::get(shape, b.getI32Type());
  }
  int64_t cacheFeatures() const {
    return plan.localKVHeads * headDim;
  }
  const ShardedWeight &weight(llvm::StringRef symbol) const {
    return *plan.find(symbol);
  }
  static llvm::SmallVector<int64_t, 2> shardShape(const ShardedWeight &w) {
    ShardedWeight::Slice s = w.slice(0);
    if (w.isVector)
      return {s.numRows()};
    return {s.numRows(), s.numCols()};
  }
  std::string symbolOf(mlir::llmq::BlockOp block, Role role) const {
    mlir::Attribute a =
        block.getWeights().get(mlir::llmq::getRoleInfo(role).name);
    return a ? mlir::cast<mlir::FlatSymbolRefAttr>(a).getValue().str() : "";
  }

  Value matmul(Value x, llvm::StringRef symbol);
  Value rmsNorm(Value x, llvm::StringRef symbol);
  Value allReduce(Value x) {
    return plan.options.tp == 1
               ? x
               : AllReduceOp::create(b, loc, x, plan.options.tp).getResult();
  }
  Value emitBlock(Graph &g, mlir::llmq::BlockOp block, Value x);
  Value emitEmbedding(Value ids);
  Value emitHead(Value x);

  mlir::llmq::ModelOp model;
  const ArtifactPlan &plan;
  mlir::MLIRContext *ctx;
  mlir::OpBuilder b;
  mlir::Location loc;
  std::vector<float> invFreq;
  std::vector<mlir::llmq::BlockOp> blocks;
  std::string embedding, finalNorm, lmHead;
  mlir::llmq::LogitMaskOp mask;
  int64_t headDim = 0;
  int64_t batch = 1, seq = 1, cacheLength = 1;
};

} // namespace

Value GraphEmitter::matmul(Value x, llvm::StringRef symbol) {
  const ShardedWeight &w = weight(symbol);
  auto shape = shardShape(w);
  auto in = mlir::cast<mlir::RankedTensorType>(x.getType()).getShape();
  return MatmulOp::create(b, loc, f32({in[0], in[1], shape[0]}), x, symbol,
                          shape, w.format.name());
}

Value GraphEmitter::rmsNorm(Value x, llvm::StringRef symbol) {
  const ShardedWeight &w = weight(symbol);
  return RmsNormOp::create(b, loc, x.getType(), x, b.getStringAttr(symbol),
                           b.getDenseI64ArrayAttr(shardShape(w)),
                           b.getStringAttr(w.format.name()),
                           model.getNormEpsAttr());
}

Value GraphEmitter::emitEmbedding(Value ids) {
  const ShardedWeight &w = weight(embedding);
  auto shape = shardShape(w);
  Value x = EmbeddingOp::create(b, loc, f32({batch, seq, shape[1]}), ids,
                                embedding, shape, w.format.name());
  return allReduce(x);
}

Value GraphEmitter::emitBlock(Graph &g, mlir::llmq::BlockOp block, Value x) {
  int64_t index = block.getIndex(), dim = model.getHeadDim();
  auto sym = [&](Role role) { return symbolOf(block, role); };
  Value positions = g.values.lookup("positions");
  Value h = x;
  if (std::string s = sym(Role::AttnNorm); !s.empty())
    h = rmsNorm(h, s);
  Value q = matmul(h, sym(Role::AttnQ));
  Value k = matmul(h, sym(Role::AttnK));
  Value v = matmul(h, sym(Role::AttnV));
  auto addBias = [&](Value t, Role role) -> Value {
    std::string s = sym(role);
    if (s.empty())
      return t;
    const ShardedWeight &w = weight(s);
    return AddBiasOp::create(b, loc, t.getType(), t, s, shardShape(w),
                             w.format.name());
  };
  q = addBias(q, Role::AttnQBias);
  k = addBias(k, Role::AttnKBias);
  v = addBias(v, Role::AttnVBias);
  if (std::string s = sym(Role::AttnQNorm); !s.empty())
    q = rmsNorm(q, s);
  if (std::string s = sym(Role::AttnKNorm); !s.empty())
    k = rmsNorm(k, s);
  if (!block.getNoRope()) {
    bool interleaved = model.getRopeInterleaved();
    q = RopeOp::create(b, loc, q, positions, dim, invFreq, interleaved);
    k = RopeOp::create(b, loc, k, positions, dim, invFreq, interleaved);
  }
  std::string kName = "k_cache." + std::to_string(index),
              vName = "v_cache." + std::to_string(index);
  Value kc = KVCacheWriteOp::create(b, loc, g.values.lookup(kName), k,
                                    positions);
  Value vc = KVCacheWriteOp::create(b, loc, g.values.lookup(vName), v,
                                    positions);
  g.values[kName] = kc;
  g.values[vName] = vc;
  Value a = AttentionOp::create(b, loc, q, kc, vc, positions, plan.localHeads,
                                plan.localKVHeads, dim,
                                block.getSlidingWindow().value_or(0));
  Value o = allReduce(matmul(a, sym(Role::AttnOutput)));
  if (std::string s = sym(Role::AttnPostNorm); !s.empty())
    o = rmsNorm(o, s);
  x = AddOp::create(b, loc, x, o);

  h = x;
  if (std::string s = sym(Role::FfnNorm); !s.empty())
    h = rmsNorm(h, s);
  Value gate = matmul(h, sym(Role::FfnGate));
  Value up = matmul(h, sym(Role::FfnUp));
  Value act = SwiGLUOp::create(b, loc, gate, up);
  Value d = allReduce(matmul(act, sym(Role::FfnDown)));
  if (std::string s = sym(Role::FfnPostNorm); !s.empty())
    d = rmsNorm(d, s);
  return AddOp::create(b, loc, x, d);
}

Value GraphEmitter::emitHead(Value x) {
  x = rmsNorm(x, finalNorm);
  Value logits = matmul(x, lmHead);
  int64_t tp = plan.options.tp, vocab = model.getVocabSize();
  if (tp > 1)
    logits = AllGatherOp::create(b, loc, f32({batch, seq, plan.paddedVocab}),
                                 logits, tp);
  if (plan.paddedVocab != vocab)
    logits = SliceOp::create(b, loc, f32({batch, seq, vocab}), logits, vocab);
  mlir::llmq::WeightOp head = model.lookupWeight(lmHead);
  llvm::ArrayRef<int64_t> scaled;
  double scale = 1.0;
  if (auto rows = head.getScaledRowsAttr()) {
    scaled = rows.asArrayRef();
    scale = head.getRowScaleAttr().getValueAsDouble();
  }
  if (!mask && scaled.empty())
    return logits;
  llvm::ArrayRef<int64_t> banned, biased;
  double bias = 0;
  if (mask) {
    banned = mask.getBanned();
    biased = mask.getAmplified();
    bias = mask.getFactor().convertToDouble();
  }
  return LogitMaskOp::create(b, loc, logits, banned, biased,
                             llvm::APFloat(bias), scaled, llvm::APFloat(scale));
}

void GraphEmitter::emitGraph(Phase phase, Bucket bucket, int64_t stage,
                             Piece piece, int64_t block,
                             bool recvFirst, bool sendLast,
                             std::vector<BuiltGraph> &out) {
  batch = bucket.batch;
  seq = phase == Phase::Prefill ? bucket.length : 1;
  cacheLength = bucket.length;
  int64_t hidden = model.getHiddenSize();
  const StagePlan &sp = plan.stages[stage];
  int64_t first = piece == Piece::Block ? block : sp.firstBlock;
  int64_t end = piece == Piece::Block ? block + 1 : sp.endBlock;
  bool hasBlocks = piece == Piece::Whole || piece == Piece::Block;
  bool hasEmbedding =
      piece == Piece::Embedding || (piece == Piece::Whole && stage == 0);
  bool hasHead = piece == Piece::LmHead ||
                 (piece == Piece::Whole && stage + 1 == plan.options.pp);

  Graph g;
  GraphInfo &info = g.info;
  info.phase = phase;
  info.bucket = bucket;
  info.stage = stage;
  info.piece = piece;
  info.block = block;
  info.name = (phaseName(phase) + "_b" + llvm::Twine(bucket.batch) +
               (phase == Phase::Prefill ? "_s" : "_c") +
               llvm::Twine(bucket.length))
                  .str();
  if (piece == Piece::Whole)
    info.name += "_stage" + std::to_string(stage);
  else if (piece == Piece::Block)
    info.name += "_block" + std::to_string(block);
  else
    info.name += "_" + pieceName(piece).str();

  if (hasEmbedding)
    info.inputs.push_back({"ids", {batch, seq}, "i32"});
  else if (!recvFirst)
    info.inputs.push_back({"hidden", {batch, seq, hidden}, "f32"});
  if (hasBlocks) {
    info.inputs.push_back({"positions", {batch}, "i32"});
    for (int64_t l = first; l < end; ++l)
      for (const char *kind : {"k_cache.", "v_cache."})
        info.inputs.push_back({kind + std::to_string(l),
                               {batch, cacheLength, cacheFeatures()},
                               "f32"});
  }

  llvm::SmallVector<mlir::Type> argTypes;
  for (const Port &p : info.inputs)
    argTypes.push_back(p.dtype == "i32" ? mlir::Type(i32(p.shape))
                                        : mlir::Type(f32(p.shape)));
  g.module = mlir::ModuleOp::create(loc);
  b.setInsertionPointToEnd(g.module->getBody());
  // Result types are only known at the end; start without and fix them up.
  g.func = mlir::func::FuncOp::create(b, loc, info.name,
                                      b.getFunctionType(argTypes, {}));
  mlir::Block *entry = g.func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (size_t i = 0; i < info.inputs.size(); ++i)
    g.values[info.inputs[i].name] = entry->getArgument(i);

  Value x;
  if (hasEmbedding)
    x = emitEmbedding(g.values.lookup("ids"));
  else if (recvFirst)
    x = RecvOp::create(b, loc, f32({batch, seq, hidden}), stage - 1);
  else
    x = g.values.lookup("hidden");
  if (hasBlocks)
    for (int64_t l = first; l < end; ++l)
      x = emitBlock(g, blocks[l], x);

  llvm::SmallVector<Value> results;
  if (hasHead) {
    results.push_back(emitHead(x));
    info.outputs.push_back(
        {"logits", {batch, seq, int64_t(model.getVocabSize())}, "f32"});
  } else if (sendLast) {
    SendOp::create(b, loc, x, stage + 1);
  } else {
    results.push_back(x);
    info.outputs.push_back({"hidden", {batch, seq, hidden}, "f32"});
  }
  if (hasBlocks)
    for (int64_t l = first; l < end; ++l)
      for (const char *kind : {"k_cache.", "v_cache."}) {
        std::string name = kind + std::to_string(l);
        results.push_back(g.values.lookup(name));
        info.outputs.push_back(
            {name, {batch, cacheLength, cacheFeatures()}, "f32"});
      }
  mlir::func::ReturnOp::create(b, loc, results);
  llvm::SmallVector<mlir::Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  g.func.setType(b.getFunctionType(argTypes, resultTypes));
  // Ports by name on the graph itself, as the manifest lists them.
  for (auto [i, port] : llvm::enumerate(info.inputs))
    g.func.setArgAttr(i, "llmq_graph.port", b.getStringAttr(port.name));
  for (auto [i, port] : llvm::enumerate(info.outputs))
    g.func.setResultAttr(i, "llmq_graph.port", b.getStringAttr(port.name));
  out.push_back({std::move(g.info), std::move(g.module)});
}

std::vector<BuiltGraph> GraphEmitter::emitAll() {
  std::vector<BuiltGraph> graphs;
  int64_t pp = plan.options.pp;
  bool perBlock = plan.options.partition == Partition::PerBlock;
  for (Phase phase : {Phase::Prefill, Phase::Decode}) {
    const std::vector<Bucket> &buckets =
        phase == Phase::Prefill ? plan.options.prefill : plan.options.decode;
    for (const Bucket &bucket : buckets) {
      for (int64_t s = 0; s < pp; ++s) {
        bool last = s + 1 == pp;
        if (!perBlock) {
          emitGraph(phase, bucket, s, Piece::Whole, -1, s > 0, !last, graphs);
          continue;
        }
        const StagePlan &sp = plan.stages[s];
        if (s == 0)
          emitGraph(phase, bucket, s, Piece::Embedding, -1, false, false, graphs);
        for (int64_t l = sp.firstBlock; l < sp.endBlock; ++l)
          emitGraph(phase, bucket, s, Piece::Block, l,
                    s > 0 && l == sp.firstBlock,
                    !last && l + 1 == sp.endBlock, graphs);
        if (last)
          emitGraph(phase, bucket, s, Piece::LmHead, -1, false, false, graphs);
      }
    }
  }
  return graphs;
}

std::vector<BuiltGraph> llmq::npu::buildGraphs(mlir::llmq::ModelOp model,
                                               const ArtifactPlan &plan) {
  return GraphEmitter(model, plan).emitAll();
}
