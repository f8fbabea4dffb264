//===- Normalizer.cpp - tokenizer.json normalizers ------------------------===//
//
// Each step follows its counterpart in Hugging Face tokenizers
// (tokenizers/src/normalizers/{unicode,utils,replace,prepend,strip}.rs):
// NFC and friends through the unicode-normalization crate's algorithm (here
// with tables generated from the Unicode Character Database by
// scripts/gen-unicode-tables.py), Lowercase as Rust's char::to_lowercase,
// Strip as char::is_whitespace, Prepend only on non-empty text, Replace of
// every non-overlapping match, left to right. Regexes run on PCRE2 where
// tokenizers uses Oniguruma; the patterns tokenizer.json files use are in
// their common subset. An empty regex match replaces nothing.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Normalizer.h"

#include "runtime/tokenizer/Unicode.h"

#include "llvm/ADT/Twine.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

using namespace llmq;
using llvm::StringRef;

struct Normalizer::Regex {
  pcre2_code *code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

Normalizer::Normalizer() = default;
Normalizer::~Normalizer() = default;

llvm::Expected<std::unique_ptr<Normalizer>>
Normalizer::create(llvm::ArrayRef<NormalizerStep> steps) {
  std::unique_ptr<Normalizer> normalizer(new Normalizer());
  for (const NormalizerStep &step : steps) {
    std::unique_ptr<Regex> regex;
    if (step.kind == NormalizerStep::Kind::Replace) {
      if (step.pattern.empty())
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       "Replace normalizer has an empty "
                                       "pattern");
      if (step.regex) {
        int errorCode = 0;
        PCRE2_SIZE errorOffset = 0;
        pcre2_code *code =
            pcre2_compile(reinterpret_cast<PCRE2_SPTR>(step.pattern.data()),
                          step.pattern.size(),
                          PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
                          &errorCode, &errorOffset, nullptr);
        if (!code) {
          PCRE2_UCHAR message[256];
          pcre2_get_error_message(errorCode, message, sizeof(message));
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "Replace normalizer regex '" + step.pattern +
                  "': " + reinterpret_cast<const char *>(message) +
                  " at offset " + llvm::Twine(errorOffset));
        }
        (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
        regex = std::make_unique<Regex>();
        regex->code = code;
      }
    }
    normalizer->stepList.push_back(step);
    normalizer->regexes.push_back(std::move(regex));
  }
  return std::move(normalizer);
}

/// Bytes of White_Space at the start (or end) of `text`.
static size_t leadingSpace(StringRef text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    std::optional<uint32_t> cp = unicode::decodeStrict(text, next);
    if (!cp || !unicode::isWhitespace(*cp))
      break;
    pos = next;
  }
  return pos;
}

static size_t trailingSpace(StringRef text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (uint8_t(text[start]) & 0xC0) == 0x80 &&
           end - start < 4)
      --start;
    size_t pos = start;
    std::optional<uint32_t> cp = unicode::decodeStrict(text, pos);
    if (!cp || pos != end || !unicode::isWhitespace(*cp))
      break;
    end = start;
  }
  return text.size() - end;
}

/// How large normalized text may grow: the normal forms expand a character
/// at most 18-fold (U+FDFA in NFKD) and real Replace and Prepend steps add a
/// few bytes, but a hostile tokenizer.json could ask for gigabytes.
static size_t maxNormalizedBytes(size_t inputBytes) {
  return 32 * inputBytes + 65536;
}

static llvm::Error tooLarge(llvm::StringRef step, size_t inputBytes) {
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      step + " normalizer makes more than " +
          llvm::Twine(maxNormalizedBytes(inputBytes)) + " bytes of " +
          llvm::Twine(inputBytes) + " bytes of text");
}

/// The step's type as tokenizer.json names it.
static llvm::StringRef stepName(NormalizerStep::Kind kind) {
  using Kind = NormalizerStep::Kind;
  switch (kind) {
  case Kind::NFC:
    return "NFC";
  case Kind::NFD:
    return "NFD";
  case Kind::NFKC:
    return "NFKC";
  case Kind::NFKD:
    return "NFKD";
  case Kind::Lowercase:
    return "Lowercase";
  case Kind::Strip:
    return "Strip";
  case Kind::Replace:
    return "Replace";
  case Kind::Prepend:
    return "Prepend";
  }
  return "?";
}

llvm::Expected<std::string> Normalizer::apply(StringRef input) const {
  using Kind = NormalizerStep::Kind;
  const size_t limit = maxNormalizedBytes(input.size());
  std::string text = input.str();
  for (size_t i = 0; i < stepList.size(); ++i) {
    const NormalizerStep &step = stepList[i];
    switch (step.kind) {
    case Kind::NFC:
      text = unicode::normalize(text, unicode::NormalForm::NFC);
      break;
    case Kind::NFD:
      text = unicode::normalize(text, unicode::NormalForm::NFD);
      break;
    case Kind::NFKC:
      text = unicode::normalize(text, unicode::NormalForm::NFKC);
      break;
    case Kind::NFKD:
      text = unicode::normalize(text, unicode::NormalForm::NFKD);
      break;
    case Kind::Lowercase:
      text = unicode::toLower(text);
      break;
    case Kind::Strip: {
      StringRef view(text);
      if (step.left)
        view = view.drop_front(leadingSpace(view));
      if (step.right)
        view = view.drop_back(trailingSpace(view));
      text = view.str();
      break;
    }
    case Kind::Prepend:
      if (text.empty())
        break;
      if (text.size() > limit || step.content.size() > limit - text.size())
        return tooLarge("Prepend", input.size());
      text.insert(0, step.content);
      break;
    case Kind::Replace: {
      std::string out;
      out.reserve(text.size());
      if (!regexes[i]) {
        StringRef view(text);
        size_t last = 0;
        for (size_t at = view.find(step.pattern); at != StringRef::npos;
             at = view.find(step.pattern, last)) {
          out.append(text, last, at - last);
          if (out.size() + step.content.size() > limit)
            return tooLarge("Replace", input.size());
          out += step.content;
          last = at + step.pattern.size();
        }
        out.append(text, last, std::string::npos);
        text.swap(out);
        break;
      }
      pcre2_code *code = regexes[i]->code;
      pcre2_match_data *match =
          pcre2_match_data_create_from_pattern(code, nullptr);
      auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
      size_t offset = 0, last = 0;
      while (offset <= text.size()) {
        int rc =
            pcre2_match(code, subject, text.size(), offset, 0, match, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH)
          break;
        if (rc < 0) {
          PCRE2_UCHAR message[256];
          pcre2_get_error_message(rc, message, sizeof(message));
          pcre2_match_data_free(match);
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "Replace normalizer regex '" + step.pattern + "' failed on " +
                  llvm::Twine(text.size()) +
                  " bytes: " + reinterpret_cast<const char *>(message));
        }
        PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match);
        size_t begin = ovector[0], end = ovector[1];
        if (end == begin) {
          // An empty match: step over one character.
          offset = end + 1;
          while (offset < text.size() && (uint8_t(text[offset]) & 0xC0) == 0x80)
            ++offset;
          continue;
        }
        out.append(text, last, begin - last);
        if (out.size() + step.content.size() > limit) {
          pcre2_match_data_free(match);
          return tooLarge("Replace", input.size());
        }
        out += step.content;
        last = offset = end;
      }
      pcre2_match_data_free(match);
      out.append(text, last, std::string::npos);
      text.swap(out);
      break;
    }
    }
    if (text.size() > limit)
      return tooLarge(stepName(step.kind), input.size());
  }
  return text;
}
