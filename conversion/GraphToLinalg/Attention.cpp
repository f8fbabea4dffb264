//===- Attention.cpp - RoPE, KV-cache writes and attention ----------------===//
//
// Attention is written as the interpreter computes it (runtime/exec/Kernels
// attention): scores q.k per (batch, head, query, slot) with the GQA head
// mapping h -> h / (heads / kv_heads) as an affine floordiv, the causal and
// sliding-window mask from the positions, softmax over the slots (max, exp,
// sum), then the weighted sum of values. The cache is written with
// tensor.insert_slice at each sequence's position, so bufferization can
// update it in place.
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "dialects/Graph/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

namespace mlir::llmq::graph_to_linalg {
namespace {

using namespace mlir::llmq_graph;

Value index(OpBuilder &b, Location loc, unsigned dim) {
  return linalg::IndexOp::create(b, loc, dim);
}

/// positions[b] + s as an index.
Value positionOf(OpBuilder &b, Location loc, Value start, Value s) {
  Value first = arith::IndexCastOp::create(b, loc, b.getIndexType(), start);
  return arith::AddIOp::create(b, loc, first, s);
}

struct RopeLowering : OpConversionPattern<RopeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    if (type.getRank() != 3)
      return b.notifyMatchFailure(op, "expects [batch, seq, features]");
    int64_t dim = op.getHeadDim(), half = dim / 2;
    bool interleaved = op.getInterleaved();
    auto freqType = f32(b, {half});
    Value inv = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(freqType, op.getInvFreq()));
    Value input = adaptor.getInput();
    MLIRContext *ctx = b.getContext();
    AffineMap id = b.getMultiDimIdentityMap(3);
    AffineMap batch = AffineMap::get(3, 0, {b.getAffineDimExpr(0)}, ctx);
    // out[f] = x[f] cos(a) -/+ x[partner] sin(a): the first of a pair takes
    // minus, the second plus (runtime/exec/Kernels applyRope).
    Value result = generic(
        b, loc, {input, adaptor.getPositions()}, empty(b, loc, type),
        {id, batch, id}, parallel(3),
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value bIdx = index(nb, l, 0), s = index(nb, l, 1),
                f = index(nb, l, 2);
          Value j = arith::RemUIOp::create(nb, l, f, indexConst(nb, l, dim));
          Value first, k, partner;
          if (interleaved) {
            Value odd = arith::RemUIOp::create(nb, l, j, indexConst(nb, l, 2));
            first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, odd,
                                          indexConst(nb, l, 0));
            k = arith::DivUIOp::create(nb, l, j, indexConst(nb, l, 2));
            partner = arith::SelectOp::create(
                nb, l, first,
                arith::AddIOp::create(nb, l, f, indexConst(nb, l, 1)),
                arith::SubIOp::create(nb, l, f, indexConst(nb, l, 1)));
          } else {
            first = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult, j,
                                          indexConst(nb, l, half));
            k = arith::RemUIOp::create(nb, l, j, indexConst(nb, l, half));
            partner = arith::SelectOp::create(
                nb, l, first,
                arith::AddIOp::create(nb, l, f, indexConst(nb, l, half)),
                arith::SubIOp::create(nb, l, f, indexConst(nb, l, half)));
          }
          Value pos = positionOf(nb, l, args[1], s);
          Value posF = arith::UIToFPOp::create(
              nb, l, nb.getF32Type(),
              arith::IndexCastOp::create(nb, l, nb.getI64Type(), pos));
          Value freq = tensor::ExtractOp::create(nb, l, inv, ValueRange{k});
          Value angle = arith::MulFOp::create(nb, l, posF, freq);
          Value c = math::CosOp::create(nb, l, angle);
          Value sn = math::SinOp::create(nb, l, angle);
          Value other = tensor::ExtractOp::create(nb, l, input,
                                                  ValueRange{bIdx, s, partner});
          Value mine = arith::MulFOp::create(nb, l, args[0], c);
          Value theirs = arith::MulFOp::create(nb, l, other, sn);
          return arith::SelectOp::create(
              nb, l, first, arith::SubFOp::create(nb, l, mine, theirs),
              arith::AddFOp::create(nb, l, mine, theirs));
        });
    b.replaceOp(op, result);
    return success();
  }
};

