//===- GraphOps.cpp - llmq_graph operations and their verifiers -----------===//
//
// Graphs are static: every tensor has a static shape, and each op checks that
// its operands, its weight shard and its result agree, so an executor (or an
// NPU compiler) can size every buffer before running anything.
//
//===----------------------------------------------------------------------===//

#include "dialects/Graph/GraphOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::llmq_graph;

#define GET_OP_CLASSES
#include "dialects/Graph/GraphOps.cpp.inc"

/// Every value of a graph has a static shape, activations [batch, seq, n].
static LogicalResult checkActivation(Operation *op, Value value,
                                     StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  if (!type.hasStaticShape() || type.getRank() != 3)
    return op->emitOpError() << what << " must be a static tensor<BxSxN>, not "
                             << type;
  return success();
}

static LogicalResult checkPositions(Operation *op, Value positions,
                                    int64_t batch) {
  auto type = cast<RankedTensorType>(positions.getType());
  if (type.getRank() != 1 || type.getDimSize(0) != batch)
    return op->emitOpError() << "positions must be tensor<" << batch
                             << "xi32>, not " << type;
  return success();
}

static int64_t lastDim(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape().back();
}

static ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

LogicalResult EmbeddingOp::verify() {
  ArrayRef<int64_t> ids = shapeOf(getIds()), shard = getWeightShape();
  if (ids.size() != 2 || ShapedType::isDynamicShape(ids))
    return emitOpError("ids must be a static tensor<BxSxi32>");
  if (shard.size() != 2)
    return emitOpError("weight_shape must be [rows, hidden]");
  if (failed(checkActivation(*this, getResult(), "result")))
    return failure();
  ArrayRef<int64_t> out = shapeOf(getResult());
  if (out[0] != ids[0] || out[1] != ids[1] || out[2] != shard[1])
    return emitOpError("result must be tensor<")
           << ids[0] << "x" << ids[1] << "x" << shard[1] << "xf32>";
  return success();
}

LogicalResult RmsNormOp::verify() {
  if (getWeightShape().size() != 1 || getWeightShape()[0] <= 0)
    return emitOpError("weight_shape must be [dim]");
  if (lastDim(getInput()) % getWeightShape()[0] != 0)
    return emitOpError("rows of ")
           << lastDim(getInput()) << " do not split into runs of "
           << getWeightShape()[0];
  return checkActivation(*this, getInput(), "input");
}

LogicalResult MatmulOp::verify() {
  if (failed(checkActivation(*this, getInput(), "input")) ||
      failed(checkActivation(*this, getResult(), "result")))
    return failure();
  ArrayRef<int64_t> shard = getWeightShape();
  if (shard.size() != 2)
    return emitOpError("weight_shape must be [rows, cols]");
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  if (in[2] != shard[1])
    return emitOpError("input has ")
           << in[2] << " features but weight '" << getWeight() << "' has "
           << shard[1] << " columns";
  if (out[0] != in[0] || out[1] != in[1] || out[2] != shard[0])
    return emitOpError("result must be tensor<")
           << in[0] << "x" << in[1] << "x" << shard[0] << "xf32>";
  return success();
}

LogicalResult AddBiasOp::verify() {
  if (getWeightShape().size() != 1 ||
      getWeightShape()[0] != lastDim(getInput()))
    return emitOpError("bias '") << getWeight() << "' must have "
                                 << lastDim(getInput()) << " elements";
  return checkActivation(*this, getInput(), "input");
}

LogicalResult RopeOp::verify() {
  if (failed(checkActivation(*this, getInput(), "input")))
    return failure();
  int64_t dim = getHeadDimAttr().getInt();
  if (dim <= 0 || dim % 2 != 0 || lastDim(getInput()) % dim != 0)
    return emitOpError("head_dim ")
           << dim << " must be even and divide " << lastDim(getInput());
  if (static_cast<int64_t>(getInvFreq().size()) != dim / 2)
    return emitOpError("inv_freq needs head_dim / 2 = ")
           << dim / 2 << " values";
  return checkPositions(*this, getPositions(), shapeOf(getInput())[0]);
}

LogicalResult KVCacheWriteOp::verify() {
  if (failed(checkActivation(*this, getCache(), "cache")) ||
      failed(checkActivation(*this, getInput(), "input")))
    return failure();
  ArrayRef<int64_t> cache = shapeOf(getCache()), in = shapeOf(getInput());
  if (cache[0] != in[0] || cache[2] != in[2])
    return emitOpError("input ") << getInput().getType()
                                 << " does not fit cache " << getCache().getType();
  if (in[1] > cache[1])
    return emitOpError("writes ") << in[1] << " positions into a cache of "
                                  << cache[1];
  return checkPositions(*this, getPositions(), in[0]);
}

LogicalResult AttentionOp::verify() {
  for (auto [value, what] : {std::pair<Value, StringRef>{getQuery(), "query"},
                             {getKeys(), "keys"},
                             {getValues(), "values"}})
    if (failed(checkActivation(*this, value, what)))
      return failure();
  int64_t heads = getNumHeadsAttr().getInt(),
          kvHeads = getNumKvHeadsAttr().getInt(), dim = getHeadDimAttr().getInt();
  if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
    return emitOpError("num_heads ")
           << heads << " must be a positive multiple of num_kv_heads "
           << kvHeads;
  if (lastDim(getQuery()) != heads * dim)
    return emitOpError("query must have num_heads * head_dim = ")
           << heads * dim << " features";
  if (getKeys().getType() != getValues().getType() ||
      lastDim(getKeys()) != kvHeads * dim)
    return emitOpError("keys and values must be equal caches of "
                       "num_kv_heads * head_dim = ")
           << kvHeads * dim << " features";
  if (shapeOf(getKeys())[0] != shapeOf(getQuery())[0])
    return emitOpError("cache batch differs from the query's");
  if (getSlidingWindowAttr().getInt() < 0)
    return emitOpError("sliding_window must not be negative");
  return checkPositions(*this, getPositions(), shapeOf(getQuery())[0]);
}

LogicalResult AllGatherOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  if (getRanksAttr().getInt() <= 0 || in.size() != out.size() ||
      !std::equal(in.begin(), in.end() - 1, out.begin()) ||
      out.back() != in.back() * static_cast<int64_t>(getRanks()))
    return emitOpError("result must be the input with its last axis times ")
           << getRanks();
  return success();
}

LogicalResult SliceOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  int64_t size = getSizeAttr().getInt();
  if (size <= 0 || size > in.back() || in.size() != out.size() ||
      !std::equal(in.begin(), in.end() - 1, out.begin()) || out.back() != size)
    return emitOpError("result must keep the first ")
           << size << " of " << in.back() << " elements of the last axis";
  return success();
}

LogicalResult LogitMaskOp::verify() {
  int64_t vocab = lastDim(getLogits());
  for (ArrayRef<int64_t> ids : {getBanned(), getBiased(), getScaled()})
    for (int64_t id : ids)
      if (id < 0 || id >= vocab)
        return emitOpError("token id ")
               << id << " is outside the vocabulary [0, " << vocab << ")";
  return success();
}
