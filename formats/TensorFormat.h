//===- TensorFormat.h - Every storage format a weight can have --*- C++ -*-===//
//
// One value names any storage format llmq implements, so the IR, the passes,
// the runtime and every exporter speak of formats the same way:
//
//   ggml       one of ggml's row formats (Formats.h: f32, bf16, q8_0, q4_K,
//              ...): every row is self-contained blocks.
//   fp8_block  FP8 e4m3 with one f32 dequantization scale per block of
//              blockRows x blockCols values (128x128 as DeepSeek-V3 and
//              Qwen3-FP8 checkpoints store `weight_scale_inv`).
//   int        integer codes of `bits` bits (4 or 8) with one scale per
//              `group` values of a row (group 0: one per row, "per channel"),
//              symmetric or with a zero point (compressed-tensors' int
//              quantization, vLLM's W4A16/W8A16).
//
// Unlike ggml's formats the last two keep codes and scales in separate
// tensors, and fp8 blocks span rows; GroupFormats.h quantizes them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_TENSORFORMAT_H
#define LLMQ_FORMATS_TENSORFORMAT_H

#include "formats/Formats.h"

#include "llvm/ADT/Hashing.h"

#include <optional>
#include <string>

namespace llmq {

enum class FormatKind : uint8_t { Ggml, FP8Block, Int };

struct TensorFormat {
  FormatKind kind = FormatKind::Ggml;
  Format ggml = Format::F32;  ///< kind == Ggml
  uint32_t blockRows = 0;     ///< kind == FP8Block
  uint32_t blockCols = 0;     ///< kind == FP8Block
  uint8_t bits = 0;           ///< kind == Int: 4 or 8
  uint32_t group = 0;         ///< kind == Int: values per scale; 0 = a row
  bool symmetric = true;      ///< kind == Int: false adds a zero point

  static TensorFormat ggmlFormat(Format f) {
    TensorFormat t;
    t.ggml = f;
    return t;
  }
  static TensorFormat fp8Block(uint32_t rows = 128, uint32_t cols = 128) {
    TensorFormat t;
    t.kind = FormatKind::FP8Block;
    t.blockRows = rows;
    t.blockCols = cols;
    return t;
  }
  static TensorFormat integer(uint8_t bits, uint32_t group, bool symmetric) {
    TensorFormat t;
    t.kind = FormatKind::Int;
    t.bits = bits;
    t.group = group;
    t.symmetric = symmetric;
    return t;
  }

  bool isGgml() const { return kind == FormatKind::Ggml; }
  bool isGgml(Format f) const { return isGgml() && ggml == f; }
  /// f32, f16 or bf16: values stored as they are.
  bool isFloat() const {
    return isGgml() && getFormatTraits(ggml).blockElems == 1;
  }
  /// Kept in separate code and scale tensors (not a ggml row format).
  bool isGrouped() const { return !isGgml(); }

  bool operator==(const TensorFormat &o) const {
    return kind == o.kind && ggml == o.ggml && blockRows == o.blockRows &&
           blockCols == o.blockCols && bits == o.bits && group == o.group &&
           symmetric == o.symmetric;
  }
  bool operator!=(const TensorFormat &o) const { return !(*this == o); }

  /// The one spelling used on command lines, in manifests and reports:
  /// ggml names ("q4_K"), "fp8_block" (128x128; other blocks
  /// "fp8_block_64x128"), "int4_g128", "int4_g128_asym", "int8" (per
  /// channel), "int8_g32".
  std::string name() const;
  /// name()'s spellings, plus "fp8", "fp8_e4m3", "fp8-block", "int4-g128",
  /// "int8_channel".
  static std::optional<TensorFormat> parse(llvm::StringRef text);

  /// Why the format's own parameters are invalid ("" when valid): block
  /// edges 1..4096, bits 4 or 8, group 0 or a power of two 8..4096.
  std::string invalidReason() const;

  /// Whether a rows x cols matrix can be stored: ggml needs whole blocks per
  /// row, a group format whole groups per row; fp8 blocks may be partial.
  bool fits(int64_t cols) const;
  /// Average storage bits per value of a rows x cols matrix, scales and
  /// zero points (f32 scales, zero points of `bits` bits) included.
  double bitsPerWeight(int64_t rows, int64_t cols) const;
  /// Bytes of a rows x cols matrix in this format, all its tensors.
  uint64_t storageBytes(int64_t rows, int64_t cols) const;

  /// The block edges shard boundaries must respect (NPU artifacts).
  int64_t rowAlignment() const {
    return kind == FormatKind::FP8Block ? blockRows : 1;
  }
  int64_t colAlignment() const;
};

inline llvm::hash_code hash_value(const TensorFormat &f) {
  return llvm::hash_combine(static_cast<uint8_t>(f.kind),
                            static_cast<uint8_t>(f.ggml), f.blockRows,
                            f.blockCols, f.bits, f.group, f.symmetric);
}

/// llama.cpp's tensor_type_fallback: the ggml format used when `wanted`'s
/// blocks do not split a row of `cols` (256-element K and IQ types step to a
/// 32-element format of similar size, then to f16). Returns `wanted` when it
/// fits; the one fallback chain for every pass and exporter.
Format ggmlFallback(Format wanted, int64_t cols);

} // namespace llmq

#endif // LLMQ_FORMATS_TENSORFORMAT_H
