//===- Formats.h - Storage formats of weight tensors ------------*- C++ -*-===//
//
// One registry row per storage format llmq can write: float formats and
// ggml's block-quantized formats. Every quantizer here is a scalar reference
// that is bit-exact with ggml's (checked against ../shared/golden), so the
// bytes llmq writes are the bytes llama.cpp's own quantizer would write.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FORMATS_H
#define LLMQ_FORMATS_FORMATS_H

#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace llmq {

/// Storage formats. The values are not ggml's type ids (see ggmlType in the
/// traits); they only order the registry.
enum class Format : uint8_t {
  F32,
  F16,
  BF16,
  Q8_0,
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q2_K,
  Q3_K,
  Q4_K,
  Q5_K,
  Q6_K,
  IQ4_NL,
  IQ4_XS,
};

/// Number of Format values, which are dense from 0. Formats.cpp checks that
/// the registry has exactly one row per value; keep this naming the last
/// enumerator. (A count rather than an ArrayRef of rows keeps this header
/// free of LLVM headers that would need LLVMSupport at link time.)
inline constexpr unsigned NumFormats = static_cast<unsigned>(Format::IQ4_XS) + 1;

/// Quantizes `n` floats (a multiple of blockElems) into `dst`. `importance`
/// is null or holds one weight per column of the row (llama.cpp's imatrix).
using QuantizeRowFn = void (*)(const float *src, void *dst, int64_t n,
                               const float *importance);
/// Dequantizes `n` elements (a multiple of blockElems) from `src`.
using DequantizeRowFn = void (*)(const void *src, float *dst, int64_t n);

struct FormatTraits {
  Format format;
  llvm::StringRef name;   ///< lower-case name used on command lines and in IR
  uint32_t ggmlType;      ///< ggml_type value written into GGUF tensor infos
  uint32_t blockElems;    ///< elements per block (1 for float formats)
  uint32_t blockBytes;    ///< bytes per block
  QuantizeRowFn quantizeRow;
  DequantizeRowFn dequantizeRow;
};

/// The registry row of `format`.
const FormatTraits &getFormatTraits(Format format);
/// The format named `name` (as in FormatTraits::name), if any.
std::optional<Format> lookupFormat(llvm::StringRef name);
/// Average storage bits per weight, scales included (e.g. 4.5 for q4_K).
inline double bitsPerWeight(Format format) {
  const FormatTraits &t = getFormatTraits(format);
  return 8.0 * t.blockBytes / t.blockElems;
}
/// Whether a row of `n` elements splits into whole blocks of `format`.
inline bool rowFits(Format format, int64_t n) {
  return n % getFormatTraits(format).blockElems == 0;
}
/// Bytes taken by a row of `n` elements; n must be a multiple of blockElems.
inline size_t rowBytes(Format format, int64_t n) {
  const FormatTraits &t = getFormatTraits(format);
  return static_cast<size_t>(n / t.blockElems) * t.blockBytes;
}

} // namespace llmq

#endif // LLMQ_FORMATS_FORMATS_H
