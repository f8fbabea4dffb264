//===- GGUFTokenizer.cpp - tokenizer.json to GGUF metadata ----------------===//
//
// llama.cpp does not read tokenizer.json; it needs the vocabulary, merges and
// the *name* of the pre-tokenizer its C++ implements. The pre-tokenizer is
// identified by the regex a tokenizer.json splits with, from a table.
//
//===----------------------------------------------------------------------===//

#include "backends/GGUF/GGUFTokenizer.h"

#include "formats/files/GGUFWriter.h"
#include "formats/files/JsonFile.h"
#include "formats/files/ReadFile.h"
#include "runtime/tokenizer/PreTokenizer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include "formats/files/Json.h"

#include <string>
#include <vector>

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;
using namespace ::llmq::json;

/// llama.cpp's token types (llama_token_type).
enum class TokenType : int32_t {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

static llvm::Error tokenizerError(StringRef path, const Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": " + what);
}

/// Collects the split regexes of a pre_tokenizer (a Sequence nests them).
static void collectRegexes(const Json &pre, std::vector<std::string> &out) {
  std::string type = getString(pre, "type");
  if (type == "Sequence") {
    for (const Json &inner : getArray(pre, "pretokenizers"))
      collectRegexes(inner, out);
  } else if (type == "Split" &&
             member(member(pre, "pattern"), "Regex").is_string()) {
    out.push_back(getString(member(pre, "pattern"), "Regex"));
  } else if (type == "ByteLevel" && getBool(pre, "use_regex", true)) {
    out.push_back(PreTokenizer::kByteLevelRegex.str());
  }
}

static bool mentionsType(const Json &node, StringRef type) {
  if (node.is_object()) {
    if (getString(node, "type") == type)
      return true;
    for (const auto &item : node.items())
      if (mentionsType(item.value(), type))
        return true;
  } else if (node.is_array()) {
    for (const Json &item : node)
      if (mentionsType(item, type))
        return true;
  }
  return false;
}

/// Merges are "a b" strings in older files and ["a", "b"] pairs in newer.
static std::vector<std::string> readMerges(const Json &model) {
  std::vector<std::string> merges;
  for (const Json &merge : getArray(model, "merges")) {
    if (merge.is_string())
      merges.push_back(merge.get<std::string>());
    else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
             merge[1].is_string())
      merges.push_back(merge[0].get<std::string>() + " " +
                       merge[1].get<std::string>());
  }
  return merges;
}

static bool isByteToken(StringRef token) {
  return token.size() == 6 && token.starts_with("<0x") && token.ends_with(">");
}

