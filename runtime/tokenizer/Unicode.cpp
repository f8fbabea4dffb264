//===- Unicode.cpp - UTF-8 and GPT-2 byte-level encoding
//-------------------===//

#include "runtime/tokenizer/Unicode.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <array>
#include <vector>

using namespace llmq;
using llvm::StringRef;

void unicode::appendUtf8(uint32_t cp, std::string &out) {
  if (cp <= 0x7F) {
    out.push_back(char(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp <= 0xFFFF) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | ((cp >> 18) & 0x07)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

/// Decodes one character at `pos` as llama.cpp's unicode_cpt_from_utf8 does
/// (lead byte and continuation bytes checked, overlong forms accepted), or
/// returns nullopt for a byte that starts no such character.
static std::optional<uint32_t> decodeChar(StringRef text, size_t &pos) {
  auto byte = [&](size_t i) { return uint8_t(text[i]); };
  auto continuation = [&](size_t i) {
    return i < text.size() && (byte(i) & 0xC0) == 0x80;
  };
  uint8_t lead = byte(pos);
  if (!(lead & 0x80)) {
    pos += 1;
    return lead;
  }
  if (!(lead & 0x40))
    return std::nullopt;
  if (!(lead & 0x20)) {
    if (!continuation(pos + 1))
      return std::nullopt;
    uint32_t cp = ((lead & 0x1F) << 6) | (byte(pos + 1) & 0x3F);
    pos += 2;
    return cp;
  }
  if (!(lead & 0x10)) {
    if (!continuation(pos + 1) || !continuation(pos + 2))
      return std::nullopt;
    uint32_t cp = ((lead & 0x0F) << 12) | ((byte(pos + 1) & 0x3F) << 6) |
                  (byte(pos + 2) & 0x3F);
    pos += 3;
    return cp;
  }
  if (!(lead & 0x08)) {
    if (!continuation(pos + 1) || !continuation(pos + 2) ||
        !continuation(pos + 3))
      return std::nullopt;
    uint32_t cp = ((lead & 0x07) << 18) | ((byte(pos + 1) & 0x3F) << 12) |
                  ((byte(pos + 2) & 0x3F) << 6) | (byte(pos + 3) & 0x3F);
    pos += 4;
    return cp;
  }
  return std::nullopt;
}

std::string unicode::repairUtf8(StringRef text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    std::optional<uint32_t> cp = decodeChar(text, pos);
    if (!cp || *cp > 0x10FFFF) {
      if (!cp)
        ++pos;
      appendUtf8(0xFFFD, out);
      continue;
    }
    appendUtf8(*cp, out);
  }
  return out;
}

namespace {
/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves,
/// the others map to 256, 257, ... in byte order.
struct ByteLevelTables {
  std::array<std::string, 256> encode;
  /// Byte of each codepoint below 512, or -1.
  std::array<int16_t, 512> decode;

  ByteLevelTables() {
    decode.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
      bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) ||
                       (b >= 0xAE && b <= 0xFF);
      uint32_t cp = printable ? b : next++;
      unicode::appendUtf8(cp, encode[b]);
      decode[cp] = int16_t(b);
    }
  }
};
} // namespace

static const ByteLevelTables &byteLevelTables() {
  static const ByteLevelTables tables;
  return tables;
}

void unicode::appendByteLevel(StringRef bytes, std::string &out) {
  const ByteLevelTables &tables = byteLevelTables();
  for (char c : bytes)
    out += tables.encode[uint8_t(c)];
}

void unicode::appendFromByteLevel(StringRef text, std::string &out) {
  const ByteLevelTables &tables = byteLevelTables();
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    std::optional<uint32_t> cp = decodeChar(text, pos);
    if (!cp) {
      out.push_back(text[pos++]);
      continue;
    }
    if (*cp < tables.decode.size() && tables.decode[*cp] >= 0)
      out.push_back(char(tables.decode[*cp]));
    else
      out.append(text.data() + start, pos - start);
  }
}

