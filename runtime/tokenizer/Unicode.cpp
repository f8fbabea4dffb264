//===- Unicode.cpp - UTF-8 and GPT-2 byte-level encoding
//-------------------===//

#include "runtime/tokenizer/Unicode.h"

#include <array>

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
