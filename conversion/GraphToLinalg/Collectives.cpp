//===- Collectives.cpp - Collectives and pipeline transfers as ABI calls --===//
//
// What crosses ranks is the executor's business, not the graph's: each op
// becomes a call into the runtime ABI (docs/backends/npu-artifact.md,
// "Runtime ABI") on a flat, dynamically sized f32 tensor, so one declaration
// serves every shape:
//
//   llmq_rt_all_reduce(x: tensor<?xf32>, ranks: i64) -> tensor<?xf32>
//   llmq_rt_all_gather(x: tensor<?xf32>, part: i64, ranks: i64) ->
//   tensor<?xf32> llmq_rt_send(x: tensor<?xf32>, stage: i64)
//   llmq_rt_recv(stage: i64, count: i64) -> tensor<?xf32>
//
// with the interpreter's semantics (sums in rank order; all_gather
// concatenates each row's parts in rank order).
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "dialects/Graph/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::llmq::graph_to_linalg {
namespace {

using namespace mlir::llmq_graph;

RankedTensorType dynamicF32(OpBuilder &b) {
  return RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type());
}

/// `value` flattened and cast to tensor<?xf32>.
Value flat(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  Value line = reshape(b, loc, value, {type.getNumElements()});
  return tensor::CastOp::create(b, loc, dynamicF32(b), line);
}

/// A tensor<?xf32> from the ABI as `type`.
Value shaped(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  Value line =
      tensor::CastOp::create(b, loc, f32(b, {type.getNumElements()}), value);
  return reshape(b, loc, line, type.getShape());
}

Value i64(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), value);
}

struct AllReduceLowering : OpConversionPattern<AllReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllReduceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    func::FuncOp callee = runtimeFunction(
        b, op, "llmq_rt_all_reduce",
        b.getFunctionType({dynamicF32(b), b.getI64Type()}, dynamicF32(b)));
    Value sum =
        func::CallOp::create(b, loc, callee,
                             ValueRange{flat(b, loc, adaptor.getInput()),
                                        i64(b, loc, op.getRanks())})
            .getResult(0);
    b.replaceOp(op, shaped(b, loc, sum, type));
    return success();
  }
};

struct AllGatherLowering : OpConversionPattern<AllGatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AllGatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto in = cast<RankedTensorType>(op.getInput().getType());
    func::FuncOp callee = runtimeFunction(
        b, op, "llmq_rt_all_gather",
        b.getFunctionType({dynamicF32(b), b.getI64Type(), b.getI64Type()},
                          dynamicF32(b)));
    Value all =
        func::CallOp::create(b, loc, callee,
                             ValueRange{flat(b, loc, adaptor.getInput()),
                                        i64(b, loc, in.getShape().back()),
                                        i64(b, loc, op.getRanks())})
            .getResult(0);
    b.replaceOp(op, shaped(b, loc, all, cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct SendLowering : OpConversionPattern<SendOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SendOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    func::FuncOp callee =
        runtimeFunction(b, op, "llmq_rt_send",
                        b.getFunctionType({dynamicF32(b), b.getI64Type()}, {}));
    func::CallOp::create(b, op.getLoc(), callee,
                         ValueRange{flat(b, op.getLoc(), adaptor.getInput()),
                                    i64(b, op.getLoc(), op.getStage())});
    b.eraseOp(op);
    return success();
  }
};

struct RecvLowering : OpConversionPattern<RecvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(RecvOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    func::FuncOp callee = runtimeFunction(
        b, op, "llmq_rt_recv",
        b.getFunctionType({b.getI64Type(), b.getI64Type()}, dynamicF32(b)));
    Value got =
        func::CallOp::create(b, loc, callee,
                             ValueRange{i64(b, loc, op.getStage()),
                                        i64(b, loc, type.getNumElements())})
            .getResult(0);
    b.replaceOp(op, shaped(b, loc, got, type));
    return success();
  }
};

} // namespace

void populateCollectivePatterns(RewritePatternSet &patterns) {
  patterns
      .add<AllReduceLowering, AllGatherLowering, SendLowering, RecvLowering>(
          patterns.getContext());
}

} // namespace mlir::llmq::graph_to_linalg
