//===- Builders.cpp - Small builders the lowering patterns share ----------===//

#include "conversion/GraphToLinalg/GraphToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::llmq::graph_to_linalg {

RankedTensorType f32(OpBuilder &b, ArrayRef<int64_t> shape) {
  return RankedTensorType::get(shape, b.getF32Type());
}

Value empty(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(),
                                 type.getElementType());
}

Value f32Const(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(value)));
}

Value indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value init = empty(b, loc, type);
  Value scalar = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), value));
  return linalg::FillOp::create(b, loc, scalar, init).getResult(0);
}

SmallVector<utils::IteratorType> parallel(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return op.getResult(0);
}

Value elementwise(OpBuilder &b, Location loc, ValueRange inputs,
                  RankedTensorType type,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = type.getRank();
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(rank));
  return generic(b, loc, inputs, empty(b, loc, type), maps, parallel(rank),
                 body);
}

Value toF32(OpBuilder &b, Location loc, Value value) {
  Type type = value.getType();
  if (type.isF32())
    return value;
  if (isa<FloatType>(type))
    return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), value);
}

Value reshape(OpBuilder &b, Location loc, Value value,
              ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  auto target = RankedTensorType::get(shape, type.getElementType());
  // Whole-tensor reassociations: to and from one dimension, or one trailing
  // dimension split in two (or two merged), which is all the lowering needs.
  auto all = [](int64_t rank) {
    ReassociationIndices group;
    for (int64_t i = 0; i < rank; ++i)
      group.push_back(i);
    return SmallVector<ReassociationIndices>{group};
  };
  if (shape.size() == 1)
    return tensor::CollapseShapeOp::create(b, loc, target, value,
                                           all(type.getRank()));
  if (type.getRank() == 1)
    return tensor::ExpandShapeOp::create(b, loc, target, value,
                                         all(shape.size()));
  SmallVector<ReassociationIndices> groups;
  int64_t small = std::min<int64_t>(type.getRank(), shape.size());
  for (int64_t i = 0; i + 1 < small; ++i)
    groups.push_back({i});
  ReassociationIndices last;
  for (int64_t i = small - 1;
       i < std::max<int64_t>(type.getRank(), shape.size()); ++i)
    last.push_back(i);
  groups.push_back(last);
  if (static_cast<int64_t>(shape.size()) > type.getRank())
    return tensor::ExpandShapeOp::create(b, loc, target, value, groups);
  return tensor::CollapseShapeOp::create(b, loc, target, value, groups);
}

func::FuncOp runtimeFunction(OpBuilder &b, Operation *user, StringRef name,
                             FunctionType type) {
  auto module = user->getParentOfType<ModuleOp>();
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto decl = func::FuncOp::create(b, user->getLoc(), name, type);
  decl.setPrivate();
  return decl;
}

} // namespace mlir::llmq::graph_to_linalg
