//===- PreTokenizer.h - Regex splitting before byte-level BPE ---*- C++ -*-===//
//
// Byte-level BPE merges within the pieces a pre-tokenizer cuts the text
// into. As in llama.cpp, a pre-tokenizer is a list of regexes applied in
// turn: each regex cuts every piece the previous one left into its matches
// and the text between them, which stays a piece too. The regexes run on
// PCRE2 in UTF and Unicode-property mode.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define LLMQ_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq {

class PreTokenizer {
public:
  /// What Hugging Face's ByteLevel pre-tokenizer splits with when use_regex
  /// is set (GPT-2's regex, as tokenizer.json files spell it).
  static constexpr llvm::StringLiteral kByteLevelRegex =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

  /// llama.cpp's name (tokenizer.ggml.pre) for the pre-tokenizer that splits
  /// with exactly `regexes`, as a tokenizer.json lists them; empty if it has
  /// none.
  static llvm::StringRef knownName(llvm::ArrayRef<std::string> regexes);

  /// The pre-tokenizer llama.cpp uses for tokenizer.ggml.pre = `name`
  /// (empty means "default").
  static llvm::Expected<std::unique_ptr<PreTokenizer>>
  forName(llvm::StringRef name);

  /// A pre-tokenizer from the regexes of a tokenizer.json, in order. When
  /// they are a pre-tokenizer llama.cpp knows, that one is used (with
  /// llama.cpp's equivalent regexes) and named; otherwise the regexes are
  /// compiled as they are and the name is "custom".
  static llvm::Expected<std::unique_ptr<PreTokenizer>>
  forRegexes(llvm::ArrayRef<std::string> regexes);

  ~PreTokenizer();

  /// llama.cpp's name for this pre-tokenizer ("gpt-2"), or "custom".
  llvm::StringRef name() const { return preName; }

  /// Appends the pieces of `text` (valid UTF-8 or not), in order, to
  /// `pieces`; they point into `text` and together cover it. A PCRE2 error
  /// (a pathological regex hitting the match limit) is an error naming the
  /// regex, never a silently skipped split.
  llvm::Error split(llvm::StringRef text,
                    std::vector<llvm::StringRef> &pieces) const;

private:
  struct Regex;
  PreTokenizer();
  static llvm::Expected<std::unique_ptr<PreTokenizer>>
  compile(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> regexes);

  std::string preName;
  std::vector<std::unique_ptr<Regex>> regexes;
};

} // namespace llmq

#endif // LLMQ_RUNTIME_TOKENIZER_PRETOKENIZER_H
