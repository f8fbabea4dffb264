//===- Architectures.h - The architecture table -----------------*- C++ -*-===//
//
// Everything llmq knows about a model family is a row of this table: the
// tensors a transformer block has, their names in Hugging Face checkpoints
// and in GGUF, their shapes in terms of the hyperparameters, and the quirks
// backends need (llama.cpp's Q/K row permutation). Frontends, the dialect
// verifier, the runtime and backends all read it, so adding an architecture
// is adding a row, not a scatter of `if (arch == ...)`.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_ARCHITECTURES_H
#define LLMQ_DIALECTS_LLMQ_ARCHITECTURES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace mlir::llmq {

/// The hyperparameters that weight shapes are made of.
struct ModelDims {
  int64_t hidden = 0, numHeads = 0, numKVHeads = 0, headDim = 0, ffn = 0,
          vocab = 0;
};

/// A weight dimension named by the hyperparameter it equals.
enum class Dim : uint8_t { Hidden, QOut, KVOut, Ffn, HeadDim, Vocab };

/// What a block tensor does. The IR spells roles by RoleInfo::name.
enum class Role : uint8_t {
  AttnNorm,
  AttnQ,
  AttnK,
  AttnV,
  AttnOutput,
  AttnQBias,
  AttnKBias,
  AttnVBias,
  AttnQNorm,
  AttnKNorm,
  AttnPostNorm,
  FfnNorm,
  FfnGate,
  FfnUp,
  FfnDown,
  FfnPostNorm,
};

struct RoleInfo {
  Role role;
  llvm::StringRef name;     ///< key in llmq.block's weights, e.g. "attn_q"
  llvm::StringRef ggufName; ///< llama.cpp's name after "blk.N.", e.g. "attn_q.weight"
  unsigned rank;
  std::array<Dim, 2> shape; ///< Hugging Face order: output features first
};

/// A tensor of a block as one architecture names it in HF checkpoints.
struct BlockTensor {
  Role role;
  llvm::StringRef hfName; ///< after "model.layers.N."
};

struct ArchInfo {
  llvm::StringRef name;     ///< llmq's name, equal to HF config's model_type
  llvm::StringRef ggufArch; ///< general.architecture in GGUF
  /// llama.cpp's llama-family graphs apply RoPE to interleaved pairs while
  /// HF rotates halves; their converter permutes Q/K rows, and so do we.
  bool permuteQK;
  /// Where a model has sliding-window layers, only those apply RoPE and the
  /// global ones use none (EXAONE-4).
  bool ropeOnlyOnSlidingLayers;
  llvm::ArrayRef<BlockTensor> blockTensors;
};

/// The row for `name` (HF model_type), or null.
const ArchInfo *lookupArch(llvm::StringRef name);
llvm::ArrayRef<ArchInfo> getArchitectures();
/// Comma-separated names of all architectures, for diagnostics.
std::string listArchitectures();

const RoleInfo &getRoleInfo(Role role);
std::optional<Role> lookupRole(llvm::StringRef name);

/// The size of `dim` for a model with `dims`.
int64_t resolveDim(Dim dim, const ModelDims &dims);

/// HF names of the tensors outside the blocks.
inline constexpr llvm::StringLiteral kHFEmbedding = "model.embed_tokens.weight";
inline constexpr llvm::StringLiteral kHFFinalNorm = "model.norm.weight";
inline constexpr llvm::StringLiteral kHFLmHead = "lm_head.weight";

/// llmq (and GGUF, less ".weight") names of the tensors outside the blocks.
inline constexpr llvm::StringLiteral kEmbeddingName = "token_embd";
inline constexpr llvm::StringLiteral kFinalNormName = "output_norm";
inline constexpr llvm::StringLiteral kLmHeadName = "output";

/// The weight symbol of `role` in block `index`: "blk.3.attn_q".
std::string blockWeightName(int64_t index, Role role);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_ARCHITECTURES_H
