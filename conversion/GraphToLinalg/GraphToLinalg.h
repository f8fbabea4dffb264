//===- GraphToLinalg.h - Patterns of --llmq-graph-to-linalg -----*- C++ -*-===//
//
// One populate function per op family, as upstream conversions are split,
// plus the small builders they share. All shapes are static: the NPU graphs
// are built per bucket.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H
#define LLMQ_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::llmq::graph_to_linalg {

//===-- Builders ----------------------------------------------------------===//

/// tensor.empty of `type`'s shape and element type.
Value empty(OpBuilder &b, Location loc, RankedTensorType type);
/// A tensor of `type` filled with `value`.
Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value);
/// An f32 tensor type.
RankedTensorType f32(OpBuilder &b, ArrayRef<int64_t> shape);
/// linalg.generic with one result written into `init`; `body` gets the
/// element arguments (inputs, then the init's) and yields one value.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body);
/// `n` parallel iterators.
SmallVector<utils::IteratorType> parallel(unsigned n);
/// Elementwise map of same-shaped tensors into a tensor of `type`.
Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  RankedTensorType type,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body);
/// An f32 / index / i64 constant.
Value f32Const(OpBuilder &b, Location loc, double value);
Value indexConst(OpBuilder &b, Location loc, int64_t value);
/// `value` (f16/bf16/f8/f32) as f32.
Value toF32(OpBuilder &b, Location loc, Value value);
/// Reshapes `value` to `shape` (same element count) through a flat tensor.
Value reshape(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> shape);

/// The runtime ABI's function `name` of `type` (docs/backends/
/// npu-artifact.md "Runtime ABI"), declared private once in `user`'s module.
func::FuncOp runtimeFunction(OpBuilder &b, Operation *user, StringRef name,
                             FunctionType type);

//===-- Weights -----------------------------------------------------------===//

/// Adds a block argument for each weight component `func`'s graph ops read
/// (in first-use order) and the rank argument; fails on a format the
/// lowering does not know, naming the op and the weight.
LogicalResult addWeightArguments(func::FuncOp func);
/// The rank argument added by addWeightArguments.
Value rankArgument(func::FuncOp func);
/// The weight `name` as an f32 matrix [rows, cols], dequantized in the IR (or
/// by the runtime ABI's dequantizer for ggml block formats).
Value weightMatrixF32(OpBuilder &b, Location loc, func::FuncOp func,
                      StringRef name, StringRef format,
                      ArrayRef<int64_t> shape);
/// The weight's stored matrix when it is a float format (f32, f16, bf16),
/// read element by element with toF32; null otherwise.
Value floatWeightMatrix(func::FuncOp func, StringRef name, StringRef format);
/// The f32 vector `name` (norm weights, biases).
Value weightVector(func::FuncOp func, StringRef name);

//===-- Patterns ----------------------------------------------------------===//

void populateElementwisePatterns(RewritePatternSet &patterns);
void populateMatmulPatterns(RewritePatternSet &patterns);
void populateAttentionPatterns(RewritePatternSet &patterns);
void populateCollectivePatterns(RewritePatternSet &patterns);

} // namespace mlir::llmq::graph_to_linalg

#endif // LLMQ_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H
