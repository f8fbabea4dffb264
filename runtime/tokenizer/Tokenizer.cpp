//===- Tokenizer.cpp - BPE and SentencePiece-style tokenizers
//--------------===//
//
// Encoding follows llama.cpp's llama_vocab::impl::tokenize: the text is first
// cut at special tokens (longest first), then each remaining fragment is
// tokenized on its own, by the byte-level or the SentencePiece-style path.
// The loaders (TokenizerGGUF.cpp, TokenizerJson.cpp) fill in the vocabulary
// and call finalize().
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "runtime/tokenizer/Merge.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/PreTokenizer.h"
#include "runtime/tokenizer/Unicode.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

using namespace llmq;
using llvm::StringRef;

/// U+2581 LOWER ONE EIGHTH BLOCK, SentencePiece's escaped space.
static constexpr llvm::StringLiteral kSpaceMarker = "\xe2\x96\x81";

Tokenizer::Tokenizer() { byteTokens.fill(-1); }
Tokenizer::~Tokenizer() = default;

//===----------------------------------------------------------------------===//
// Vocabulary
//===----------------------------------------------------------------------===//

llvm::Error Tokenizer::finalize(StringRef source) {
  sourceName = source.str();
  size_t n = texts.size();
  scores.resize(n, 0.0f);
  types.resize(n, TokenType::Normal);
  stripFlags.resize(n, 0);
  ids.clear();
  for (size_t id = 0; id < n; ++id) {
    if (texts[id].empty())
      texts[id] = "[EMPTY_" + std::to_string(id) + "]";
    auto [it, inserted] = ids.try_emplace(texts[id], int32_t(id));
    if (!inserted)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          source + ": token '" + texts[id] + "' appears twice, as ids " +
              llvm::Twine(it->second) + " and " + llvm::Twine(id));
  }

  specialTokens.clear();
  for (size_t id = 0; id < n; ++id)
    if (types[id] == TokenType::Control ||
        types[id] == TokenType::UserDefined || types[id] == TokenType::Unknown)
      specialTokens.push_back(int32_t(id));
  llvm::sort(specialTokens, [&](int32_t a, int32_t b) {
    if (texts[a].size() != texts[b].size())
      return texts[a].size() > texts[b].size();
    return a < b;
  });

  // Byte tokens: <0xXX>, else the byte itself as a token (llama.cpp's
  // byte_to_token for SentencePiece vocabularies).
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned b = 0; b < 256; ++b) {
    char name[6] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
    int32_t id = tokenId(StringRef(name, 6));
    if (id < 0)
      id = tokenId(StringRef(reinterpret_cast<const char *>(&b), 1));
    byteTokens[b] = id;
  }

  // Special ids outside the vocabulary are disabled, as llama.cpp does.
  for (int32_t *special : {&bosId, &eosId, &unkId})
    if (*special >= int32_t(n))
      *special = -1;
  if (bosId < 0)
    addBosToken = false;
  return llvm::Error::success();
}

StringRef Tokenizer::tokenText(int32_t id) const {
  if (id < 0 || size_t(id) >= texts.size())
    return {};
  return texts[id];
}

TokenType Tokenizer::tokenType(int32_t id) const {
  if (id < 0 || size_t(id) >= types.size())
    return TokenType::Undefined;
  return types[id];
}

int32_t Tokenizer::tokenId(StringRef text) const {
  auto it = ids.find(text);
  return it == ids.end() ? -1 : it->second;
}

int32_t Tokenizer::byteToken(uint8_t byte) const { return byteTokens[byte]; }

bool Tokenizer::mergeRank(StringRef left, StringRef right,
                          double &priority) const {
  std::string key;
  key.reserve(left.size() + 1 + right.size());
  key.append(left.data(), left.size());
  key.push_back('\0');
  key.append(right.data(), right.size());
  auto it = mergeRanks.find(key);
  if (it == mergeRanks.end())
    return false;
  priority = it->second;
  return true;
}

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

/// The whitespace C's isspace accepts, which llama.cpp strips around
/// special tokens.
static bool isAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

