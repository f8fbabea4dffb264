//===- Matmul.cpp - Products with weight shards, and the embedding --------===//
//
// matmul: x[..., k] times the shard's rows, out[..., n] = sum_k x[k] w[n, k],
// one linalg.generic with the reduction innermost; float weights are read in
// their stored type and widened in the body, so no f32 copy of a weight is
// materialized. The embedding gathers rows of the rank's vocabulary slice:
// ids outside it give zeros (the all_reduce that follows completes it).
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "dialects/Graph/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::llmq::graph_to_linalg {
namespace {

using namespace mlir::llmq_graph;

/// The weight a product reads: its stored float matrix, or its f32
/// dequantization.
Value productWeight(OpBuilder &b, Location loc, Operation *op, StringRef name,
                    StringRef format, ArrayRef<int64_t> shape) {
  auto func = op->getParentOfType<func::FuncOp>();
  if (Value stored = floatWeightMatrix(func, name, format))
    return stored;
  return weightMatrixF32(b, loc, func, name, format, shape);
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value w = productWeight(b, loc, op, op.getWeight(), op.getFormat(),
                            op.getWeightShape());
    // Loops (prefix..., n, k).
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineExpr> prefix;
    for (int64_t i = 0; i + 1 < rank; ++i)
      prefix.push_back(b.getAffineDimExpr(i));
    AffineExpr n = b.getAffineDimExpr(rank - 1), k = b.getAffineDimExpr(rank);
    SmallVector<AffineExpr> xExprs(prefix), outExprs(prefix);
    xExprs.push_back(k);
    outExprs.push_back(n);
    SmallVector<utils::IteratorType> iters = parallel(rank);
    iters.push_back(utils::IteratorType::reduction);
    Value result =
        generic(b, loc, {adaptor.getInput(), w}, filled(b, loc, type, 0),
                {AffineMap::get(rank + 1, 0, xExprs, ctx),
                 AffineMap::get(rank + 1, 0, {n, k}, ctx),
                 AffineMap::get(rank + 1, 0, outExprs, ctx)},
                iters, [](OpBuilder &nb, Location l, ValueRange args) -> Value {
                  Value product = arith::MulFOp::create(nb, l, args[0],
                                                        toF32(nb, l, args[1]));
                  return arith::AddFOp::create(nb, l, args[2], product);
                });
    b.replaceOp(op, result);
    return success();
  }
};

struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    int64_t rows = op.getWeightShape()[0];
    auto func = op->getParentOfType<func::FuncOp>();
    Value table = productWeight(b, loc, op, op.getWeight(), op.getFormat(),
                                op.getWeightShape());
    // The first vocabulary row of this rank's shard: rank * rows.
    Value first = arith::MulIOp::create(
        b, loc, rankArgument(func),
        arith::ConstantIntOp::create(b, loc, b.getI64Type(), rows));
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineExpr> tokenExprs;
    for (int64_t i = 0; i + 1 < rank; ++i)
      tokenExprs.push_back(b.getAffineDimExpr(i));
    AffineMap id = b.getMultiDimIdentityMap(rank);
    Value result = generic(
        b, loc, adaptor.getIds(), empty(b, loc, type),
        {AffineMap::get(rank, 0, tokenExprs, ctx), id}, parallel(rank),
        [&](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value id64 = arith::ExtSIOp::create(nb, l, nb.getI64Type(), args[0]);
          Value local = arith::SubIOp::create(nb, l, id64, first);
          Value zero = arith::ConstantIntOp::create(nb, l, nb.getI64Type(), 0);
          Value count =
              arith::ConstantIntOp::create(nb, l, nb.getI64Type(), rows);
          Value inside = arith::AndIOp::create(
              nb, l,
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, local,
                                    zero),
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, local,
                                    count));
          Value row = arith::IndexCastOp::create(
              nb, l, nb.getIndexType(),
              arith::SelectOp::create(nb, l, inside, local, zero));
          Value col = linalg::IndexOp::create(nb, l, rank - 1);
          Value value = toF32(
              nb, l,
              tensor::ExtractOp::create(nb, l, table, ValueRange{row, col}));
          return arith::SelectOp::create(nb, l, inside, value,
                                         f32Const(nb, l, 0.0));
        });
    b.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateMatmulPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, EmbeddingLowering>(patterns.getContext());
}

} // namespace mlir::llmq::graph_to_linalg