llvm::Error llmq::addTokenizerMetadata(GGUFWriter &writer, StringRef path,
                                       int64_t vocabSize,
                                       const SpecialTokens &special) {
  // A FIFO or a device would hang or exhaust memory: refused at once.
  llvm::Expected<Json> parsed =
      readJsonFile(path, kMaxTokenizerFileBytes, "tokenizer file");
  if (!parsed)
    return parsed.takeError();
  const Json &json = *parsed;
  const Json &model = member(json, "model");
  if (!model.is_object())
    return tokenizerError(path, "not a tokenizer.json (no 'model' object)");
  if (getString(model, "type") != "BPE")
    return tokenizerError(path, "tokenizer model '" +
                                    getString(model, "type", "?") +
                                    "' is not supported (expected BPE)");

  // Tokens by id: the model's vocab, then added tokens (which may override).
  std::vector<std::string> tokens(vocabSize);
  std::vector<int32_t> types(vocabSize, static_cast<int32_t>(TokenType::Unused));
  std::vector<bool> present(vocabSize, false);
  auto place = [&](StringRef text, int64_t id, TokenType type) -> llvm::Error {
    if (id < 0 || id >= vocabSize)
      return tokenizerError(path, "token '" + text + "' has id " + Twine(id) +
                                      ", outside the model's vocabulary of " +
                                      Twine(vocabSize));
    tokens[id] = text.str();
    types[id] = static_cast<int32_t>(type);
    present[id] = true;
    return llvm::Error::success();
  };
  const Json &vocab = member(model, "vocab");
  if (!vocab.is_object())
    return tokenizerError(path, "the BPE model has no 'vocab' object");
  for (const auto &[text, id] : vocab.items()) {
    int64_t value = id.is_number_integer() ? id.get<int64_t>() : -1;
    if (llvm::Error err = place(text, value, TokenType::Normal))
      return err;
  }
  for (const Json &added : getArray(json, "added_tokens")) {
    TokenType type = getBool(added, "special", false) ? TokenType::Control
                                                      : TokenType::UserDefined;
    if (llvm::Error err = place(getString(added, "content"),
                                getInt(added, "id", -1), type))
      return err;
  }
  for (int64_t id = 0; id < vocabSize; ++id)
    if (!present[id])
      tokens[id] = "[PAD" + std::to_string(id) + "]";

  bool byteFallback = getBool(model, "byte_fallback", false);
  if (byteFallback) {
    // SentencePiece-style BPE: llama.cpp's "llama" tokenizer merges by
    // score. A BPE trainer appends each merged token in merge order, so
    // the id order is the merge priority.
    std::vector<float> scores(vocabSize, 0.0f);
    std::string unk = getString(model, "unk_token");
    int64_t unkId = -1;
    for (int64_t id = 0; id < vocabSize; ++id) {
      if (types[id] == static_cast<int32_t>(TokenType::Normal)) {
        scores[id] = -static_cast<float>(id);
        if (isByteToken(tokens[id]))
          types[id] = static_cast<int32_t>(TokenType::Byte);
      }
      if (!unk.empty() && tokens[id] == unk) {
        types[id] = static_cast<int32_t>(TokenType::Unknown);
        unkId = id;
      }
    }
    writer.addString("tokenizer.ggml.model", "llama");
    writer.addString("tokenizer.ggml.pre", "default");
    writer.addStringArray("tokenizer.ggml.tokens", tokens);
    writer.addFloat32Array("tokenizer.ggml.scores", scores);
    writer.addInt32Array("tokenizer.ggml.token_type", types);
    if (unkId >= 0)
      writer.addUInt32("tokenizer.ggml.unknown_token_id", unkId);
    writer.addBool("tokenizer.ggml.add_space_prefix",
                   mentionsType(member(json, "normalizer"), "Prepend") ||
                       mentionsType(member(json, "pre_tokenizer"), "Metaspace"));
  } else {
    const Json &pre = member(json, "pre_tokenizer");
    if (!mentionsType(pre, "ByteLevel"))
      return tokenizerError(path, "BPE without byte fallback needs a "
                                  "ByteLevel pre-tokenizer");
    std::vector<std::string> regexes;
    collectRegexes(pre, regexes);
    StringRef preName = PreTokenizer::knownName(regexes);
    if (preName.empty())
      return tokenizerError(
          path, "pre-tokenizer regex '" +
                    (regexes.empty() ? std::string("(none)") : regexes[0]) +
                    "' is not one llama.cpp implements");
    writer.addString("tokenizer.ggml.model", "gpt2");
    writer.addString("tokenizer.ggml.pre", preName);
    writer.addStringArray("tokenizer.ggml.tokens", tokens);
    writer.addInt32Array("tokenizer.ggml.token_type", types);
    writer.addStringArray("tokenizer.ggml.merges", readMerges(model));
  }
  if (special.bos >= 0)
    writer.addUInt32("tokenizer.ggml.bos_token_id", special.bos);
  if (special.eos >= 0)
    writer.addUInt32("tokenizer.ggml.eos_token_id", special.eos);
  writer.addBool("tokenizer.ggml.add_bos_token", special.addBos);
  writer.addBool("tokenizer.ggml.add_eos_token", false);
  return llvm::Error::success();
}
