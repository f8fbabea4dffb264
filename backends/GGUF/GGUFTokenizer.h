//===- GGUFTokenizer.h - tokenizer.json to GGUF metadata --------*- C++ -*-===//

#ifndef LLMQ_BACKENDS_GGUF_GGUFTOKENIZER_H
#define LLMQ_BACKENDS_GGUF_GGUFTOKENIZER_H

#include "llvm/Support/Error.h"

#include <cstdint>

namespace llmq {
class GGUFWriter;

struct SpecialTokens {
  int64_t bos = -1, eos = -1;
  bool addBos = false;
};

/// Adds llama.cpp's tokenizer.ggml.* keys for the Hugging Face tokenizer.json
/// at `path`: byte-level BPE becomes model "gpt2" with merges and the
/// pre-tokenizer name llama.cpp knows its regex by; SentencePiece-style BPE
/// with byte fallback becomes model "llama" with scores and byte tokens.
/// `vocabSize` is the model's; the token list is padded to it.
llvm::Error addTokenizerMetadata(GGUFWriter &writer, llvm::StringRef path,
                                 int64_t vocabSize,
                                 const SpecialTokens &special);

} // namespace llmq

#endif // LLMQ_BACKENDS_GGUF_GGUFTOKENIZER_H
