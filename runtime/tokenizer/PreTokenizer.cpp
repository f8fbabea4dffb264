//===- PreTokenizer.cpp - Regex splitting before byte-level BPE
//------------===//
//
// The regexes are llama.cpp's (src/llama-vocab.cpp, llm_tokenizer_bpe), which
// it adapted from the tokenizer.json files of each model family: where a
// model's regex uses (?i:'s|...), llama.cpp spells the letters out ('[sS]),
// which also keeps Unicode case folding from matching "'ſ".
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/PreTokenizer.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

using namespace llmq;
using llvm::StringRef;

//===----------------------------------------------------------------------===//
// Regexes
//===----------------------------------------------------------------------===//

// GPT-2's regex as llama.cpp writes it; the text it does not match (a lone
// whitespace before a non-space) becomes a piece anyway.
static constexpr llvm::StringLiteral kGPT2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
static constexpr llvm::StringLiteral kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
static constexpr llvm::StringLiteral kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
static constexpr llvm::StringLiteral kSeedCoder =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)";
static constexpr llvm::StringLiteral kBailingMoe =
    R"('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)";

/// The regexes of llama.cpp's pre-tokenizer `name`, or an empty list.
static llvm::SmallVector<StringRef, 5> regexesForName(StringRef name) {
  using List = llvm::SmallVector<StringRef, 5>;
  enum class Kind {
    Unknown,
    Default,
    GPT2,
    Llama3,
    Qwen2,
    DeepseekCoder,
    Falcon,
    StarCoder,
    SeedCoder,
    BailingMoe,
  };
  Kind kind =
      llvm::StringSwitch<Kind>(name)
          .Cases({"", "default"}, Kind::Default)
          .Cases({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat",
                  "jina-v2-es", "jina-v2-de", "a.x-4.0", "mellum",
                  "modern-bert"},
                 Kind::GPT2)
          .Cases({"jina-v1-en", "jina-v2-code", "roberta-bpe", "mpt", "olmo",
                  "jais", "trillion", "granite-docling", "exaone4"},
                 Kind::GPT2)
          .Cases({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1",
                  "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"},
                 Kind::Llama3)
          .Cases({"dbrx", "smaug-bpe", "glm4", "chatglm-bpe"}, Kind::Llama3)
          .Cases({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2",
                  "hunyuan", "megrez", "solar-open", "grok-2"},
                 Kind::Qwen2)
          .Case("deepseek-coder", Kind::DeepseekCoder)
          .Case("falcon", Kind::Falcon)
          .Cases({"starcoder", "refact", "command-r", "smollm", "codeshell",
                  "exaone", "minerva-7b", "mellum2"},
                 Kind::StarCoder)
          .Case("seed-coder", Kind::SeedCoder)
          .Cases({"bailingmoe", "bailingmoe2", "llada-moe"}, Kind::BailingMoe)
          .Default(Kind::Unknown);
  switch (kind) {
  case Kind::Unknown:
    return {};
  case Kind::Default:
    return List{R"([\p{P}\$\+<=>\^~\|]+)", kGPT2, R"(\p{N}+)",
                "[0-9][0-9][0-9]"};
  case Kind::GPT2:
    return List{kGPT2};
  case Kind::Llama3:
    return List{kLlama3};
  case Kind::Qwen2:
    return List{kQwen2};
  case Kind::DeepseekCoder:
    return List{"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)",
                "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+", R"(\p{N})"};
  case Kind::Falcon:
    return List{R"([\p{P}\$\+<=>\^~\|`]+)", kGPT2, "[0-9][0-9][0-9]"};
  case Kind::StarCoder:
    return List{R"(\p{N})", kGPT2};
  case Kind::SeedCoder:
    return List{kSeedCoder};
  case Kind::BailingMoe:
    return List{kBailingMoe};
  }
  return {};
}

/// tokenizer.json split regexes llama.cpp has a name for.
static const struct {
  StringRef regex;
  StringRef name;
} kKnownTokenizerJsonRegexes[] = {
    {PreTokenizer::kByteLevelRegex, "gpt-2"},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "llama-bpe"},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     "qwen2"},
};

//===----------------------------------------------------------------------===//
// PreTokenizer
//===----------------------------------------------------------------------===//