void Tokenizer::splitSpecial(StringRef text, bool parseSpecial,
                             std::vector<Fragment> &fragments) const {
  fragments.clear();
  if (!text.empty())
    fragments.push_back({-1, 0, text.size()});
  std::vector<Fragment> next;
  for (int32_t id : specialTokens) {
    // Control and unknown tokens are text unless asked for; user-defined
    // tokens always split, as in Hugging Face tokenizers.
    if (!parseSpecial &&
        (types[id] == TokenType::Control || types[id] == TokenType::Unknown))
      continue;
    StringRef special = texts[id];
    next.clear();
    for (const Fragment &fragment : fragments) {
      if (fragment.token >= 0) {
        next.push_back(fragment);
        continue;
      }
      size_t offset = fragment.offset, length = fragment.length;
      while (length > 0) {
        size_t match = text.substr(offset, length).find(special);
        if (match == StringRef::npos) {
          next.push_back({-1, offset, length});
          break;
        }
        size_t leftLength = match;
        if (stripFlags[id] & StripLeft)
          while (leftLength > 0 && isAsciiSpace(text[offset + leftLength - 1]))
            --leftLength;
        if (leftLength > 0)
          next.push_back({-1, offset, leftLength});
        next.push_back({id, offset + match, special.size()});
        size_t rightOffset = offset + match + special.size();
        size_t rightLength = offset + length - rightOffset;
        if (stripFlags[id] & StripRight)
          while (rightLength > 0 && isAsciiSpace(text[rightOffset])) {
            ++rightOffset;
            --rightLength;
          }
        offset = rightOffset;
        length = rightLength;
      }
    }
    fragments.swap(next);
  }
}

/// Whether `cp` is a word character for single_word, which tokenizers tests
/// with Rust's regex \w (letters, marks, decimal digits, connector
/// punctuation). Beyond ASCII PCRE2 decides, with \w in UCP mode (letters,
/// all numbers, '_') plus marks and connector punctuation.
static bool isWordChar(uint32_t cp) {
  if (cp < 0x80)
    return llvm::isAlnum(char(cp)) || cp == '_';
  static pcre2_code *word = [] {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    static constexpr char kPattern[] = R"(^[\w\p{M}\p{Pc}]$)";
    return pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern),
                         PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                         &errorCode, &errorOffset, nullptr);
  }();
  if (!word)
    return false;
  std::string text;
  unicode::appendUtf8(cp, text);
  pcre2_match_data *match = pcre2_match_data_create(1, nullptr);
  int rc = pcre2_match(word, reinterpret_cast<PCRE2_SPTR>(text.data()),
                       text.size(), 0, 0, match, nullptr);
  pcre2_match_data_free(match);
  return rc >= 0;
}

/// The character that ends `text`, or nullopt if it ends in bytes that are
/// not UTF-8.
static std::optional<uint32_t> lastChar(StringRef text) {
  for (size_t start = text.size(); start-- > 0 && text.size() - start <= 4;) {
    if ((uint8_t(text[start]) & 0xC0) == 0x80)
      continue;
    size_t pos = start;
    std::optional<uint32_t> cp = unicode::decodeStrict(text, pos);
    return pos == text.size() ? cp : std::nullopt;
  }
  return std::nullopt;
}

/// The character that starts `text`, or nullopt.
static std::optional<uint32_t> firstChar(StringRef text) {
  size_t pos = 0;
  return text.empty() ? std::nullopt : unicode::decodeStrict(text, pos);
}

void Tokenizer::splitAdded(StringRef text, bool parseSpecial,
                           bool normalizedSet,
                           std::vector<Fragment> &fragments) const {
  fragments.clear();
  const auto &buckets = addedPatterns[normalizedSet];
  size_t last = 0; // end of the previous token
  for (size_t pos = 0; pos < text.size();) {
    // The longest added token at the leftmost position (aho-corasick's
    // LeftmostLongest): a match found and then discarded still consumes its
    // text, as in tokenizers.
    const AddedPattern *found = nullptr;
    for (const AddedPattern &pattern : buckets[uint8_t(text[pos])])
      if (text.substr(pos).starts_with(pattern.first)) {
        found = &pattern;
        break;
      }
    if (!found) {
      ++pos;
      continue;
    }
    int32_t id = found->second;
    size_t start = pos, stop = pos + found->first.size();
    pos = stop;
    uint8_t flags = stripFlags[id];
    if ((flags & Special) && !parseSpecial)
      continue;
    if (flags & SingleWord) {
      std::optional<uint32_t> before = lastChar(text.take_front(start));
      std::optional<uint32_t> after = firstChar(text.drop_front(stop));
      if ((before && isWordChar(*before)) || (after && isWordChar(*after)))
        continue;
    }
    if (flags & StripLeft) {
      while (start > last) {
        std::optional<uint32_t> cp = lastChar(text.slice(last, start));
        if (!cp || !unicode::isWhitespace(*cp))
          break;
        std::string encodedChar;
        unicode::appendUtf8(*cp, encodedChar);
        start -= encodedChar.size();
      }
    }
    if (flags & StripRight) {
      while (stop < text.size()) {
        size_t next = stop;
        std::optional<uint32_t> cp = unicode::decodeStrict(text, next);
        if (!cp || !unicode::isWhitespace(*cp))
          break;
        stop = next;
      }
      pos = stop;
    }
    if (start > last)
      fragments.push_back({-1, last, start - last});
    fragments.push_back({id, start, stop - start});
    last = stop;
  }
  if (last < text.size())
    fragments.push_back({-1, last, text.size() - last});
}

