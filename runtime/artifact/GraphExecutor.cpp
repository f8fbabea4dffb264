//===- GraphExecutor.cpp - Runs a llmq_graph graph on every rank ----------===//

#include "runtime/artifact/GraphExecutor.h"

#include "dialects/Graph/GraphOps.h"
#include "runtime/exec/ThreadPool.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <cstring>

using namespace llmq;
using namespace llmq::runtime;
using namespace mlir::llmq_graph;
using llvm::Twine;
using mlir::Value;

/// Whether the model's queries hold their rotary pairs half-split: the
/// layout of the RoPE feeding this attention, else of any RoPE in its
/// graph (a block without RoPE sums as the model's other blocks do).
static bool halfSplitRotaryPairs(AttentionOp attention) {
  if (auto rope = attention.getQuery().getDefiningOp<RopeOp>())
    return !rope.getInterleaved();
  bool halfSplit = false;
  attention->getParentOp()->walk([&](RopeOp rope) {
    halfSplit = !rope.getInterleaved();
    return mlir::WalkResult::interrupt();
  });
  return halfSplit;
}

namespace {

/// Executes the ops of one graph for every rank of a stage.
class Executor {
public:
  Executor(const Artifact &artifact, const ArtifactGraph &graph,
           Mailbox &mailbox, ThreadPool &pool)
      : artifact(artifact), graph(graph), mailbox(mailbox), pool(pool),
        tp(artifact.tp), values(tp) {}

  llvm::Error run(std::vector<llvm::StringMap<GraphTensor>> &ports);

private:
  llvm::Error fail(mlir::Operation *op, const Twine &what) const {
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "graph '" + graph.name + "': " + op->getName().getStringRef() + ": " +
            what);
  }
  const RankWeights &weights(int64_t r) const {
    return artifact.ranks[graph.stage * tp + r];
  }
  llvm::Expected<WeightView> matrix(mlir::Operation *op, int64_t r,
                                    llvm::StringRef name,
                                    llvm::ArrayRef<int64_t> shape) const {
    auto it = weights(r).matrices.find(name);
    if (it == weights(r).matrices.end())
      return fail(op, "rank " + Twine(graph.stage * tp + r) +
                          " has no shard '" + name + "'");
    if (it->second.rows != shape[0] || it->second.cols != shape[1])
      return fail(op, "shard '" + name + "' is " + Twine(it->second.rows) +
                          "x" + Twine(it->second.cols) + ", the graph wants " +
                          Twine(shape[0]) + "x" + Twine(shape[1]));
    return it->second;
  }
  llvm::Expected<const std::vector<float> *>
  vector(mlir::Operation *op, int64_t r, llvm::StringRef name,
         int64_t length) const {
    auto it = weights(r).vectors.find(name);
    if (it == weights(r).vectors.end() ||
        static_cast<int64_t>(it->second.size()) != length)
      return fail(op, "rank " + Twine(graph.stage * tp + r) +
                          " has no vector '" + name + "' of " + Twine(length));
    return &it->second;
  }
  /// A new owned f32 tensor of `value`'s type.
  static GraphTensor like(Value value) {
    GraphTensor t;
    auto type = mlir::cast<mlir::RankedTensorType>(value.getType());
    t.shape.assign(type.getShape().begin(), type.getShape().end());
    t.f.resize(t.elements());
    return t;
  }
  static GraphTensor copy(const GraphTensor &t) {
    GraphTensor c;
    c.shape = t.shape;
    c.f.assign(t.data(), t.data() + t.elements());
    return c;
  }
  GraphTensor &at(int64_t r, Value v) { return values[r][v]; }

  llvm::Error step(mlir::Operation *op, int64_t r);
  llvm::Error collective(mlir::Operation *op);
  llvm::Error checkPositions(mlir::Operation *op, const GraphTensor &positions,
                             int64_t tokens, int64_t capacity) const;

  const Artifact &artifact;
  const ArtifactGraph &graph;
  Mailbox &mailbox;
  ThreadPool &pool;
  int64_t tp;
  std::vector<llvm::DenseMap<Value, GraphTensor>> values; ///< per rank
};

} // namespace

llvm::Error Executor::checkPositions(mlir::Operation *op,
                                     const GraphTensor &positions,
                                     int64_t tokens, int64_t capacity) const {
  for (int32_t p : positions.i)
    if (p < 0 || p + tokens > capacity)
      return fail(op, "position " + Twine(p) + " + " + Twine(tokens) +
                          " tokens exceed the cache of " + Twine(capacity));
  return llvm::Error::success();
}

