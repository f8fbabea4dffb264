//===- Corpus.h - Text to token streams, as every evaluation reads it -*- C++ -*-===//
//
// One definition of how text becomes tokens for perplexity, KL divergence and
// calibration, shared by quant-run and the passes that run the model.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EVAL_CORPUS_H
#define LLMQ_RUNTIME_EVAL_CORPUS_H

#include "runtime/tokenizer/Tokenizer.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace mlir::llmq {
class ModelOp;
} // namespace mlir::llmq

namespace llmq::runtime {

/// The tokenizer a model names: a tokenizer.json, or the metadata of a GGUF
/// file.
llvm::Expected<std::unique_ptr<Tokenizer>> openTokenizer(llvm::StringRef path);

/// Each non-empty line of `text` becomes `bos` (when >= 0), then the tokens
/// of the line and its newline; the lines form one stream. Errors (a
/// pre-tokenizer regex hitting a PCRE2 limit) name the tokenizer file.
llvm::Expected<std::vector<int32_t>>
encodeLines(const Tokenizer &tokenizer, int32_t bos, llvm::StringRef text);

/// encodeLines over the file at `path`, a regular file of at most
/// kMaxTextFileBytes (formats/files/ReadFile.h); errors name the file, and a
/// text without a single token is one.
llvm::Expected<std::vector<int32_t>>
encodeFile(const Tokenizer &tokenizer, int32_t bos, llvm::StringRef path);

/// A pass's calibration text: the first `tokens` tokens of `textFile` read
/// with the model's tokenizer (fewer where the text is shorter), checked to
/// hold at least one window of `ctx` (itself within the model's context).
/// Errors are one line without a prefix (the pass adds its own). What the
/// imatrix, GPTQ, AWQ and the assign-bits probes read.
llvm::Expected<std::vector<int32_t>>
calibrationTokens(mlir::llmq::ModelOp model, llvm::StringRef textFile,
                  int64_t tokens, int64_t ctx);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EVAL_CORPUS_H
