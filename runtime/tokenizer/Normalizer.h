//===- Normalizer.h - tokenizer.json normalizers ----------------*- C++ -*-===//
//
// The normalizers of Hugging Face tokenizers that byte-level and
// SentencePiece-style BPE tokenizer.json files use, applied in order to each
// piece of text between added tokens, before pre-tokenization (as
// tokenizers' AddedVocabulary::extract_and_normalize does):
//   NFC, NFD, NFKC, NFKD     Unicode normalization forms (UAX #15)
//   Lowercase                full lowercase mapping of each character
//   Strip                    leading and/or trailing White_Space
//   Replace                  every match of a literal string or a regex
//   Prepend                  a string before non-empty text
// A Sequence is flattened into its steps by the loader.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_TOKENIZER_NORMALIZER_H
#define LLMQ_RUNTIME_TOKENIZER_NORMALIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq {

/// One normalizer of a tokenizer.json.
struct NormalizerStep {
  enum class Kind : uint8_t {
    NFC,
    NFD,
    NFKC,
    NFKD,
    Lowercase,
    Strip,
    Replace,
    Prepend,
  };
  Kind kind;
  /// Replace: the literal string or regex to find; Prepend: unused.
  std::string pattern;
  /// Replace: the replacement; Prepend: the prefix.
  std::string content;
  /// Replace: `pattern` is a regex (tokenizer.json {"Regex": ...}).
  bool regex = false;
  /// Strip: which ends.
  bool left = false, right = false;
};

class Normalizer {
public:
  /// The normalizer that runs `steps` in order. Fails for a Replace with an
  /// empty pattern or a regex PCRE2 cannot compile; the error names the
  /// step and the pattern.
  static llvm::Expected<std::unique_ptr<Normalizer>>
  create(llvm::ArrayRef<NormalizerStep> steps);

  ~Normalizer();
  Normalizer(const Normalizer &) = delete;
  Normalizer &operator=(const Normalizer &) = delete;

  /// `text` normalized. Fails only when a Replace regex hits a PCRE2 limit
  /// on `text`.
  llvm::Expected<std::string> apply(llvm::StringRef text) const;

  llvm::ArrayRef<NormalizerStep> steps() const { return stepList; }

private:
  struct Regex;
  Normalizer();

  std::vector<NormalizerStep> stepList;
  /// Compiled regexes of Replace steps, by step index (null otherwise).
  std::vector<std::unique_ptr<Regex>> regexes;
};

} // namespace llmq

#endif // LLMQ_RUNTIME_TOKENIZER_NORMALIZER_H