llvm::Error Executor::collective(mlir::Operation *op) {
  Value in = op->getOperand(0);
  if (mlir::isa<AllReduceOp>(op)) {
    // Rank order, starting from rank 0's value: the same bits everywhere.
    GraphTensor sum = copy(at(0, in));
    for (int64_t r = 1; r < tp; ++r) {
      const float *x = at(r, in).data();
      for (int64_t i = 0, n = sum.elements(); i < n; ++i)
        sum.f[i] += x[i];
    }
    for (int64_t r = 0; r < tp; ++r)
      at(r, op->getResult(0)) = copy(sum);
    return llvm::Error::success();
  }
  // all_gather: concatenate the last axis in rank order.
  GraphTensor all = like(op->getResult(0));
  int64_t part = at(0, in).shape.back(), rows = at(0, in).elements() / part;
  for (int64_t r = 0; r < tp; ++r) {
    const float *x = at(r, in).data();
    for (int64_t row = 0; row < rows; ++row)
      std::memcpy(all.f.data() + row * part * tp + r * part, x + row * part,
                  part * sizeof(float));
  }
  for (int64_t r = 0; r < tp; ++r)
    at(r, op->getResult(0)) = copy(all);
  return llvm::Error::success();
}

llvm::Error Executor::step(mlir::Operation *op, int64_t r) {
  return llvm::TypeSwitch<mlir::Operation *, llvm::Error>(op)
      .Case<EmbeddingOp>([&](EmbeddingOp e) -> llvm::Error {
        auto w = matrix(op, r, e.getWeight(), e.getWeightShape());
        if (!w)
          return w.takeError();
        GraphTensor out = like(e.getResult());
        const GraphTensor &ids = at(r, e.getIds());
        int64_t hidden = w->cols, first = r * w->rows;
        for (size_t t = 0; t < ids.i.size(); ++t) {
          int64_t local = ids.i[t] - first;
          if (local >= 0 && local < w->rows)
            w->dequantizeRow(local, out.f.data() + t * hidden);
        }
        at(r, e.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<RmsNormOp>([&](RmsNormOp n) -> llvm::Error {
        int64_t dim = n.getWeightShape()[0];
        auto w = vector(op, r, n.getWeight(), dim);
        if (!w)
          return w.takeError();
        GraphTensor out = copy(at(r, n.getInput()));
        rmsNorm(out.f.data(), out.elements() / dim, dim, (*w)->data(),
                static_cast<float>(n.getEps().convertToDouble()));
        at(r, n.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<MatmulOp>([&](MatmulOp m) -> llvm::Error {
        auto w = matrix(op, r, m.getWeight(), m.getWeightShape());
        if (!w)
          return w.takeError();
        const GraphTensor &x = at(r, m.getInput());
        GraphTensor out = like(m.getResult());
        matmul(*w, x.data(), x.elements() / w->cols, out.f.data(), pool);
        at(r, m.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<AddBiasOp>([&](AddBiasOp a) -> llvm::Error {
        int64_t dim = a.getWeightShape()[0];
        auto w = vector(op, r, a.getWeight(), dim);
        if (!w)
          return w.takeError();
        GraphTensor out = copy(at(r, a.getInput()));
        for (int64_t i = 0, n = out.elements(); i < n; ++i)
          out.f[i] += (**w)[i % dim];
        at(r, a.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<RopeOp>([&](RopeOp rope) -> llvm::Error {
        GraphTensor out = copy(at(r, rope.getInput()));
        const GraphTensor &pos = at(r, rope.getPositions());
        int64_t dim = rope.getHeadDimAttr().getInt();
        int64_t seq = out.shape[1], features = out.shape[2];
        llvm::ArrayRef<float> inv = rope.getInvFreq();
        for (int64_t b = 0; b < out.shape[0]; ++b)
          applyRope(out.f.data() + b * seq * features, seq, features / dim,
                    dim, pos.i[b], inv.data(), rope.getInterleaved());
        at(r, rope.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<KVCacheWriteOp>([&](KVCacheWriteOp w) -> llvm::Error {
        GraphTensor &cache = at(r, w.getCache());
        const GraphTensor &x = at(r, w.getInput());
        const GraphTensor &pos = at(r, w.getPositions());
        int64_t seq = x.shape[1], features = x.shape[2];
        if (llvm::Error err = checkPositions(op, pos, seq, cache.shape[1]))
          return err;
        for (int64_t b = 0; b < x.shape[0]; ++b)
          std::memcpy(cache.data() + b * cache.batchStride +
                          pos.i[b] * features,
                      x.data() + b * seq * features,
                      seq * features * sizeof(float));
        // Updated in place: the graph never reads the old cache again.
        GraphTensor result;
        result.shape = cache.shape;
        result.view = cache.view;
        result.batchStride = cache.batchStride;
        at(r, w.getResult()) = std::move(result);
        return llvm::Error::success();
      })
      .Case<AttentionOp>([&](AttentionOp a) -> llvm::Error {
        const GraphTensor &q = at(r, a.getQuery());
        const GraphTensor &k = at(r, a.getKeys());
        const GraphTensor &v = at(r, a.getValues());
        const GraphTensor &pos = at(r, a.getPositions());
        int64_t seq = q.shape[1], features = q.shape[2];
        if (llvm::Error err = checkPositions(op, pos, seq, k.shape[1]))
          return err;
        GraphTensor out = like(a.getResult());
        AttentionShape shape{a.getNumHeadsAttr().getInt(),
                             a.getNumKvHeadsAttr().getInt(),
                             a.getHeadDimAttr().getInt(),
                             a.getSlidingWindowAttr().getInt()};
        // Scores summed in the order the reference runtime uses for the
        // model's rotary layout (Kernels.h), in every block as it does, with
        // or without RoPE there (EXAONE-4's global blocks have none), so the
        // artifact's logits stay bit-identical to the model's.
        shape.halfSplitPairs = halfSplitRotaryPairs(a);
        for (int64_t b = 0; b < q.shape[0]; ++b)
          attention(shape, q.data() + b * seq * features, seq, pos.i[b],
                    k.data() + b * k.batchStride, v.data() + b * v.batchStride,
                    out.f.data() + b * seq * features, pool);
        at(r, a.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<SwiGLUOp>([&](SwiGLUOp s) -> llvm::Error {
        GraphTensor out = copy(at(r, s.getGate()));
        siluMul(out.f.data(), at(r, s.getUp()).data(), out.elements());
        at(r, s.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<AddOp>([&](AddOp a) -> llvm::Error {
        GraphTensor out = copy(at(r, a.getLhs()));
        const float *y = at(r, a.getRhs()).data();
        for (int64_t i = 0, n = out.elements(); i < n; ++i)
          out.f[i] += y[i];
        at(r, a.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<SliceOp>([&](SliceOp s) -> llvm::Error {
        const GraphTensor &x = at(r, s.getInput());
        GraphTensor out = like(s.getResult());
        int64_t from = x.shape.back(), to = out.shape.back();
        for (int64_t row = 0, n = x.elements() / from; row < n; ++row)
          std::memcpy(out.f.data() + row * to, x.data() + row * from,
                      to * sizeof(float));
        at(r, s.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<LogitMaskOp>([&](LogitMaskOp m) -> llvm::Error {
        GraphTensor out = copy(at(r, m.getLogits()));
        int64_t vocab = out.shape.back();
        LogitMask mask{m.getScaled(),
                       static_cast<float>(m.getScale().convertToDouble()),
                       m.getBiased(),
                       static_cast<float>(m.getBias().convertToDouble()),
                       m.getBanned()};
        applyLogitMask(mask, out.f.data(), out.elements() / vocab, vocab);
        at(r, m.getResult()) = std::move(out);
        return llvm::Error::success();
      })
      .Case<SendOp>([&](SendOp s) -> llvm::Error {
        mailbox[{s.getStageAttr().getInt(), r}] = copy(at(r, s.getInput()));
        return llvm::Error::success();
      })
      .Case<RecvOp>([&](RecvOp recv) -> llvm::Error {
        auto it = mailbox.find({graph.stage, r});
        if (it == mailbox.end())
          return fail(op, "nothing was sent to stage " + Twine(graph.stage));
        auto type = mlir::cast<mlir::RankedTensorType>(recv.getType());
        if (llvm::ArrayRef<int64_t>(it->second.shape) != type.getShape())
          return fail(op, "received a tensor of " +
                              Twine(it->second.elements()) +
                              " values, not one of the type it declares");
        at(r, recv.getResult()) = std::move(it->second);
        mailbox.erase(it);
        return llvm::Error::success();
      })
      .Default([&](mlir::Operation *) -> llvm::Error {
        return fail(op, "is not an op this executor runs");
      });
}

llvm::Error Executor::run(std::vector<llvm::StringMap<GraphTensor>> &ports) {
  mlir::func::FuncOp func = graph.func;
  mlir::Block &body = func.getBody().front();
  for (int64_t r = 0; r < tp; ++r)
    for (auto [i, name] : llvm::enumerate(graph.inputs)) {
      auto it = ports[r].find(name);
      if (it == ports[r].end())
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "graph '" + graph.name +
                                           "': no value for input '" + name +
                                           "'");
      values[r][body.getArgument(i)] = std::move(it->second);
      ports[r].erase(it);
    }
  for (mlir::Operation &op : body) {
    if (auto ret = mlir::dyn_cast<mlir::func::ReturnOp>(op)) {
      for (int64_t r = 0; r < tp; ++r)
        for (auto [i, name] : llvm::enumerate(graph.outputs))
          ports[r][name] = std::move(at(r, ret.getOperand(i)));
      break;
    }
    if (mlir::isa<AllReduceOp, AllGatherOp>(op)) {
      if (llvm::Error err = collective(&op))
        return err;
      continue;
    }
    for (int64_t r = 0; r < tp; ++r)
      if (llvm::Error err = step(&op, r))
        return err;
    // Values are read in program order: drop each operand after its last
    // use so a graph holds a few activations, not all of them.
    for (Value operand : op.getOperands())
      if (llvm::all_of(operand.getUsers(), [&](mlir::Operation *user) {
            return user->isBeforeInBlock(&op) || user == &op;
          }))
        for (int64_t r = 0; r < tp; ++r)
          values[r].erase(operand);
  }
  return llvm::Error::success();
}

llvm::Error llmq::runtime::runGraph(
    const Artifact &artifact, const ArtifactGraph &graph,
    std::vector<llvm::StringMap<GraphTensor>> &ports, Mailbox &mailbox,
    ThreadPool &pool) {
  return Executor(artifact, graph, mailbox, pool).run(ports);
}
