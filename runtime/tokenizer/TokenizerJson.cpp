//===- TokenizerJson.cpp - Tokenizer from a Hugging Face tokenizer.json
//----===//
//
// Two shapes of BPE tokenizer.json are understood:
//  - byte-level: a ByteLevel pre-tokenizer, possibly after Split regexes;
//    the regexes become a PreTokenizer (llama.cpp's when it has a name for
//    them);
//  - SentencePiece-style: spaces escaped to U+2581 by a Replace normalizer
//    (with Prepend for the space prefix) or a Metaspace pre-tokenizer, and
//    usually byte_fallback. Pairs merge by merge rank, as in Hugging Face.
// The normalizer (NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Prepend
// and Sequences of them) runs as in Hugging Face tokenizers; added tokens
// keep their lstrip, rstrip, single_word, normalized and special flags.
// The vocabulary is typed as llmq's GGUF exporter types it, so a GGUF made
// from the same file gets the same special tokens.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "formats/files/Json.h"
#include "formats/files/JsonFile.h"
#include "formats/files/ReadFile.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/PreTokenizer.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llmq;
using namespace llmq::json;
using llvm::StringRef;
using llvm::Twine;


/// Ids beyond this are refused rather than allocated for.
static constexpr int64_t kMaxTokenId = int64_t(1) << 22;


/// The nodes of a normalizer or pre-tokenizer, with Sequences flattened.
static void flatten(const Json &node, const char *listKey,
                    std::vector<const Json *> &out) {
  if (node.is_null())
    return;
  if (getString(node, "type") == "Sequence") {
    for (const Json &inner : getArray(node, listKey))
      flatten(inner, listKey, out);
    return;
  }
  out.push_back(&node);
}

/// A token named in tokenizer_config.json: a string or {"content": ...}.
static std::string configToken(const Json &config, const char *key) {
  const Json &value = member(config, key);
  if (value.is_string())
    return value.get<std::string>();
  return getString(value, "content");
}

/// The first token of a TemplateProcessing post-processor's single
/// template, if it is a special token.
static std::string templateBos(const Json &post) {
  if (getString(post, "type") == "Sequence") {
    for (const Json &inner : getArray(post, "processors"))
      if (std::string bos = templateBos(inner); !bos.empty())
        return bos;
    return {};
  }
  const Json &single = getArray(post, "single");
  if (getString(post, "type") != "TemplateProcessing" || single.empty())
    return {};
  return getString(member(single[0], "SpecialToken"), "id");
}

