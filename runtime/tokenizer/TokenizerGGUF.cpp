//===- TokenizerGGUF.cpp - Tokenizer from GGUF metadata
//--------------------===//
//
// Reads tokenizer.ggml.* the way llama.cpp's llama_vocab::impl::load does:
// its defaults per model ("llama": bos 1, eos 2, unk 0, add_bos, space
// prefix; "gpt2": no bos added unless the pre-tokenizer is Llama 3's), the
// keys that override them, and the tokens it marks as control by their text
// (end-of-generation and fill-in-the-middle markers) whatever the file says.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "formats/files/GGUFReader.h"
#include "runtime/tokenizer/PreTokenizer.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

/// Token texts llama.cpp treats as control tokens (end of generation, end
/// of turn, fill-in-the-middle) even when the file types them otherwise.
static const llvm::StringSet<> &controlLookingTokens() {
  static const llvm::StringSet<> set = {
      "<|eot_id|>",
      "<|im_end|>",
      "<|end|>",
      "<|return|>",
      "<|call|>",
      "<|flush|>",
      "<|calls|>",
      "<end_of_turn>",
      "<|endoftext|>",
      "</s>",
      "<|eom_id|>",
      "<EOT>",
      "_<EOT>",
      "[EOT]",
      "[EOS]",
      "<|end_of_text|>",
      "<end_of_utterance>",
      "<eos>",
      "<turn|>",
      "<|tool_response>",
      "<\xef\xbd\x9c"
      "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
      "[e~[",
      // fill-in-the-middle
      "<|fim_prefix|>",
      "<fim-prefix>",
      "<fim_prefix>",
      "<\xef\xbd\x9c"
      "fim\xe2\x96\x81"
      "begin\xef\xbd\x9c>",
      "<PRE>",
      "\xe2\x96\x81<PRE>",
      "<|code_prefix|>",
      "<|prefix|>",
      "<|fim_suffix|>",
      "<fim-suffix>",
      "<fim_suffix>",
      "<\xef\xbd\x9c"
      "fim\xe2\x96\x81hole\xef\xbd\x9c>",
      "<SUF>",
      "\xe2\x96\x81<SUF>",
      "<|code_suffix|>",
      "<|suffix|>",
      "<|fim_middle|>",
      "<fim-middle>",
      "<fim_middle>",
      "<\xef\xbd\x9c"
      "fim\xe2\x96\x81"
      "end\xef\xbd\x9c>",
      "<MID>",
      "\xe2\x96\x81<MID>",
      "<|code_middle|>",
      "<|middle|>",
      "<|fim_pad|>",
      "<fim-pad>",
      "<fim_pad>",
      "<PAD>",
      "[PAD]",
      "<|fim_repo|>",
      "<|repo_name|>",
      "<fim-repo>",
      "<REPO>",
      "<reponame>",
      "<|file_sep|>",
  };
  return set;
}

