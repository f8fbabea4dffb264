//===- Weights.cpp - Weights as function arguments, dequantized in IR ----===//
//
// A lowered graph takes its weights as arguments, never as constants: the
// shard file is bound at load, as the interpreter maps it. Each stored
// component is one argument (codes, scales), so a downstream compiler sees
// the real storage and the dequantization as IR it can fuse. Float formats
// (f32, f16, bf16) are read in place with arith.extf inside the consumer;
// fp8 blocks, int8 channels and int4 groups of 128 are dequantized by a
// linalg.generic; ggml's block formats (q4_K ...) by a call to the runtime
// ABI's `llmq_rt_dequantize_<format>`, whose bit layouts are ggml's.
//
//===----------------------------------------------------------------------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "dialects/Graph/GraphOps.h"
#include "formats/Formats.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::llmq::graph_to_linalg {

static constexpr StringLiteral kWeight = "llmq_graph.weight";
static constexpr StringLiteral kComponent = "llmq_graph.component";
static constexpr StringLiteral kFormat = "llmq_graph.format";
static constexpr StringLiteral kPort = "llmq_graph.port";

namespace {
struct Component {
  StringRef name;
  RankedTensorType type;
};
} // namespace

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// The stored components of a weight of `format` and `shape`, or failure.
static FailureOr<SmallVector<Component>>
components(OpBuilder &b, StringRef format, ArrayRef<int64_t> shape) {
  auto t = [&](ArrayRef<int64_t> dims, Type element) {
    return RankedTensorType::get(dims, element);
  };
  if (shape.size() == 1)
    return SmallVector<Component>{{"weight", t(shape, b.getF32Type())}};
  if (shape.size() != 2)
    return failure();
  int64_t rows = shape[0], cols = shape[1];
  if (format == "f32")
    return SmallVector<Component>{{"weight", t(shape, b.getF32Type())}};
  if (format == "f16")
    return SmallVector<Component>{{"weight", t(shape, b.getF16Type())}};
  if (format == "bf16")
    return SmallVector<Component>{{"weight", t(shape, b.getBF16Type())}};
  if (format == "fp8_block")
    return SmallVector<Component>{
        {"weight", t(shape, b.getType<Float8E4M3FNType>())},
        {"scale_inv",
         t({ceilDiv(rows, 128), ceilDiv(cols, 128)}, b.getF32Type())}};
  if (format == "int8")
    return SmallVector<Component>{{"weight", t(shape, b.getI8Type())},
                                  {"scale", t({rows}, b.getF32Type())}};
  if (format == "int4_g128") {
    if (cols % 128 != 0)
      return failure();
    return SmallVector<Component>{
        {"weight", t({rows, cols / 8}, b.getI32Type())},
        {"scale", t({rows, cols / 128}, b.getF32Type())}};
  }
  std::optional<::llmq::Format> ggml = ::llmq::lookupFormat(format);
  if (!ggml)
    return failure();
  const ::llmq::FormatTraits &traits = ::llmq::getFormatTraits(*ggml);
  if (traits.blockElems == 0 || cols % traits.blockElems != 0)
    return failure();
  int64_t rowBytes = cols / traits.blockElems * traits.blockBytes;
  return SmallVector<Component>{{"weight", t({rows, rowBytes}, b.getI8Type())}};
}

static BlockArgument findArgument(func::FuncOp func, StringRef weight,
                                  StringRef component) {
  for (BlockArgument arg : func.getArguments()) {
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kWeight);
    auto part =
        func.getArgAttrOfType<StringAttr>(arg.getArgNumber(), kComponent);
    if (name && part && name.getValue() == weight &&
        part.getValue() == component)
      return arg;
  }
  return {};
}

LogicalResult addWeightArguments(func::FuncOp func) {
  OpBuilder b(func.getContext());
  LogicalResult result = success();
  func.walk([&](Operation *op) {
    auto weight = op->getAttrOfType<StringAttr>("weight");
    auto shape = op->getAttrOfType<DenseI64ArrayAttr>("weight_shape");
    auto format = op->getAttrOfType<StringAttr>("format");
    if (!weight || !shape || !format)
      return WalkResult::advance();
    auto parts = components(b, format.getValue(), shape.asArrayRef());
    if (failed(parts)) {
      op->emitOpError("weight '")
          << weight.getValue() << "' is stored as " << format.getValue()
          << ", which --llmq-graph-to-linalg cannot lower";
      result = failure();
      return WalkResult::interrupt();
    }
    for (const Component &part : *parts) {
      if (findArgument(func, weight.getValue(), part.name))
        continue;
      NamedAttribute attrs[] = {
          b.getNamedAttr(kWeight, weight),
          b.getNamedAttr(kComponent, b.getStringAttr(part.name)),
          b.getNamedAttr(kFormat, format)};
      unsigned index = func.getNumArguments();
      if (failed(func.insertArgument(
              index, part.type, b.getDictionaryAttr(attrs), func.getLoc())))
        result = failure();
    }
    return WalkResult::advance();
  });
  if (failed(result))
    return failure();
  return func.insertArgument(
      func.getNumArguments(), b.getI64Type(),
      b.getDictionaryAttr(b.getNamedAttr(kPort, b.getStringAttr("rank"))),
      func.getLoc());
}

