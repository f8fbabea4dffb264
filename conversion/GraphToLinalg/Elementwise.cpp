//===- Elementwise.cpp - Norms, residual sums, SwiGLU, slices, masks ------===//
//
// The ops that read each value once: linalg.generic on the input's shape.
// RMS norm is two generics, the sum of squares per run of `dim` values
// (a reduction), then the scaled values, as runtime/exec/Kernels rmsNorm.
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "dialects/Graph/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

namespace mlir::llmq::graph_to_linalg {
namespace {

using namespace mlir::llmq_graph;

/// The function a graph op is lowered in.
func::FuncOp parentFunc(Operation *op) {
  return op->getParentOfType<func::FuncOp>();
}

struct RmsNormLowering : OpConversionPattern<RmsNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RmsNormOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank(), dim = op.getWeightShape()[0];
    int64_t features = type.getShape().back(), groups = features / dim;
    Value weight = weightVector(parentFunc(op), op.getWeight());
    // Sum of squares of each run: loops (prefix..., group, d).
    SmallVector<int64_t> sumShape(type.getShape().drop_back());
    sumShape.push_back(groups);
    SmallVector<AffineExpr> prefix;
    for (int64_t i = 0; i + 1 < rank; ++i)
      prefix.push_back(b.getAffineDimExpr(i));
    AffineExpr g = b.getAffineDimExpr(rank - 1), d = b.getAffineDimExpr(rank);
    SmallVector<AffineExpr> xExprs(prefix), sumExprs(prefix);
    xExprs.push_back(g * dim + d);
    sumExprs.push_back(g);
    MLIRContext *ctx = b.getContext();
    SmallVector<utils::IteratorType> iters = parallel(rank);
    iters.push_back(utils::IteratorType::reduction);
    Value sums =
        generic(b, loc, {adaptor.getInput(), weight},
                filled(b, loc, f32(b, sumShape), 0),
                {AffineMap::get(rank + 1, 0, xExprs, ctx),
                 AffineMap::get(rank + 1, 0, {d}, ctx),
                 AffineMap::get(rank + 1, 0, sumExprs, ctx)},
                iters, [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value square = arith::MulFOp::create(nb, l, args[0], args[0]);
                  return arith::AddFOp::create(nb, l, args[2], square);
                });
    // weight[d] * (x * 1 / sqrt(sum / dim + eps)), per element.
    AffineExpr f = b.getAffineDimExpr(rank - 1);
    SmallVector<AffineExpr> perRun(prefix);
    perRun.push_back(f.floorDiv(dim));
    AffineMap id = b.getMultiDimIdentityMap(rank);
    double eps = op.getEps().convertToDouble();
    Value result = generic(
        b, loc, {adaptor.getInput(), sums, weight}, empty(b, loc, type),
        {id, AffineMap::get(rank, 0, perRun, ctx),
         AffineMap::get(rank, 0, {f % dim}, ctx), id},
        parallel(rank),
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value mean = arith::DivFOp::create(nb, l, args[1],
                                             f32Const(nb, l, double(dim)));
          Value shifted =
              arith::AddFOp::create(nb, l, mean, f32Const(nb, l, eps));
          Value scale =
              arith::DivFOp::create(nb, l, f32Const(nb, l, 1.0),
                                    math::SqrtOp::create(nb, l, shifted));
          Value scaled = arith::MulFOp::create(nb, l, args[0], scale);
          return arith::MulFOp::create(nb, l, args[2], scaled);
        });
    b.replaceOp(op, result);
    return success();
  }
};

struct AddBiasLowering : OpConversionPattern<AddBiasOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AddBiasOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    AffineMap last =
        AffineMap::get(rank, 0, {b.getAffineDimExpr(rank - 1)}, b.getContext());
    Value bias = weightVector(parentFunc(op), op.getWeight());
    b.replaceOp(
        op,
        generic(
            b, op.getLoc(), {adaptor.getInput(), bias},
            empty(b, op.getLoc(), type), {id, last, id}, parallel(rank),
            [](OpBuilder &nb, Location l, ValueRange args) {
              return arith::AddFOp::create(nb, l, args[0], args[1]).getResult();
            }));
    return success();
  }
};

struct AddLowering : OpConversionPattern<AddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AddOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    b.replaceOp(
        op,
        elementwise(
            b, op.getLoc(), {adaptor.getLhs(), adaptor.getRhs()},
            cast<RankedTensorType>(op.getType()),
            [](OpBuilder &nb, Location l, ValueRange args) {
              return arith::AddFOp::create(nb, l, args[0], args[1]).getResult();
            }));
    return success();
  }
};

struct SwiGLULowering : OpConversionPattern<SwiGLUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SwiGLUOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    // gate / (1 + exp(-gate)) * up, as runtime/exec/Kernels siluMul.
    b.replaceOp(
        op,
        elementwise(
            b, op.getLoc(), {adaptor.getGate(), adaptor.getUp()},
            cast<RankedTensorType>(op.getType()),
            [](OpBuilder &nb, Location l, ValueRange args) {
              Value e = math::ExpOp::create(
                  nb, l, arith::NegFOp::create(nb, l, args[0]));
              Value denom =
                  arith::AddFOp::create(nb, l, f32Const(nb, l, 1.0), e);
              Value silu = arith::DivFOp::create(nb, l, args[0], denom);
              return arith::MulFOp::create(nb, l, silu, args[1]).getResult();
            }));
    return success();
  }
};

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes,
        strides(type.getRank(), b.getIndexAttr(1));
    for (int64_t d : type.getShape())
      sizes.push_back(b.getIndexAttr(d));
    b.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, adaptor.getInput(),
                                                 offsets, sizes, strides);
    return success();
  }
};

/// Whether index `v` is one of `ids` (a chain of compares: the lists are
/// a few ids).
Value isOneOf(OpBuilder &b, Location loc, Value v, ArrayRef<int64_t> ids) {
  Value any = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
  for (int64_t id : ids) {
    Value eq = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                     indexConst(b, loc, id));
    any = arith::OrIOp::create(b, loc, any, eq);
  }
  return any;
}

struct LogitMaskLowering : OpConversionPattern<LogitMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LogitMaskOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    float scale = static_cast<float>(op.getScale().convertToDouble());
    float bias = static_cast<float>(op.getBias().convertToDouble());
    // In the reference runtime's order: scale, then bias, then ban.
    b.replaceOp(
        op,
        elementwise(
            b, op.getLoc(), adaptor.getLogits(), type,
            [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
              Value v = linalg::IndexOp::create(nb, l, rank - 1);
              Value x = args[0];
              if (!op.getScaled().empty())
                x = arith::SelectOp::create(
                    nb, l, isOneOf(nb, l, v, op.getScaled()),
                    arith::MulFOp::create(nb, l, x, f32Const(nb, l, scale)), x);
              if (!op.getBiased().empty())
                x = arith::SelectOp::create(
                    nb, l, isOneOf(nb, l, v, op.getBiased()),
                    arith::AddFOp::create(nb, l, x, f32Const(nb, l, bias)), x);
              if (!op.getBanned().empty())
                x = arith::SelectOp::create(
                    nb, l, isOneOf(nb, l, v, op.getBanned()),
                    f32Const(nb, l, -std::numeric_limits<double>::infinity()),
                    x);
              return x;
            }));
    return success();
  }
};

} // namespace

void populateElementwisePatterns(RewritePatternSet &patterns) {
  patterns.add<RmsNormLowering, AddBiasLowering, AddLowering, SwiGLULowering,
               SliceLowering, LogitMaskLowering>(patterns.getContext());
}

} // namespace mlir::llmq::graph_to_linalg