//===----------------------------------------------------------------------===//
// Normalization forms and lowercase
//===----------------------------------------------------------------------===//

namespace {
struct CombiningClassRange {
  uint32_t first, last;
  uint8_t ccc;
};
struct Decomposition {
  uint32_t cp;
  uint16_t canonicalOffset;
  uint8_t canonicalLength;
  uint16_t compatOffset;
  uint8_t compatLength;
};
struct Composition {
  uint32_t first, second, composite;
};
struct LowercaseMapping {
  uint32_t cp, value;
  uint8_t length;
};
} // namespace

#include "runtime/tokenizer/UnicodeTables.inc"

StringRef unicode::tablesVersion() { return kUnicodeVersion; }

// Hangul syllables (The Unicode Standard, section 3.12).
static constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161,
                          kTBase = 0x11A7;
static constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
static constexpr uint32_t kNCount = kVCount * kTCount;
static constexpr uint32_t kSCount = kLCount * kNCount;

/// A byte that is not well-formed UTF-8, carried through normalization as a
/// value no character has.
static constexpr uint32_t kRawByte = 0x80000000u;

std::optional<uint32_t> unicode::decodeStrict(StringRef text, size_t &pos) {
  auto byte = [&](size_t i) { return uint8_t(text[i]); };
  uint8_t lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t length;
  uint32_t cp, min;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() - pos < length)
    return std::nullopt;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80)
      return std::nullopt;
    cp = (cp << 6) | (byte(pos + i) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return std::nullopt;
  pos += length;
  return cp;
}

/// The code points of `text`, invalid bytes as kRawByte | byte.
static void decodeAll(StringRef text, std::vector<uint32_t> &out) {
  for (size_t pos = 0; pos < text.size();) {
    if (std::optional<uint32_t> cp = unicode::decodeStrict(text, pos))
      out.push_back(*cp);
    else
      out.push_back(kRawByte | uint8_t(text[pos++]));
  }
}

static void encodeAll(const std::vector<uint32_t> &cps, std::string &out) {
  for (uint32_t cp : cps) {
    if (cp & kRawByte)
      out.push_back(char(cp & 0xFF));
    else
      unicode::appendUtf8(cp, out);
  }
}

static uint8_t combiningClass(uint32_t cp) {
  if (cp < 0x300 || (cp & kRawByte))
    return 0;
  const CombiningClassRange *end = std::end(kCombiningClasses);
  const CombiningClassRange *it =
      std::upper_bound(std::begin(kCombiningClasses), end, cp,
                       [](uint32_t value, const CombiningClassRange &r) {
                         return value < r.first;
                       });
  if (it == std::begin(kCombiningClasses))
    return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

static void decompose(uint32_t cp, bool compat, std::vector<uint32_t> &out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    uint32_t index = cp - kSBase;
    out.push_back(kLBase + index / kNCount);
    out.push_back(kVBase + (index % kNCount) / kTCount);
    if (uint32_t t = index % kTCount)
      out.push_back(kTBase + t);
    return;
  }
  if (cp >= 0xA0 && !(cp & kRawByte)) {
    const Decomposition *end = std::end(kDecompositions);
    const Decomposition *it = std::lower_bound(
        std::begin(kDecompositions), end, cp,
        [](const Decomposition &d, uint32_t value) { return d.cp < value; });
    if (it != end && it->cp == cp) {
      size_t offset = compat ? it->compatOffset : it->canonicalOffset;
      size_t length = compat ? it->compatLength : it->canonicalLength;
      if (length > 0) {
        out.insert(out.end(), kDecompositionPool + offset,
                   kDecompositionPool + offset + length);
        return;
      }
    }
  }
  out.push_back(cp);
}

