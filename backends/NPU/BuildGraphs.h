//===- BuildGraphs.h - Lowering a model to llmq_graph graphs ----*- C++ -*-===//
//
// One static-shape graph per pipeline stage, bucket and phase (prefill:
// B x S tokens from position 0; decode: B x 1 token over a B x C cache), or,
// with --partition per-block, one per embedding, block and LM head as in
// the CNNX flow. Every tensor-parallel rank of a stage runs the same graph
// on its own weight shard.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_BUILDGRAPHS_H
#define LLMQ_BACKENDS_NPU_BUILDGRAPHS_H

#include "backends/NPU/ArtifactPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace llmq::npu {

enum class Phase { Prefill, Decode };
llvm::StringRef phaseName(Phase phase);

/// What part of a stage a graph computes: all of it, or (--partition
/// per-block) the embedding, one block or the LM head.
enum class Piece { Whole, Embedding, Block, LmHead };
/// "whole", "embedding", "block", "lm_head".
llvm::StringRef pieceName(Piece piece);

/// A graph argument or result. Names: "ids", "positions", "hidden",
/// "logits", "k_cache.N", "v_cache.N" (N = block index).
struct Port {
  std::string name;
  llvm::SmallVector<int64_t, 3> shape;
  std::string dtype; ///< "f32" or "i32"
};

struct GraphInfo {
  std::string name;  ///< also the func's symbol and the file stem
  Phase phase;
  Bucket bucket;
  int64_t stage = 0;
  Piece piece = Piece::Whole;
  int64_t block = -1; ///< for Piece::Block
  std::vector<Port> inputs, outputs;
};

struct BuiltGraph {
  GraphInfo info;
  mlir::OwningOpRef<mlir::ModuleOp> module; ///< holds the one func.func
};

/// Builds every graph of the artifact, in a fixed order: phase, bucket,
/// stage, piece.
std::vector<BuiltGraph> buildGraphs(mlir::llmq::ModelOp model,
                                    const ArtifactPlan &plan);

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_BUILDGRAPHS_H
