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
class Normalizer;
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
  /// are, as in llama.cpp and Hugging Face tokenizers. From a
  /// tokenizer.json, added tokens are matched as Hugging Face tokenizers
  /// matches them (leftmost-longest; lstrip, rstrip, single_word and
  /// normalized honoured; `parseSpecial` false is transformers'
  /// split_special_tokens=True) and the text between them is normalized by
  /// the file's normalizer first. Fails only when a regex (pre-tokenizer or
  /// Replace normalizer) hits a PCRE2 limit on `text`; the error names the
  /// tokenizer file.
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

  /// Attributes of special and added tokens: lstrip and rstrip (llama.cpp's
  /// LLAMA_TOKEN_ATTR_LSTRIP and RSTRIP, tokenizer.json's lstrip and rstrip:
  /// whitespace before or after the token is dropped), and from a
  /// tokenizer.json: listed in added_tokens, single_word, normalized
  /// (matched in the normalized text), special.
  enum StripFlag : uint8_t {
    StripLeft = 1,
    StripRight = 2,
    Added = 4,
    SingleWord = 8,
    NormalizedMatch = 16,
    Special = 32,
  };

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
  /// Hugging Face's AddedVocabulary::find_matches: the added tokens of one
  /// set (`normalizedSet`) in `text`, leftmost-longest.
  void splitAdded(llvm::StringRef text, bool parseSpecial, bool normalizedSet,
                  std::vector<Fragment> &fragments) const;
  /// Tokenizes text between special tokens; `first` when it starts the
  /// input (for a space prefix on the first fragment only).
  llvm::Error encodeFragment(llvm::StringRef raw, bool first,
                             std::vector<int32_t> &out) const;
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
  /// StripFlag bits of each token.
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

  /// tokenizer.json: added tokens are matched as Hugging Face does and the
  /// text between them normalized.
  bool hfAddedTokens = false;
  /// The text each added token is matched by, bucketed by its first byte,
  /// longest first: [0] as written, [1] normalized (normalized=true tokens).
  using AddedPattern = std::pair<std::string, int32_t>;
  std::array<std::array<std::vector<AddedPattern>, 256>, 2> addedPatterns;
  /// tokenizer.json's normalizer (null when it has none).
  std::unique_ptr<Normalizer> normalizer;
  /// SentencePiece-style: spaces are escaped to U+2581 (and the prefix
  /// added) by the normalizer, not by encode().
  bool normalizerEscapes = false;

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