struct KVCacheWriteLowering : OpConversionPattern<KVCacheWriteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(KVCacheWriteOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto input = cast<RankedTensorType>(op.getInput().getType());
    int64_t batch = input.getShape()[0], seq = input.getShape()[1],
            features = input.getShape()[2];
    Value cache = adaptor.getCache();
    auto rowsType = f32(b, {1, seq, features});
    for (int64_t i = 0; i < batch; ++i) {
      Value start = tensor::ExtractOp::create(
          b, loc, adaptor.getPositions(), ValueRange{indexConst(b, loc, i)});
      Value slot = arith::IndexCastOp::create(b, loc, b.getIndexType(), start);
      SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(seq),
                                         b.getIndexAttr(features)};
      SmallVector<OpFoldResult> ones(3, b.getIndexAttr(1));
      Value rows = tensor::ExtractSliceOp::create(
          b, loc, rowsType, adaptor.getInput(),
          ArrayRef<OpFoldResult>{b.getIndexAttr(i), b.getIndexAttr(0),
                                 b.getIndexAttr(0)},
          sizes, ones);
      cache = tensor::InsertSliceOp::create(
          b, loc, rows, cache,
          ArrayRef<OpFoldResult>{b.getIndexAttr(i), slot, b.getIndexAttr(0)},
          sizes, ones);
    }
    b.replaceOp(op, cache);
    return success();
  }
};

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKeys().getType());
    int64_t batch = qType.getShape()[0], seq = qType.getShape()[1];
    int64_t slots = kType.getShape()[1];
    int64_t heads = op.getNumHeads(), kvHeads = op.getNumKvHeads(),
            dim = op.getHeadDim(), window = op.getSlidingWindow();
    int64_t group = heads / kvHeads;
    MLIRContext *ctx = b.getContext();
    auto d = [&](unsigned i) { return b.getAffineDimExpr(i); };
    auto map = [&](unsigned dims, ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(dims, 0, exprs, ctx);
    };
    Value q = reshape(b, loc, adaptor.getQuery(), {batch, seq, heads, dim});
    Value k = reshape(b, loc, adaptor.getKeys(), {batch, slots, kvHeads, dim});
    Value v =
        reshape(b, loc, adaptor.getValues(), {batch, slots, kvHeads, dim});
    using utils::IteratorType;
    auto par = IteratorType::parallel, red = IteratorType::reduction;

    // scores[b, h, s, c] = sum_d q[b, s, h, d] k[b, c, h / group, d]
    Value scores = generic(
        b, loc, {q, k}, filled(b, loc, f32(b, {batch, heads, seq, slots}), 0),
        {map(5, {d(0), d(2), d(1), d(4)}),
         map(5, {d(0), d(3), d(1).floorDiv(group), d(4)}),
         map(5, {d(0), d(1), d(2), d(3)})},
        {par, par, par, par, red},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value p = arith::MulFOp::create(nb, l, args[0], args[1]);
          return arith::AddFOp::create(nb, l, args[2], p);
        });
    // Scaled, and -inf outside [max(0, p - window + 1), p].
    float scale = 1.0f / std::sqrt(static_cast<float>(dim));
    AffineMap id4 = b.getMultiDimIdentityMap(4);
    auto scoresType = f32(b, {batch, heads, seq, slots});
    Value masked = generic(
        b, loc, {scores, adaptor.getPositions()}, empty(b, loc, scoresType),
        {id4, map(4, {d(0)}), id4}, parallel(4),
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value s = index(nb, l, 2), c = index(nb, l, 3);
          Value p = positionOf(nb, l, args[1], s);
          Value visible =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ule, c, p);
          if (window > 0) {
            // c + window > p, i.e. c >= p - window + 1 without underflow.
            Value reach =
                arith::AddIOp::create(nb, l, c, indexConst(nb, l, window));
            visible = arith::AndIOp::create(
                nb, l, visible,
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ugt, reach,
                                      p));
          }
          Value scaled =
              arith::MulFOp::create(nb, l, args[0], f32Const(nb, l, scale));
          return arith::SelectOp::create(
              nb, l, visible, scaled,
              f32Const(nb, l, -std::numeric_limits<double>::infinity()));
        });
    // Softmax over the slots.
    auto rowType = f32(b, {batch, heads, seq});
    AffineMap row = map(4, {d(0), d(1), d(2)});
    Value maxima = generic(
        b, loc, masked,
        filled(b, loc, rowType, -std::numeric_limits<double>::infinity()),
        {id4, row}, {par, par, par, red},
        [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::MaximumFOp::create(nb, l, args[0], args[1]);
        });
    Value exps = generic(
        b, loc, {masked, maxima}, empty(b, loc, scoresType), {id4, row, id4},
        parallel(4), [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return math::ExpOp::create(
              nb, l, arith::SubFOp::create(nb, l, args[0], args[1]));
        });
    Value sums =
        generic(b, loc, exps, filled(b, loc, rowType, 0), {id4, row},
                {par, par, par, red},
                [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  return arith::AddFOp::create(nb, l, args[0], args[1]);
                });
    // out[b, s, h, e] = sum_c exps[b, h, s, c] / sums[b, h, s] v[b, c, h /
    // group, e]
    Value out =
        generic(b, loc, {exps, sums, v},
                filled(b, loc, f32(b, {batch, seq, heads, dim}), 0),
                {map(5, {d(0), d(2), d(1), d(4)}), map(5, {d(0), d(2), d(1)}),
                 map(5, {d(0), d(4), d(2).floorDiv(group), d(3)}),
                 map(5, {d(0), d(1), d(2), d(3)})},
                {par, par, par, par, red},
                [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value p = arith::DivFOp::create(nb, l, args[0], args[1]);
                  Value pv = arith::MulFOp::create(nb, l, p, args[2]);
                  return arith::AddFOp::create(nb, l, args[3], pv);
                });
    b.replaceOp(op, reshape(b, loc, out, {batch, seq, heads * dim}));
    return success();
  }
};

} // namespace

void populateAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<RopeLowering, KVCacheWriteLowering, AttentionLowering>(
      patterns.getContext());
}

} // namespace mlir::llmq::graph_to_linalg