llvm::Error Tokenizer::encodeByteLevel(StringRef fragment,
                                       std::vector<int32_t> &out) const {
  std::string text;
  if (byteLevelPrefixSpace && !fragment.starts_with(" "))
    text.push_back(' ');
  text += fragment.str();
  // llama.cpp's regex split reads the text as code points, turning bytes
  // of invalid UTF-8 into U+FFFD.
  std::string repaired = unicode::repairUtf8(text);
  std::vector<StringRef> pieces;
  if (llvm::Error err = pre->split(repaired, pieces))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   sourceName + ": " +
                                       llvm::toString(std::move(err)));

  auto rank = [&](StringRef left, StringRef right, double &priority) {
    return mergeRank(left, right, priority);
  };
  std::string word;
  std::vector<StringRef> symbols;
  for (StringRef piece : pieces) {
    word.clear();
    unicode::appendByteLevel(piece, word);
    if (ignoreMerges) {
      int32_t id = tokenId(word);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
    }
    symbols.clear();
    mergeSymbols(word, rank, symbols);
    for (StringRef symbol : symbols) {
      int32_t id = tokenId(symbol);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      // Not in the vocabulary: llama.cpp tries each byte of the symbol's
      // text as a token and drops those that are not.
      for (char c : symbol) {
        int32_t byteId = tokenId(StringRef(&c, 1));
        if (byteId >= 0)
          out.push_back(byteId);
      }
    }
  }
  return llvm::Error::success();
}

void Tokenizer::encodeSentencePiece(StringRef text,
                                    std::vector<int32_t> &out) const {
  // Words: the whole text, or (Metaspace split) cut before each marker.
  llvm::SmallVector<StringRef, 8> words;
  if (splitOnSpaceMarker) {
    size_t start = 0;
    for (size_t pos = text.find(kSpaceMarker, 1); pos != StringRef::npos;
         pos = text.find(kSpaceMarker, pos + kSpaceMarker.size())) {
      words.push_back(text.slice(start, pos));
      start = pos;
    }
    words.push_back(text.substr(start));
  } else {
    words.push_back(text);
  }

  auto score = [&](StringRef left, StringRef right, double &priority) {
    // left and right are adjacent in the word: their merge is one span.
    int32_t id = tokenId(StringRef(left.data(), left.size() + right.size()));
    if (id < 0)
      return false;
    priority = -double(scores[id]);
    return true;
  };
  auto rank = [&](StringRef left, StringRef right, double &priority) {
    return mergeRank(left, right, priority);
  };
  std::vector<StringRef> symbols;
  for (StringRef word : words) {
    if (word.empty())
      continue;
    if (ignoreMerges) {
      int32_t id = tokenId(word);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
    }
    symbols.clear();
    if (mergeByRank)
      mergeSymbols(word, rank, symbols);
    else
      mergeSymbols(word, score, symbols);
    bool lastWasUnk = false;
    auto pushUnk = [&]() {
      if (unkId < 0 || (fuseUnk && lastWasUnk))
        return;
      out.push_back(unkId);
      lastWasUnk = true;
    };
    for (StringRef symbol : symbols) {
      int32_t id = tokenId(symbol);
      if (id >= 0) {
        out.push_back(id);
        lastWasUnk = id == unkId;
        continue;
      }
      if (mergeByRank) {
        // Hugging Face: byte fallback when every byte has a token, else
        // the unknown token.
        bool all = byteFallback && llvm::all_of(symbol, [&](char c) {
                     return byteToken(uint8_t(c)) >= 0;
                   });
        if (!all) {
          pushUnk();
          continue;
        }
      }
      // llama.cpp: each byte as its byte token.
      for (char c : symbol) {
        int32_t byteId = byteToken(uint8_t(c));
        if (byteId >= 0) {
          out.push_back(byteId);
          lastWasUnk = false;
        } else {
          pushUnk();
        }
      }
    }
  }
}