/// The primary composite of `first` and `second`, or 0.
static uint32_t compose(uint32_t first, uint32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount)
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  if (first >= kSBase && first < kSBase + kSCount &&
      (first - kSBase) % kTCount == 0 && second > kTBase &&
      second < kTBase + kTCount)
    return first + (second - kTBase);
  const Composition *end = std::end(kCompositions);
  const Composition *it = std::lower_bound(
      std::begin(kCompositions), end, std::make_pair(first, second),
      [](const Composition &c, std::pair<uint32_t, uint32_t> key) {
        return std::make_pair(c.first, c.second) < key;
      });
  if (it != end && it->first == first && it->second == second)
    return it->composite;
  return 0;
}

std::string unicode::normalize(StringRef text, NormalForm form) {
  // ASCII is in every normal form.
  if (llvm::all_of(text, [](char c) { return uint8_t(c) < 0x80; }))
    return text.str();
  bool compat = form == NormalForm::NFKC || form == NormalForm::NFKD;
  bool composeBack = form == NormalForm::NFC || form == NormalForm::NFKC;

  std::vector<uint32_t> input, cps;
  decodeAll(text, input);
  cps.reserve(input.size());
  for (uint32_t cp : input)
    decompose(cp, compat, cps);

  // Canonical ordering: each run of non-starters sorted by class, stably.
  for (size_t i = 0; i < cps.size();) {
    if (combiningClass(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combiningClass(cps[j]) != 0)
      ++j;
    // Insertion sort: stable, and runs of marks are short.
    for (size_t k = i + 1; k < j; ++k) {
      uint32_t cp = cps[k];
      uint8_t cls = combiningClass(cp);
      size_t m = k;
      for (; m > i && combiningClass(cps[m - 1]) > cls; --m)
        cps[m] = cps[m - 1];
      cps[m] = cp;
    }
    i = j;
  }

  if (composeBack && !cps.empty()) {
    // The canonical composition algorithm: a character joins the last
    // starter unless a character between them has the same or a higher
    // class (blocked), or is a starter.
    std::vector<uint32_t> out;
    out.reserve(cps.size());
    size_t starter = 0;
    bool haveStarter = combiningClass(cps[0]) == 0;
    int lastClass = haveStarter ? 0 : 256;
    out.push_back(cps[0]);
    for (size_t i = 1; i < cps.size(); ++i) {
      uint32_t cp = cps[i];
      int cls = combiningClass(cp);
      // lastClass is 0 only when the starter is the last character kept.
      if (haveStarter && (lastClass < cls || lastClass == 0)) {
        if (uint32_t composite = compose(out[starter], cp)) {
          out[starter] = composite;
          continue;
        }
      }
      if (cls == 0) {
        starter = out.size();
        haveStarter = true;
      }
      lastClass = cls;
      out.push_back(cp);
    }
    cps.swap(out);
  }

  std::string result;
  result.reserve(text.size());
  encodeAll(cps, result);
  return result;
}

std::string unicode::toLower(StringRef text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    uint8_t lead = uint8_t(text[pos]);
    if (lead < 0x80) {
      out.push_back(char(lead >= 'A' && lead <= 'Z' ? lead + 32 : lead));
      ++pos;
      continue;
    }
    size_t start = pos;
    std::optional<uint32_t> cp = decodeStrict(text, pos);
    if (!cp) {
      out.push_back(char(lead));
      ++pos;
      continue;
    }
    const LowercaseMapping *end = std::end(kLowercase);
    const LowercaseMapping *it = std::lower_bound(
        std::begin(kLowercase), end, *cp,
        [](const LowercaseMapping &m, uint32_t value) { return m.cp < value; });
    if (it == end || it->cp != *cp) {
      out.append(text.data() + start, pos - start);
      continue;
    }
    if (it->length == 0) {
      appendUtf8(it->value, out);
      continue;
    }
    for (size_t i = 0; i < it->length; ++i)
      appendUtf8(kLowercasePool[it->value + i], out);
  }
  return out;
}

bool unicode::isWhitespace(uint32_t cp) {
  // PropList.txt's White_Space.
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
