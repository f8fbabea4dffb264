//===- Unicode.h - UTF-8 and GPT-2 byte-level encoding ----------*- C++ -*-===//
//
// The UTF-8 handling the tokenizers share: character lengths as llama.cpp
// counts them (from the lead byte alone), repair of invalid UTF-8 the way
// llama.cpp's pre-tokenizer does it, and GPT-2's mapping of the 256 byte
// values to printable characters that byte-level BPE vocabularies are
// written in.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_TOKENIZER_UNICODE_H
#define LLMQ_RUNTIME_TOKENIZER_UNICODE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llmq::unicode {

/// Bytes of the UTF-8 character that starts with `lead`, judged from its
/// high bits only (a stray continuation byte counts as one character).
inline size_t charLength(uint8_t lead) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1,
                                           1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

/// Appends the UTF-8 encoding of `codepoint` (at most 0x10FFFF).
void appendUtf8(uint32_t codepoint, std::string &out);

/// `text` decoded and re-encoded as llama.cpp's pre-tokenizer does: a byte
/// that does not start a well-formed sequence becomes U+FFFD.
std::string repairUtf8(llvm::StringRef text);

/// Appends GPT-2's byte-level encoding of `bytes`: each byte becomes one
/// printable character (' ' becomes 'Ġ', '\n' becomes 'Ċ').
void appendByteLevel(llvm::StringRef bytes, std::string &out);

/// Appends the bytes a byte-level token stands for. Characters outside
/// GPT-2's mapping are copied as they are.
void appendFromByteLevel(llvm::StringRef text, std::string &out);

/// The Unicode normalization forms (UAX #15).
enum class NormalForm : uint8_t { NFC, NFD, NFKC, NFKD };

/// The version of the Unicode Character Database the tables come from.
llvm::StringRef tablesVersion();

/// `text` in normal form `form`: decomposed (canonically, or with
/// compatibility mappings for NFKC/NFKD), combining marks in canonical
/// order, and recomposed for NFC/NFKC; Hangul syllables by the algorithm.
/// Bytes that are not well-formed UTF-8 are kept as they are and block
/// reordering and composition across them.
std::string normalize(llvm::StringRef text, NormalForm form);

/// `text` with each character replaced by its full lowercase mapping
/// (UnicodeData.txt and SpecialCasing.txt's unconditional mappings, as
/// Rust's char::to_lowercase: U+0130 becomes "i" U+0307). Invalid bytes are
/// kept.
std::string toLower(llvm::StringRef text);

/// Whether `cp` has the White_Space property (Rust's char::is_whitespace).
bool isWhitespace(uint32_t cp);

/// Decodes the well-formed UTF-8 character at `pos` (shortest form, no
/// surrogates, at most U+10FFFF) and advances `pos` past it, or returns
/// nullopt and leaves `pos` alone.
std::optional<uint32_t> decodeStrict(llvm::StringRef text, size_t &pos);

} // namespace llmq::unicode

#endif // LLMQ_RUNTIME_TOKENIZER_UNICODE_H
