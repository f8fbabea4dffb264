//===- LlamaCppTypes.h - llama-quantize's per-tensor type rules -*- C++ -*-===//
//
// llama.cpp's src/llama-quant.cpp (llama_tensor_get_type,
// llama_tensor_get_type_impl, tensor_type_fallback,
// tensor_allows_quantization, the --tensor-type patterns) restated for the
// file types llmq can write, at ggml-org/llama.cpp commit 007dbbf3fd17 (the
// type rules) and de3ff815ea7d (the patterns; the rules are unchanged
// there). Only the branches these file types reach are kept: no IQ file
// types, no MXFP4, and no Falcon / 70B / 8-expert special cases except where
// written. --llmq-assign-bits uses them; see docs/passes/assign-bits.md.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_LLAMACPPTYPES_H
#define LLMQ_PASSES_ASSIGN_LLAMACPPTYPES_H

#include "formats/Formats.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::llmq::llamacpp {

/// llama_ftype values this pass knows (the presets).
enum class FileType {
  Q2_K,
  Q3_K_S,
  Q3_K_M,
  Q3_K_L,
  Q4_0,
  Q4_K_S,
  Q4_K_M,
  Q5_K_S,
  Q5_K_M,
  Q6_K,
  Q8_0,
};

/// llama.cpp's tensor_category: broad roles by GGUF tensor name.
enum class Category {
  TokenEmbd,
  AttnQ,
  AttnV,
  AttnK,
  AttnQKV,
  AttnKVB,
  AttnOutput,
  FfnUp,
  FfnGate,
  FfnDown,
  Output,
  Other,
};

/// The counters of llama.cpp's quantize_state_impl.
struct QuantizeState {
  bool tiedEmbeddings = true; ///< until a tensor named output.weight is seen
  bool hasImatrix = false;
  int64_t nGqa = 1;
  int nAttentionWv = 0, iAttentionWv = 0;
  int nFfnDown = 0, iFfnDown = 0;
  int nFallback = 0;
};

/// The file type of a preset name ("q4_k_m", any case), if it is one.
std::optional<FileType> parseFileType(llvm::StringRef preset);

/// llama_ftype_get_default_type.
::llmq::Format defaultType(FileType ftype);

/// The GGUF name the exporter gives a weight symbol: `.weight` appended
/// (biases keep their `.bias`).
std::string ggufName(llvm::StringRef symbol);

/// tensor_get_category, by GGUF name.
Category categoryOf(llvm::StringRef ggufName);

/// category_is_attn_v: the V-like tensors that get more bits.
bool isAttnVLike(Category category);

/// tensor_allows_quantization, for the names llmq's architectures have:
/// 2-D (or more) tensors whose name ends in "weight", except norms.
bool allowsQuantization(llvm::StringRef ggufName, int64_t rank);

/// tensor_type_fallback (llmq::ggmlFallback), counting the tensors that
/// needed one in `qs` as llama.cpp does.
::llmq::Format fallback(QuantizeState &qs, ::llmq::Format type, int64_t cols);

/// llama_tensor_get_type_impl, for the file types of FileType and a dense
/// (non-expert) model of less than 70B parameters: the type of a tensor of
/// `category` with rows of `cols` values, before the row fallback. Advances
/// the attn_v and ffn_down counters of `qs`, so tensors must come in
/// llama.cpp's order (`precedes`).
::llmq::Format chooseType(QuantizeState &qs, FileType ftype,
                          ::llmq::Format type, Category category, int64_t cols,
                          llvm::StringRef arch);

/// llama.cpp's weights_map order of GGUF names: by layer ("blk.N.", -1 for
/// the rest), then by name.
bool precedes(llvm::StringRef a, llvm::StringRef b);

/// A `--tensor-type` pattern (ECMAScript, as llama-quantize's std::regex
/// reads it) rewritten for llvm::Regex (POSIX extended): \d \w \s and their
/// negations become POSIX classes, escaped punctuation stays; other escapes,
/// which the two dialects read differently, set `error` (and "" is
/// returned).
std::string toPosixRegex(llvm::StringRef pattern, std::string &error);

} // namespace mlir::llmq::llamacpp

#endif // LLMQ_PASSES_ASSIGN_LLAMACPPTYPES_H
