//===- Artifact.h - An NPU artifact, loaded for execution -------*- C++ -*-===//
//
// Reads an artifact directory written by --export-npu-artifact: the
// manifest, every graph (parsed and verified), and each rank's weight file,
// whose shard tensors are bound by name for the graphs to read. Group-format
// shards (fp8_block, int8, int4_g128) are dequantized to f32 once at load:
// this executor proves the sharding and the graphs right, it is not a fast
// NPU simulator. All ranks live in one process; ArtifactSession runs them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_ARTIFACT_ARTIFACT_H
#define LLMQ_RUNTIME_ARTIFACT_ARTIFACT_H

#include "runtime/exec/Decoder.h"
#include "runtime/exec/Kernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace llmq {
class MappedFile;
} // namespace llmq

namespace llmq::runtime {

struct ArtifactGraph {
  std::string name;
  bool prefill = true;
  int64_t batch = 1, length = 0, stage = 0;
  std::string piece; ///< whole, embedding, block, lm_head
  std::vector<std::string> inputs, outputs; ///< port names, in order
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::func::FuncOp func;
  /// The lowered graph (--graph-dialect=linalg), hash-checked at load: its
  /// text file (the bytecode where the manifest names no text) and path;
  /// null when the artifact has none.
  std::shared_ptr<llvm::MemoryBuffer> lowered;
  std::string loweredPath;
};

/// One safetensors entry of a rank file as stored (mapped, never copied).
struct ShardComponent {
  const uint8_t *data = nullptr;
  uint64_t bytes = 0;
  llvm::SmallVector<int64_t, 2> shape;
  std::string dtype; ///< safetensors dtype name: BF16, F8_E4M3, F32, ...
};

/// One rank's shard tensors, by weight name.
struct RankWeights {
  std::unique_ptr<MappedFile> file;
  llvm::StringMap<WeightView> matrices;
  llvm::StringMap<std::vector<float>> vectors;
  /// Dequantized group-format shards that `matrices` views point into.
  std::vector<std::unique_ptr<std::vector<float>>> owned;
  /// Every component the manifest lists, by safetensors key, checked
  /// against the file's header (the compiled engine binds these).
  llvm::StringMap<ShardComponent> components;
};

struct GraphTensor;

/// Something other than the interpreter that runs graphs (the JIT engine,
/// runtime/jit/): given the same ports and mailbox as runGraph.
class GraphEngine {
public:
  virtual ~GraphEngine();
  virtual llvm::Error
  run(const ArtifactGraph &graph,
      std::vector<llvm::StringMap<GraphTensor>> &ports,
      std::map<std::pair<int64_t, int64_t>, GraphTensor> &mailbox,
      ThreadPool &pool) = 0;
};

class Artifact : public LanguageModel {
public:
  /// Loads `dir`; errors name the file (and tensor) at fault.
  static llvm::Expected<std::unique_ptr<Artifact>>
  open(llvm::StringRef dir, mlir::MLIRContext &context);
  ~Artifact() override;

  llvm::StringRef modelName() const override { return name; }
  int64_t vocabSize() const override { return vocab; }
  int64_t contextSize() const override { return context; }
  llvm::Expected<std::unique_ptr<Decoder>>
  newDecoder(ThreadPool &pool, int64_t maxPositions) const override;

  std::string dir, name;
  int64_t vocab = 0, context = 0, numLayers = 0;
  int64_t tp = 1, pp = 1;
  /// Blocks [first, end) of each stage.
  std::vector<std::pair<int64_t, int64_t>> stages;
  /// Per rank of a stage: KV-cache features (kv heads x head dim).
  int64_t cacheFeatures = 0;
  std::vector<ArtifactGraph> graphs; ///< manifest order
  std::vector<RankWeights> ranks;    ///< by global rank = stage * tp + tp rank
  /// The tokenizer file (absolute) and special tokens; empty file if none.
  std::string tokenizerFile;
  int64_t bos = -1, eos = -1;
  bool addBos = false;
  /// Runs the graphs instead of the interpreter when set (quant-run
  /// --engine=jit).
  std::unique_ptr<GraphEngine> engine;

private:
  Artifact() = default;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_ARTIFACT_ARTIFACT_H