Value rankArgument(func::FuncOp func) {
  return func.getArgument(func.getNumArguments() - 1);
}

Value weightVector(func::FuncOp func, StringRef name) {
  return findArgument(func, name, "weight");
}

Value floatWeightMatrix(func::FuncOp func, StringRef name, StringRef format) {
  if (format != "f32" && format != "f16" && format != "bf16")
    return {};
  return findArgument(func, name, "weight");
}

Value weightMatrixF32(OpBuilder &b, Location loc, func::FuncOp func,
                      StringRef name, StringRef format,
                      ArrayRef<int64_t> shape) {
  RankedTensorType out = f32(b, shape);
  AffineExpr r = b.getAffineDimExpr(0), c = b.getAffineDimExpr(1);
  AffineMap id = b.getMultiDimIdentityMap(2);
  if (Value w = floatWeightMatrix(func, name, format))
    return elementwise(b, loc, w, out,
                       [](OpBuilder &nb, Location l, ValueRange args) {
                         return toF32(nb, l, args[0]);
                       });
  Value codes = findArgument(func, name, "weight");
  if (format == "fp8_block") {
    Value scale = findArgument(func, name, "scale_inv");
    AffineMap blockMap = AffineMap::get(
        2, 0, {r.floorDiv(128), c.floorDiv(128)}, b.getContext());
    return generic(
        b, loc, {codes, scale}, empty(b, loc, out), {id, blockMap, id},
        parallel(2), [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::MulFOp::create(nb, l, toF32(nb, l, args[0]), args[1]);
        });
  }
  if (format == "int8") {
    Value scale = findArgument(func, name, "scale");
    AffineMap rowMap = AffineMap::get(2, 0, {r}, b.getContext());
    return generic(
        b, loc, {codes, scale}, empty(b, loc, out), {id, rowMap, id},
        parallel(2), [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          return arith::MulFOp::create(nb, l, toF32(nb, l, args[0]), args[1]);
        });
  }
  if (format == "int4_g128") {
    // Column c is bits 4 (c mod 8) .. 4 (c mod 8) + 3 of word c / 8 of its
    // row, a level 0..15 standing for level - 8 (symmetric), times the
    // scale of its group of 128 (formats/quant/GroupFormats packLevels).
    Value scale = findArgument(func, name, "scale");
    AffineMap wordMap =
        AffineMap::get(2, 0, {r, c.floorDiv(8)}, b.getContext());
    AffineMap groupMap =
        AffineMap::get(2, 0, {r, c.floorDiv(128)}, b.getContext());
    return generic(
        b, loc, {codes, scale}, empty(b, loc, out), {wordMap, groupMap, id},
        parallel(2), [](OpBuilder &nb, Location l, ValueRange args) -> Value {
          Value col = linalg::IndexOp::create(nb, l, 1);
          Value lane = arith::RemUIOp::create(nb, l, col, indexConst(nb, l, 8));
          Value shift = arith::MulIOp::create(
              nb, l, arith::IndexCastOp::create(nb, l, nb.getI32Type(), lane),
              arith::ConstantIntOp::create(nb, l, nb.getI32Type(), 4));
          Value bits = arith::ShRUIOp::create(nb, l, args[0], shift);
          Value level = arith::AndIOp::create(
              nb, l, bits,
              arith::ConstantIntOp::create(nb, l, nb.getI32Type(), 15));
          Value centred = arith::SubIOp::create(
              nb, l, level,
              arith::ConstantIntOp::create(nb, l, nb.getI32Type(), 8));
          return arith::MulFOp::create(nb, l, toF32(nb, l, centred), args[1]);
        });
  }
  // A ggml block format: the runtime's dequantizer, on dynamic shapes so
  // one declaration serves every weight of the format.
  auto bytesType = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, b.getI8Type());
  auto floatsType = RankedTensorType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic}, b.getF32Type());
  func::FuncOp callee = runtimeFunction(
      b, func, ("llmq_rt_dequantize_" + format).str(),
      b.getFunctionType({bytesType, b.getI64Type()}, {floatsType}));
  Value dynamicBytes = tensor::CastOp::create(b, loc, bytesType, codes);
  Value cols = arith::ConstantIntOp::create(b, loc, b.getI64Type(), shape[1]);
  Value floats =
      func::CallOp::create(b, loc, callee, ValueRange{dynamicBytes, cols})
          .getResult(0);
  return tensor::CastOp::create(b, loc, out, floats);
}

} // namespace mlir::llmq::graph_to_linalg