struct PreTokenizer::Regex {
  pcre2_code *code = nullptr;
  std::string pattern;
  ~Regex() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer() = default;
PreTokenizer::~PreTokenizer() = default;

llvm::Expected<std::unique_ptr<PreTokenizer>>
PreTokenizer::compile(StringRef name, llvm::ArrayRef<StringRef> patterns) {
  std::unique_ptr<PreTokenizer> pre(new PreTokenizer());
  pre->preName = name.str();
  for (StringRef pattern : patterns) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code *code = pcre2_compile(
        reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
        PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &errorCode,
        &errorOffset, nullptr);
    if (!code) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(errorCode, message, sizeof(message));
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "pre-tokenizer regex '" + pattern +
              "': " + reinterpret_cast<const char *>(message) + " at offset " +
              llvm::Twine(errorOffset));
    }
    // JIT is an optimization only; the interpreter runs where it fails.
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    auto regex = std::make_unique<Regex>();
    regex->code = code;
    regex->pattern = pattern.str();
    pre->regexes.push_back(std::move(regex));
  }
  return std::move(pre);
}

llvm::Expected<std::unique_ptr<PreTokenizer>>
PreTokenizer::forName(StringRef name) {
  llvm::SmallVector<StringRef, 5> patterns = regexesForName(name);
  if (patterns.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "pre-tokenizer '" + name +
                                       "' is not supported");
  return compile(name.empty() ? StringRef("default") : name, patterns);
}

StringRef PreTokenizer::knownName(llvm::ArrayRef<std::string> regexes) {
  if (regexes.size() == 1)
    for (const auto &known : kKnownTokenizerJsonRegexes)
      if (known.regex == regexes[0])
        return known.name;
  return {};
}

llvm::Expected<std::unique_ptr<PreTokenizer>>
PreTokenizer::forRegexes(llvm::ArrayRef<std::string> regexes) {
  if (StringRef name = knownName(regexes); !name.empty())
    return forName(name);
  llvm::SmallVector<StringRef, 4> patterns(regexes.begin(), regexes.end());
  return compile("custom", patterns);
}

/// The pattern as an error shows it: on one line, at most 60 bytes.
static std::string shownPattern(StringRef pattern) {
  std::string shown;
  for (char c : pattern.take_front(60))
    shown += (c == '\n' || c == '\r') ? ' ' : c;
  if (pattern.size() > 60)
    shown += "...";
  return shown;
}

llvm::Error PreTokenizer::split(StringRef text,
                                std::vector<StringRef> &pieces) const {
  std::vector<StringRef> current, next;
  if (!text.empty())
    current.push_back(text);
  for (const std::unique_ptr<Regex> &regex : regexes) {
    pcre2_match_data *match =
        pcre2_match_data_create_from_pattern(regex->code, nullptr);
    next.clear();
    for (StringRef piece : current) {
      auto subject = reinterpret_cast<PCRE2_SPTR>(piece.data());
      size_t offset = 0, last = 0;
      while (offset < piece.size()) {
        int rc = pcre2_match(regex->code, subject, piece.size(), offset, 0,
                             match, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH)
          break; // no further match: the rest is a piece
        if (rc < 0) {
          // A match or depth limit, or a JIT stack overflow: skipping the
          // split would tokenize the text differently without a word.
          PCRE2_UCHAR message[256];
          pcre2_get_error_message(rc, message, sizeof(message));
          pcre2_match_data_free(match);
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "pre-tokenizer regex '" + shownPattern(regex->pattern) +
                  "' failed on a piece of " + llvm::Twine(piece.size()) +
                  " bytes: " + reinterpret_cast<const char *>(message));
        }
        PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match);
        size_t begin = ovector[0], end = ovector[1];
        if (end == begin) {
          // An empty match cuts nothing; step over one character.
          offset = end + 1;
          while (offset < piece.size() &&
                 (uint8_t(piece[offset]) & 0xC0) == 0x80)
            ++offset;
          continue;
        }
        if (begin > last)
          next.push_back(piece.slice(last, begin));
        next.push_back(piece.slice(begin, end));
        last = offset = end;
      }
      if (last < piece.size())
        next.push_back(piece.slice(last, piece.size()));
    }
    pcre2_match_data_free(match);
    current.swap(next);
  }
  pieces.insert(pieces.end(), current.begin(), current.end());
  return llvm::Error::success();
}
