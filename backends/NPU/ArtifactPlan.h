//===- ArtifactPlan.h - How a model splits over NPU ranks -------*- C++ -*-===//
//
// The sharding of a llmq.model over tensor-parallel ranks and pipeline
// stages, as Megatron-LM does it: q/k/v and gate/up split by output rows
// (heads, ffn rows), attn_output and ffn_down by input columns, embedding and
// LM head by vocabulary rows (padded to a multiple of tp), norms replicated.
// With fewer kv heads than ranks each rank holds a copy of the one kv head
// its query heads read. Everything the graph builder, the shard writer and
// the manifest need is decided here, and every request that cannot be served
// is refused here, before anything is written.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_NPU_ARTIFACTPLAN_H
#define LLMQ_BACKENDS_NPU_ARTIFACTPLAN_H

#include "formats/TensorFormat.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::llmq {
class ModelOp;
} // namespace mlir::llmq

namespace llmq::npu {

struct Bucket {
  int64_t batch = 1;
  int64_t length = 0; ///< prefill: tokens; decode: KV-cache positions
};

enum class Partition { Whole, PerBlock };

struct ArtifactOptions {
  int64_t tp = 1, pp = 1;
  std::vector<Bucket> prefill, decode;
  Partition partition = Partition::Whole;
  /// Format of the blocks' matrices; unset: each weight's IR format (bf16
  /// where it has none). Embedding and LM head keep a float format.
  std::optional<TensorFormat> weights;
  /// Quantize each shard in blocks of its own where block scales would cross
  /// a shard boundary, instead of refusing.
  bool reblock = false;
  /// Also write each graph lowered to upstream dialects
  /// (--llmq-graph-to-linalg), beside the llmq_graph form.
  bool linalgGraphs = false;
  /// Threads converting rows; 0: mlir::llmq::getWorkerThreads's setting.
  unsigned threads = 0;
};

/// Parses "1x64,2x128" (batch x length).
llvm::Expected<std::vector<Bucket>> parseBuckets(llvm::StringRef text,
                                                 llvm::StringRef option);

enum class Split {
  Replicated, ///< every rank holds the whole tensor
  Rows,       ///< column-parallel: rank r holds a range of output rows
  Cols,       ///< row-parallel: rank r holds a range of input columns
  Vocab,      ///< rows of a vocabulary padded to a multiple of tp
  KVHead,     ///< rows of one kv head per rank (kv heads < tp)
};

/// One weight as each rank of its stage stores it.
struct ShardedWeight {
  std::string symbol; ///< the llmq.weight name, also the shard's tensor name
  Split split = Split::Replicated;
  TensorFormat format;
  int64_t rows = 1, cols = 0; ///< full tensor (rows = 1 for vectors)
  bool isVector = false;
  int64_t stage = 0;
  /// The shard of tensor-parallel rank `rank`: rows [rowBegin, rowEnd) and
  /// columns [colBegin, colEnd) of the full tensor; rows at or past `rows`
  /// (vocabulary padding) are zero.
  struct Slice {
    int64_t rowBegin, rowEnd, colBegin, colEnd;
    int64_t numRows() const { return rowEnd - rowBegin; }
    int64_t numCols() const { return colEnd - colBegin; }
  };
  Slice slice(int64_t rank) const;
  /// How slice() divides: tp ranks; `paddedRows` for Vocab; for KVHead,
  /// `headRows` rows per kv head shared by `ranksPerHead` consecutive ranks.
  int64_t tp = 1, paddedRows = 0, headRows = 0, ranksPerHead = 1;
  /// Shard blocks are anchored at the shard's origin rather than the full
  /// tensor's (--reblock where they would cross a boundary).
  bool reblocked = false;
};

struct StagePlan {
  int64_t firstBlock = 0, endBlock = 0;
};

struct ArtifactPlan {
  ArtifactOptions options;
  std::vector<StagePlan> stages;
  std::vector<ShardedWeight> weights; ///< in model order
  /// Per rank of a stage.
  int64_t localHeads = 0, localKVHeads = 0, localFfn = 0, localVocab = 0;
  int64_t paddedVocab = 0;
  /// Query heads per kv head in the whole model (the GQA group).
  int64_t kvGroup = 1;
  bool anyReblocked = false;

  int64_t numRanks() const { return options.tp * options.pp; }
  /// Processing elements are 8 per NPU (FuriosaAI RNGD).
  static constexpr int64_t kPEsPerNPU = 8;
  int64_t numNPUs() const {
    return (numRanks() + kPEsPerNPU - 1) / kPEsPerNPU;
  }
  int64_t stageOfBlock(int64_t block) const;
  const ShardedWeight *find(llvm::StringRef symbol) const;
};

/// Checks the request against the model and decides every shard. Errors name
/// the option or the weight at fault.
llvm::Expected<ArtifactPlan> planArtifact(mlir::llmq::ModelOp model,
                                          const ArtifactOptions &options);

} // namespace llmq::npu

#endif // LLMQ_BACKENDS_NPU_ARTIFACTPLAN_H
