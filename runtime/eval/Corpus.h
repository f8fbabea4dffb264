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

namespace llmq::runtime {

/// The tokenizer a model names: a tokenizer.json, or the metadata of a GGUF
/// file.
llvm::Expected<std::unique_ptr<Tokenizer>> openTokenizer(llvm::StringRef path);

/// Each non-empty line of `text` becomes `bos` (when >= 0), then the tokens
/// of the line and its newline; the lines form one stream.
std::vector<int32_t> encodeLines(const Tokenizer &tokenizer, int32_t bos,
                                 llvm::StringRef text);

/// encodeLines over the file at `path` (a regular file of at most
/// kTextFileLimit); errors name the file, and a text without a single
/// token is one.
llvm::Expected<std::vector<int32_t>>
encodeFile(const Tokenizer &tokenizer, int32_t bos, llvm::StringRef path);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EVAL_CORPUS_H
