//===- Tokenizer.h - BPE and SentencePiece-style tokenizers -----*- C++ -*-===//
//
// A tokenizer that gives the ids llama.cpp gives for a GGUF vocabulary, and
// the ids Hugging Face tokenizers gives for a tokenizer.json of the kinds
// llmq exports: byte-level BPE (GPT-2's byte-to-unicode mapping, merges by
// rank, a pre-tokenizer split regex per llama.cpp pre-tokenizer name) and
// SentencePiece-style BPE (spaces as U+2581, merges by score or rank, byte
// fallback to <0xXX> tokens).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_TOKENIZER_TOKENIZER_H
#define LLMQ_RUNTIME_TOKENIZER_TOKENIZER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmq {

class GGUFFile;
class PreTokenizer;

/// Token types, numbered as llama.cpp's llama_token_type (and GGUF's
/// tokenizer.ggml.token_type).
enum class TokenType : uint8_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// The tokenizer algorithms.
enum class TokenizerModel : uint8_t {
  /// Byte-level BPE: text is split by the pre-tokenizer's regexes, each
  /// piece's bytes are mapped to GPT-2's printable characters, and pairs
  /// merge by merge rank (GGUF "gpt2").
  ByteLevelBPE,
  /// SentencePiece-style: spaces become U+2581, the text is one word, pairs
  /// merge by token score (GGUF "llama") or merge rank (tokenizer.json BPE
  /// with byte fallback), and characters outside the vocabulary fall back to
  /// <0xXX> byte tokens.
  SentencePiece,
};

class Tokenizer {
public:
  /// Reads a Hugging Face tokenizer.json (BPE model). bos, eos and whether
  /// to add bos come from the tokenizer_config.json next to it when there is
  /// one, else from a TemplateProcessing post-processor. Errors name the
  /// file.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  fromTokenizerJson(llvm::StringRef path);

  /// Reads the tokenizer.ggml.* metadata of a GGUF file (models "gpt2" and
  /// "llama"), with llama.cpp's defaults for what the file leaves out.
  /// Errors name the file and the key.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  fromGGUF(const GGUFFile &file);

  ~Tokenizer();
  Tokenizer(const Tokenizer &) = delete;
  Tokenizer &operator=(const Tokenizer &) = delete;

  /// Token ids of `text`, starting with bos when `addBos` (callers usually
  /// pass addBos()). Control tokens written in the text (`<s>`) are
  /// recognized only when `parseSpecial`; user-defined added tokens always
  /// are, as in llama.cpp. Fails only when a pre-tokenizer regex hits a
  /// PCRE2 limit on `text`; the error names the tokenizer file.
  llvm::Expected<std::vector<int32_t>>
  encode(llvm::StringRef text, bool addBos, bool parseSpecial = false) const;

  /// The text of `ids`. Control and unknown tokens are left out, byte tokens
  /// become their byte, and a SentencePiece-style tokenizer drops the space
  /// it prefixed to the text, so decode(encode(x, ...)) == x for text
  /// without special tokens.
  std::string decode(llvm::ArrayRef<int32_t> ids) const;

  int32_t bos() const { return bosId; }
  int32_t eos() const { return eosId; }
  int32_t unk() const { return unkId; }
  /// Whether the model expects bos at the start of a prompt.
  bool addBos() const { return addBosToken; }
  bool addSpacePrefix() const { return spacePrefix; }
  TokenizerModel model() const { return kind; }
  /// llama.cpp's name of the pre-tokenizer ("gpt-2", "llama-bpe", ...);
  /// "custom" for a tokenizer.json regex llama.cpp has no name for, empty
  /// for SentencePiece-style tokenizers.
  llvm::StringRef preTokenizerName() const { return preName; }

  size_t vocabSize() const { return texts.size(); }
  /// The vocabulary entry of `id` (empty for an id outside the vocabulary).
  llvm::StringRef tokenText(int32_t id) const;
  TokenType tokenType(int32_t id) const;
  /// The id of the token whose text is `text`, or -1.
  int32_t tokenId(llvm::StringRef text) const;

private:
  Tokenizer();

  /// Strip attributes of special tokens (llama.cpp's LLAMA_TOKEN_ATTR_LSTRIP
  /// and RSTRIP): whitespace before or after the token is dropped.
  enum StripFlag : uint8_t { StripLeft = 1, StripRight = 2 };

  /// A piece of the input: raw text still to tokenize, or a token already
  /// recognized.
  struct Fragment {
    int32_t token; ///< -1 for raw text
    size_t offset;
    size_t length;
  };

  /// Checks the vocabulary and builds the lookup tables; `source` names the
  /// file in errors.
  llvm::Error finalize(llvm::StringRef source);
  void splitSpecial(llvm::StringRef text, bool parseSpecial,
                    std::vector<Fragment> &fragments) const;
  llvm::Error encodeByteLevel(llvm::StringRef text,
                              std::vector<int32_t> &out) const;
  void encodeSentencePiece(llvm::StringRef text,
                           std::vector<int32_t> &out) const;
  int32_t byteToken(uint8_t byte) const;
  /// Merge priority of the pair (lower first), or false if it does not
  /// merge.
  bool mergeRank(llvm::StringRef left, llvm::StringRef right,
                 double &priority) const;

  TokenizerModel kind = TokenizerModel::ByteLevelBPE;
  /// The file the tokenizer came from, for errors.
  std::string sourceName;
  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<TokenType> types;
  /// llama.cpp's lstrip/rstrip token attributes, for special tokens.
  std::vector<uint8_t> stripFlags;
  llvm::StringMap<int32_t> ids;
  /// Merge ranks keyed by left + '\0' + right.
  llvm::StringMap<int32_t> mergeRanks;
  /// SentencePiece-style: merge by rank (tokenizer.json) instead of score.
  bool mergeByRank = false;
  /// Control, user-defined and unknown tokens, longest first.
  std::vector<int32_t> specialTokens;
  /// <0xXX> byte tokens (SentencePiece) or -1.
  std::array<int32_t, 256> byteTokens;

  std::unique_ptr<PreTokenizer> pre;
  std::string preName;
  bool ignoreMerges = false;
  bool spacePrefix = false;
  /// Prefix the space to the first fragment only (Metaspace "first").
  bool spacePrefixFirstOnly = false;
  /// Metaspace split: each U+2581 starts a new word.
  bool splitOnSpaceMarker = false;
  /// ByteLevel add_prefix_space.
  bool byteLevelPrefixSpace = false;
  /// tokenizer.json byte_fallback; fuse_unk.
  bool byteFallback = true;
  bool fuseUnk = false;
  bool addBosToken = false;
  int32_t bosId = -1;
  int32_t eosId = -1;
  int32_t unkId = -1;
};

} // namespace llmq

#endif // LLMQ_RUNTIME_TOKENIZER_TOKENIZER_H