llvm::Error Tokenizer::encodeFragment(StringRef raw, bool first,
                                      std::vector<int32_t> &out) const {
  if (kind == TokenizerModel::ByteLevelBPE)
    return encodeByteLevel(raw, out);
  if (normalizerEscapes) {
    encodeSentencePiece(raw, out);
    return llvm::Error::success();
  }
  // Every raw fragment starts the text or follows a special token, which
  // is where llama.cpp prefixes the space. tokenizers' Metaspace prefixes
  // none to text that starts with a space (already a U+2581).
  std::string escaped;
  if (spacePrefix && (!spacePrefixFirstOnly || first) &&
      !(hfAddedTokens && raw.starts_with(" ")))
    escaped = kSpaceMarker.str();
  for (char c : raw) {
    if (c == ' ')
      escaped += kSpaceMarker;
    else
      escaped.push_back(c);
  }
  encodeSentencePiece(escaped, out);
  return llvm::Error::success();
}

llvm::Expected<std::vector<int32_t>>
Tokenizer::encode(StringRef text, bool withBos, bool parseSpecial) const {
  std::vector<int32_t> out;
  if (withBos && bosId >= 0)
    out.push_back(bosId);
  std::vector<Fragment> fragments;
  if (!hfAddedTokens) {
    splitSpecial(text, parseSpecial, fragments);
    for (const Fragment &fragment : fragments) {
      if (fragment.token >= 0) {
        out.push_back(fragment.token);
        continue;
      }
      if (llvm::Error err =
              encodeFragment(text.substr(fragment.offset, fragment.length),
                             fragment.offset == 0, out))
        return std::move(err);
    }
    return out;
  }

  // Hugging Face's extract_and_normalize: tokens matched as written, then
  // the text between them normalized, then tokens matched in the
  // normalized text.
  splitAdded(text, parseSpecial, /*normalizedSet=*/false, fragments);
  std::vector<Fragment> inner;
  for (const Fragment &fragment : fragments) {
    if (fragment.token >= 0) {
      out.push_back(fragment.token);
      continue;
    }
    StringRef raw = text.substr(fragment.offset, fragment.length);
    std::string normalized;
    if (normalizer) {
      llvm::Expected<std::string> applied = normalizer->apply(raw);
      if (!applied)
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       sourceName + ": " +
                                           llvm::toString(applied.takeError()));
      normalized = std::move(*applied);
    } else {
      normalized = raw.str();
    }
    splitAdded(normalized, parseSpecial, /*normalizedSet=*/true, inner);
    for (const Fragment &piece : inner) {
      if (piece.token >= 0) {
        out.push_back(piece.token);
        continue;
      }
      if (llvm::Error err = encodeFragment(
              StringRef(normalized).substr(piece.offset, piece.length),
              fragment.offset == 0 && piece.offset == 0, out))
        return std::move(err);
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Decoding
//===----------------------------------------------------------------------===//

/// The byte of a <0xXX> token, or -1.
static int parseByteToken(StringRef text) {
  unsigned value;
  if (text.size() != 6 || !text.starts_with("<0x") || !text.ends_with(">") ||
      text.substr(3, 2).getAsInteger(16, value))
    return -1;
  return int(value);
}

std::string Tokenizer::decode(llvm::ArrayRef<int32_t> tokens) const {
  std::string out;
  bool stripSpace = spacePrefix;
  std::string piece;
  for (int32_t id : tokens) {
    if (id < 0 || size_t(id) >= texts.size())
      continue;
    piece.clear();
    StringRef text = texts[id];
    switch (types[id]) {
    case TokenType::Control:
    case TokenType::Unknown:
    case TokenType::Unused:
    case TokenType::Undefined:
      break;
    case TokenType::UserDefined:
      piece = text.str();
      break;
    case TokenType::Byte: {
      int byte = parseByteToken(text);
      if (byte >= 0)
        piece.push_back(char(byte));
      else
        piece = text.str();
      break;
    }
    case TokenType::Normal:
      if (kind == TokenizerModel::ByteLevelBPE) {
        unicode::appendFromByteLevel(text, piece);
        break;
      }
      for (size_t pos = 0; pos < text.size();) {
        if (text.substr(pos).starts_with(kSpaceMarker)) {
          piece.push_back(' ');
          pos += kSpaceMarker.size();
        } else {
          piece.push_back(text[pos++]);
        }
      }
      break;
    }
    if (piece.empty())
      continue;
    // The space a SentencePiece-style tokenizer prefixed to the text.
    if (stripSpace && piece[0] == ' ')
      piece.erase(0, 1);
    stripSpace = false;
    out += piece;
  }
  return out;
}