/// Pre-tokenizers for which llama.cpp adds bos and looks up whole pieces
/// before merging (Llama 3 and its relatives).
static bool isLlama3Family(StringRef pre) {
  return llvm::StringSwitch<bool>(pre)
      .Cases({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
              "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
             true)
      .Default(false);
}

llvm::Expected<std::unique_ptr<Tokenizer>>
Tokenizer::fromGGUF(const GGUFFile &file) {
  auto error = [&](const Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   file.path() + ": " + what);
  };
  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  auto typeError = [&](StringRef key, StringRef expected) {
    const GGUFValue *value = file.lookup(key);
    StringRef actual = ggufValueTypeName(value->getType());
    if (value->isArray())
      return error("key '" + key + "' is an array of " +
                   ggufValueTypeName(value->getElementType()) + ", expected " +
                   expected);
    return error("key '" + key + "' has type " + actual + ", expected " +
                 expected);
  };
  // Optional keys keep the default when absent and are errors when mistyped.
  auto optionalBool = [&](StringRef key, bool &value) -> llvm::Error {
    if (!file.lookup(key))
      return llvm::Error::success();
    std::optional<bool> b = file.getBool(key);
    if (!b)
      return typeError(key, "bool");
    value = *b;
    return llvm::Error::success();
  };
  auto optionalId = [&](StringRef key, int32_t &value) -> llvm::Error {
    if (!file.lookup(key))
      return llvm::Error::success();
    std::optional<uint64_t> id = file.getUInt(key);
    if (!id)
      return typeError(key, "an unsigned integer");
    // llama.cpp keeps its default for an id outside the vocabulary (-1
    // written as uint32 is a common way to say "none").
    if (*id < tok->texts.size())
      value = int32_t(*id);
    return llvm::Error::success();
  };

  const char *kModelKey = "tokenizer.ggml.model";
  if (!file.lookup(kModelKey))
    return error("key 'tokenizer.ggml.model' is missing");
  std::optional<StringRef> model = file.getString(kModelKey);
  if (!model)
    return typeError(kModelKey, "string");

  const char *kPreKey = "tokenizer.ggml.pre";
  std::string preName;
  if (file.lookup(kPreKey)) {
    std::optional<StringRef> pre = file.getString(kPreKey);
    if (!pre)
      return typeError(kPreKey, "string");
    preName = pre->str();
  }

  if (*model == "llama") {
    tok->kind = TokenizerModel::SentencePiece;
    tok->bosId = 1;
    tok->eosId = 2;
    tok->unkId = 0;
    tok->addBosToken = true;
    tok->spacePrefix = true;
  } else if (*model == "gpt2") {
    tok->kind = TokenizerModel::ByteLevelBPE;
    tok->bosId = 11;
    tok->eosId = 11;
    llvm::Expected<std::unique_ptr<PreTokenizer>> pre =
        PreTokenizer::forName(preName);
    if (!pre)
      return error("key 'tokenizer.ggml.pre': " +
                   llvm::toString(pre.takeError()));
    tok->pre = std::move(*pre);
    tok->preName = tok->pre->name().str();
    if (isLlama3Family(preName)) {
      tok->ignoreMerges = true;
      tok->addBosToken = true;
    }
    const char *kMergesKey = "tokenizer.ggml.merges";
    if (!file.lookup(kMergesKey))
      return error("key 'tokenizer.ggml.merges' is missing (byte-level BPE "
                   "needs merges)");
    std::optional<llvm::ArrayRef<StringRef>> merges =
        file.getStringArray(kMergesKey);
    if (!merges)
      return typeError(kMergesKey, "array of string");
    for (auto [rank, merge] : llvm::enumerate(*merges)) {
      // llama.cpp splits at the first space after the first byte.
      size_t space = merge.find(' ', 1);
      std::string key;
      if (space != StringRef::npos)
        key = (merge.take_front(space) + StringRef("\0", 1) +
               merge.drop_front(space + 1))
                  .str();
      else
        key = std::string(1, '\0');
      tok->mergeRanks.try_emplace(key, int32_t(rank));
    }
  } else {
    return error("key 'tokenizer.ggml.model': tokenizer model '" + *model +
                 "' is not supported (expected 'gpt2' or 'llama')");
  }
  if (llvm::Error err =
          optionalBool("tokenizer.ggml.add_space_prefix", tok->spacePrefix))
    return std::move(err);

  const char *kTokensKey = "tokenizer.ggml.tokens";
  if (!file.lookup(kTokensKey))
    return error("key 'tokenizer.ggml.tokens' is missing");
  std::optional<llvm::ArrayRef<StringRef>> tokens =
      file.getStringArray(kTokensKey);
  if (!tokens)
    return typeError(kTokensKey, "array of string");
  size_t n = tokens->size();
  tok->texts.reserve(n);
  for (StringRef text : *tokens)
    tok->texts.push_back(text.str());

  tok->scores.assign(n, 0.0f);
  const char *kScoresKey = "tokenizer.ggml.scores";
  if (const GGUFValue *scores = file.lookup(kScoresKey)) {
    if (!scores->isArray() ||
        (scores->getElementType() != GGUFValueType::Float32 &&
         scores->getElementType() != GGUFValueType::Int32))
      return typeError(kScoresKey, "array of float32");
    if (scores->size() < n)
      return error("key 'tokenizer.ggml.scores' has " + Twine(scores->size()) +
                   " scores for " + Twine(n) + " tokens");
    for (size_t i = 0; i < n; ++i)
      tok->scores[i] = scores->getElementType() == GGUFValueType::Float32
                           ? scores->getNumbers<float>()[i]
                           : float(scores->getNumbers<int32_t>()[i]);
  }

  tok->types.assign(n, TokenType::Normal);
  const char *kTypesKey = "tokenizer.ggml.token_type";
  if (file.lookup(kTypesKey)) {
    std::optional<GGUFArrayRef<int32_t>> types = file.getInt32Array(kTypesKey);
    if (!types)
      return typeError(kTypesKey, "array of int32");
    if (types->size() < n)
      return error("key 'tokenizer.ggml.token_type' has " +
                   Twine(types->size()) + " types for " + Twine(n) + " tokens");
    for (size_t i = 0; i < n; ++i) {
      int32_t type = (*types)[i];
      tok->types[i] = type >= 1 && type <= 6 ? static_cast<TokenType>(type)
                                             : TokenType::Undefined;
    }
  }

  if (llvm::Error err = optionalId("tokenizer.ggml.bos_token_id", tok->bosId))
    return std::move(err);
  if (llvm::Error err = optionalId("tokenizer.ggml.eos_token_id", tok->eosId))
    return std::move(err);
  if (llvm::Error err =
          optionalId("tokenizer.ggml.unknown_token_id", tok->unkId))
    return std::move(err);
  if (llvm::Error err =
          optionalBool("tokenizer.ggml.add_bos_token", tok->addBosToken))
    return std::move(err);

  // Text-based control tokens, and gpt-oss's tokens that must always render.
  for (size_t i = 0; i < n; ++i) {
    StringRef text = tok->texts[i];
    if (controlLookingTokens().contains(text))
      tok->types[i] = TokenType::Control;
    if (text == "<|channel|>" || text == "<|message|>" || text == "<|start|>" ||
        text == "<|constrain|>")
      tok->types[i] = TokenType::UserDefined;
  }

  if (llvm::Error err = tok->finalize(file.path()))
    return std::move(err);

  // Phi-3: special tokens eat the whitespace after them, except these.
  std::string name = file.getString("general.name").value_or("").lower();
  if (StringRef(name).contains("phi-3") || StringRef(name).contains("phi3")) {
    for (int32_t id : tok->specialTokens)
      tok->stripFlags[id] |= StripRight;
    if (int32_t id = tok->tokenId("</s>"); id >= 0)
      tok->stripFlags[id] |= StripRight;
    for (StringRef text : {"<unk>", "<s>", "<|endoftext|>"})
      if (int32_t id = tok->tokenId(text); id >= 0)
        tok->stripFlags[id] &= ~StripRight;
  }
  return std::move(tok);
}