/// Escapes `text` to match literally in a PCRE2 pattern.
static std::string literalRegex(StringRef text) {
  std::string out;
  for (char c : text) {
    if (!isalnum(uint8_t(c)) && uint8_t(c) < 0x80)
      out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

llvm::Expected<std::unique_ptr<Tokenizer>>
Tokenizer::fromTokenizerJson(StringRef path) {
  auto error = [&](const Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": " + what);
  };
  llvm::Expected<Json> parsed =
      readJsonFile(path, kMaxTokenizerFileBytes, "JSON file");
  if (!parsed)
    return parsed.takeError();
  const Json &json = *parsed;
  const Json &model = member(json, "model");
  if (!model.is_object())
    return error("not a tokenizer.json (no 'model' object)");
  if (getString(model, "type") != "BPE")
    return error("tokenizer model '" + getString(model, "type", "?") +
                 "' is not supported (expected BPE)");
  const Json &vocab = member(model, "vocab");
  if (!vocab.is_object())
    return error("the BPE model has no 'vocab' object");

  std::unique_ptr<Tokenizer> tok(new Tokenizer());

  // Tokens by id: the model's vocab, then added tokens (which may override).
  std::vector<bool> present;
  auto place = [&](const std::string &text, const Json &idValue,
                   TokenType type) -> llvm::Error {
    int64_t id = idValue.is_number_integer() ? idValue.get<int64_t>() : -1;
    if (id < 0 || id >= kMaxTokenId)
      return error("token '" + text + "' has no valid id");
    if (size_t(id) >= tok->texts.size()) {
      tok->texts.resize(id + 1);
      tok->types.resize(id + 1, TokenType::Unused);
      tok->stripFlags.resize(id + 1, 0);
      present.resize(id + 1, false);
    }
    tok->texts[id] = text;
    tok->types[id] = type;
    present[id] = true;
    return llvm::Error::success();
  };
  for (const auto &item : vocab.items())
    if (llvm::Error err = place(item.key(), item.value(), TokenType::Normal))
      return std::move(err);
  for (const Json &added : getArray(json, "added_tokens")) {
    TokenType type = getBool(added, "special", false) ? TokenType::Control
                                                      : TokenType::UserDefined;
    if (llvm::Error err =
            place(getString(added, "content"), member(added, "id"), type))
      return std::move(err);
    int64_t id = getInt(added, "id", -1);
    bool special = getBool(added, "special", false);
    // tokenizers' AddedToken defaults normalized to !special.
    bool normalized = getBool(added, "normalized", !special);
    tok->stripFlags[id] =
        (getBool(added, "lstrip", false) ? StripLeft : 0) |
        (getBool(added, "rstrip", false) ? StripRight : 0) |
        (getBool(added, "single_word", false) ? SingleWord : 0) |
        (normalized ? NormalizedMatch : 0) | (special ? Special : 0) | Added;
  }
  for (size_t id = 0; id < tok->texts.size(); ++id)
    if (!present[id])
      tok->texts[id] = "[PAD" + std::to_string(id) + "]";

  // Merges: "a b" strings in older files, ["a", "b"] pairs in newer ones.
  for (auto [rank, merge] : llvm::enumerate(getArray(model, "merges"))) {
    std::string left, right;
    if (merge.is_string()) {
      std::string text = merge.get<std::string>();
      size_t space = text.find(' ');
      if (space == std::string::npos ||
          text.find(' ', space + 1) != std::string::npos)
        return error("merge '" + text + "' is not two tokens");
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      return error("merge #" + Twine(rank) + " is not two tokens");
    }
    tok->mergeRanks.try_emplace(left + '\0' + right, int32_t(rank));
  }
  tok->byteFallback = getBool(model, "byte_fallback", false);
  tok->fuseUnk = getBool(model, "fuse_unk", false);
  tok->ignoreMerges = getBool(model, "ignore_merges", false);

  // Normalizer and pre-tokenizer.
  std::vector<const Json *> normalizers, preTokenizers;
  flatten(member(json, "normalizer"), "normalizers", normalizers);
  flatten(member(json, "pre_tokenizer"), "pretokenizers", preTokenizers);
  bool prepend = false, escapeSpaces = false;
  std::vector<NormalizerStep> steps;
  for (const Json *node : normalizers) {
    using Kind = NormalizerStep::Kind;
    std::string type = getString(*node, "type");
    NormalizerStep step{Kind::NFC, {}, {}};
    if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
      step.kind = type == "NFC"    ? Kind::NFC
                  : type == "NFD"  ? Kind::NFD
                  : type == "NFKC" ? Kind::NFKC
                                   : Kind::NFKD;
    } else if (type == "Lowercase") {
      step.kind = Kind::Lowercase;
    } else if (type == "Strip") {
      step.kind = Kind::Strip;
      step.left = getBool(*node, "strip_left", true);
      step.right = getBool(*node, "strip_right", true);
    } else if (type == "Prepend") {
      step.kind = Kind::Prepend;
      step.content = getString(*node, "prepend");
      if (step.content == "\xe2\x96\x81")
        prepend = true;
    } else if (type == "Replace") {
      step.kind = Kind::Replace;
      const Json &pattern = member(*node, "pattern");
      if (member(pattern, "Regex").is_string()) {
        step.pattern = getString(pattern, "Regex");
        step.regex = true;
      } else if (member(pattern, "String").is_string()) {
        step.pattern = getString(pattern, "String");
      } else {
        return error("Replace normalizer without a String or Regex pattern");
      }
      if (!member(*node, "content").is_string())
        return error("Replace normalizer without a 'content' string");
      step.content = getString(*node, "content");
      if (!step.regex && step.pattern == " " && step.content == "\xe2\x96\x81")
        escapeSpaces = true;
    } else {
      return error("normalizer '" + type + "' is not supported");
    }
    steps.push_back(std::move(step));
  }
  if (!steps.empty()) {
    llvm::Expected<std::unique_ptr<Normalizer>> created =
        Normalizer::create(steps);
    if (!created)
      return error(llvm::toString(created.takeError()));
    tok->normalizer = std::move(*created);
  }
  tok->hfAddedTokens = true;
  bool byteLevel = false, metaspace = false;
  std::vector<std::string> regexes;
  for (const Json *node : preTokenizers) {
    std::string type = getString(*node, "type");
    if (type == "ByteLevel") {
      byteLevel = true;
      tok->byteLevelPrefixSpace = getBool(*node, "add_prefix_space", true);
      if (getBool(*node, "use_regex", true))
        regexes.push_back(PreTokenizer::kByteLevelRegex.str());
    } else if (type == "Split") {
      std::string behavior = getString(*node, "behavior");
      if (behavior != "Isolated" || getBool(*node, "invert", false))
        return error("Split pre-tokenizer with behavior '" + behavior +
                     "' is not supported (expected Isolated)");
      const Json &pattern = member(*node, "pattern");
      if (member(pattern, "Regex").is_string())
        regexes.push_back(getString(pattern, "Regex"));
      else if (member(pattern, "String").is_string())
        regexes.push_back(literalRegex(getString(pattern, "String")));
      else
        return error("Split pre-tokenizer without a pattern");
    } else if (type == "Digits") {
      regexes.push_back(getBool(*node, "individual_digits", false)
                            ? R"(\p{N})"
                            : R"(\p{N}+)");
    } else if (type == "Metaspace") {
      if (getString(*node, "replacement", "\xe2\x96\x81") != "\xe2\x96\x81")
        return error("Metaspace pre-tokenizer with a replacement other than "
                     "U+2581 is not supported");
      metaspace = true;
      std::string scheme = getString(*node, "prepend_scheme");
      if (scheme.empty())
        scheme = getBool(*node, "add_prefix_space", true) ? "always" : "never";
      tok->spacePrefix = scheme != "never";
      tok->spacePrefixFirstOnly = scheme == "first";
      tok->splitOnSpaceMarker = getBool(*node, "split", true);
    } else {
      return error("pre-tokenizer '" + type + "' is not supported");
    }
  }

  if (byteLevel) {
    if (prepend || escapeSpaces || metaspace)
      return error("byte-level BPE with SentencePiece-style spaces is not "
                   "supported");
    llvm::Expected<std::unique_ptr<PreTokenizer>> pre =
        PreTokenizer::forRegexes(regexes);
    if (!pre)
      return error(llvm::toString(pre.takeError()));
    tok->kind = TokenizerModel::ByteLevelBPE;
    tok->pre = std::move(*pre);
    tok->preName = tok->pre->name().str();
  } else {
    if (!regexes.empty())
      return error("SentencePiece-style BPE with split regexes is not "
                   "supported");
    if (!escapeSpaces && !metaspace)
      return error("BPE without a ByteLevel pre-tokenizer needs spaces "
                   "escaped to U+2581 (a Replace normalizer or a Metaspace "
                   "pre-tokenizer)");
    tok->kind = TokenizerModel::SentencePiece;
    tok->mergeByRank = true;
    // The normalizer escapes the spaces (and prefixes one where it has a
    // Prepend); decode() still drops the prefixed space.
    tok->normalizerEscapes = escapeSpaces;
    if (prepend)
      tok->spacePrefix = true;
    // Scores in merge order, as llmq's GGUF exporter writes them.
    tok->scores.assign(tok->texts.size(), 0.0f);
    std::string unk = getString(model, "unk_token");
    for (size_t id = 0; id < tok->texts.size(); ++id) {
      if (tok->types[id] == TokenType::Normal) {
        tok->scores[id] = -float(id);
        StringRef text = tok->texts[id];
        if (tok->byteFallback && text.size() == 6 && text.starts_with("<0x") &&
            text.ends_with(">"))
          tok->types[id] = TokenType::Byte;
      }
      if (!unk.empty() && tok->texts[id] == unk) {
        tok->types[id] = TokenType::Unknown;
        tok->unkId = int32_t(id);
      }
    }
  }

  if (llvm::Error err = tok->finalize(path))
    return std::move(err);

  // Added tokens by the text they are matched by: as written, or (normalized
  // ones) as the normalizer writes them, as tokenizers' refresh_added_tokens
  // builds its two tries.
  for (size_t id = 0; id < tok->texts.size(); ++id) {
    uint8_t flags = tok->stripFlags[id];
    if (!(flags & Added))
      continue;
    std::string pattern = tok->texts[id];
    bool normalizedSet = (flags & NormalizedMatch) && tok->normalizer;
    if (normalizedSet) {
      llvm::Expected<std::string> applied = tok->normalizer->apply(pattern);
      if (!applied)
        return error("added token '" + tok->texts[id] +
                     "': " + llvm::toString(applied.takeError()));
      pattern = std::move(*applied);
    }
    if (pattern.empty())
      continue;
    tok->addedPatterns[normalizedSet][uint8_t(pattern[0])].emplace_back(
        std::move(pattern), int32_t(id));
  }
  for (auto &set : tok->addedPatterns)
    for (auto &bucket : set)
      llvm::sort(bucket, [](const AddedPattern &a, const AddedPattern &b) {
        if (a.first.size() != b.first.size())
          return a.first.size() > b.first.size();
        return a.second < b.second;
      });

  // bos, eos and add_bos: tokenizer_config.json, else the post-processor.
  llvm::SmallString<256> configPath(llvm::sys::path::parent_path(path));
  llvm::sys::path::append(configPath, "tokenizer_config.json");
  Json config;
  if (llvm::sys::fs::exists(configPath)) {
    llvm::Expected<Json> read =
        readJsonFile(configPath, kMaxConfigFileBytes, "JSON file");
    if (!read)
      return read.takeError();
    config = std::move(*read);
  }
  std::string bosText = configToken(config, "bos_token");
  std::string fromTemplate = templateBos(member(json, "post_processor"));
  if (bosText.empty())
    bosText = fromTemplate;
  tok->bosId = bosText.empty() ? -1 : tok->tokenId(bosText);
  std::string eosText = configToken(config, "eos_token");
  tok->eosId = eosText.empty() ? -1 : tok->tokenId(eosText);
  const Json &addBos = member(config, "add_bos_token");
  tok->addBosToken =
      addBos.is_boolean() ? addBos.get<bool>() : !fromTemplate.empty();
  if (tok->bosId < 0)
    tok->addBosToken = false;
  return std::move(tok);
}
