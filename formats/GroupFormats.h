//===- GroupFormats.h - FP8 block and integer group formats -----*- C++ -*-===//
//
// The formats Hugging Face checkpoints (and so vLLM and NPU toolchains) carry
// quantized weights in: a weight tensor plus separate scale tensors, with
// blocks that span rows as well as columns. Unlike ggml's formats they are not
// self-contained rows, so they have their own tensor-level API.
//
//   fp8_block   FP8 e4m3 (OCP, torch.float8_e4m3fn) with one f32 scale per
//               128x128 block, stored as `weight_scale_inv`:
//               w = fp8 * scale_inv, scale_inv = amax(block) / 448.
//   int8        int8 per output channel (one f32 scale per row), symmetric.
//   int4        groups of 32/64/128 along a row, symmetric (scale) or
//               asymmetric (scale and zero point), packed eight 4-bit values
//               per int32 from the low bits up as compressed-tensors'
//               pack-quantized format does.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_GROUPFORMATS_H
#define LLMQ_FORMATS_GROUPFORMATS_H

#include <cstdint>
#include <vector>

namespace llmq {
struct TensorFormat;

//===----------------------------------------------------------------------===//
// Any grouped format (TensorFormat kinds FP8Block and Int)
//===----------------------------------------------------------------------===//

/// A strip of rows of a matrix in a grouped format, its components unpacked:
/// how exporters lay them out (packed words, scale dtype) is theirs.
struct GroupedStrip {
  /// rows x cols: fp8 e4m3 bytes, or integer levels 0..2^bits-1, the signed
  /// code plus 2^(bits-1) (compressed-tensors' offset before packing).
  std::vector<uint8_t> codes;
  /// fp8: ceil(rows/blockRows) x ceil(cols/blockCols) dequantization
  /// multipliers (`weight_scale_inv`); int: rows x groups scales.
  std::vector<float> scales;
  /// int asymmetric: rows x groups zero points, as levels like `codes`.
  std::vector<uint8_t> zeros;
};

/// Scale and zero-point counts of a rows x cols strip in `format`.
int64_t groupedScaleRows(const TensorFormat &format, int64_t rows);
int64_t groupedScaleCols(const TensorFormat &format, int64_t cols);

/// Quantizes rows x cols values. fp8 blocks are counted from the strip's
/// first row, so a strip of a larger matrix must start at a multiple of the
/// block height. Rules (the same for every caller, so exports and
/// simulation agree bit for bit):
///   fp8:  scale = amax(block) / 448 (1 for an all-zero block),
///         code = e4m3(clamp(w / scale, -448, 448)), w' = e4m3 * scale.
///   int symmetric:  scale = amax(group) / (2^(bits-1) - 1) (1 if zero),
///         q = clamp(nearbyint(w / scale), -2^(bits-1), 2^(bits-1) - 1),
///         w' = q * scale.
///   int asymmetric: range [min(lo, 0), max(hi, 0)], scale = range /
///         (2^bits - 1), zero = clamp(nearbyint(-lo / scale), 0, 2^bits - 1),
///         level = clamp(nearbyint(w / scale) + zero, 0, 2^bits - 1),
///         w' = (level - zero) * scale.
GroupedStrip quantizeGrouped(const TensorFormat &format, const float *src,
                             int64_t rows, int64_t cols);
/// The values a consumer computes with (w' above).
void dequantizeGrouped(const TensorFormat &format, const GroupedStrip &q,
                       int64_t rows, int64_t cols, float *dst);

/// Levels of `bits` bits packed 32/bits per int32 word, low bits first
/// (compressed-tensors' pack_to_int32 along the last dimension); `levels`
/// holds a multiple of 32/bits values.
std::vector<int32_t> packLevels(const uint8_t *levels, int64_t count,
                                unsigned bits);
void unpackLevels(const int32_t *words, int64_t count, unsigned bits,
                  uint8_t *levels);

/// Quantizes then dequantizes rows x cols values in any format (ggml rows
/// with `importance`, one weight per column or null, as the exporters do;
/// grouped formats ignore it): what running the exported file computes
/// with, without writing it.
void roundTripRows(const TensorFormat &format, const float *src, int64_t rows,
                   int64_t cols, const float *importance, float *dst);

/// A rows x cols matrix in a grouped format, as readers see it in a mapped
/// file or in memory: codes row-major (fp8: one byte per value; int: levels
/// packed 32/bits per little-endian int32, low bits first, as
/// compressed-tensors' `weight_packed`), scales and zero points already
/// converted to f32 and unpacked levels (they are 1/group of the codes).
struct GroupedView {
  const TensorFormat *format = nullptr;
  const uint8_t *codes = nullptr;
  const float *scales = nullptr;
  const uint8_t *zeros = nullptr; ///< asymmetric int formats only
  int64_t rows = 0, cols = 0;

  /// Bytes of one row of codes.
  uint64_t codeRowBytes() const;
  /// Row `r` dequantized into `out` (cols floats), bit-identical with
  /// dequantizeGrouped.
  void dequantizeRow(int64_t r, float *out) const;
};

//===----------------------------------------------------------------------===//
// The NPU artifact's three layouts, in terms of the above
//===----------------------------------------------------------------------===//

/// FP8 e4m3fn: round to nearest even; |x| beyond 448 must be clamped by the
/// caller (the encoding has no infinity; 0x7f / 0xff are NaN).
uint8_t fp32ToFp8E4M3(float x);
float fp8E4M3ToFp32(uint8_t v);

inline constexpr int64_t kFP8BlockSize = 128;
inline constexpr float kFP8Max = 448.0f;

struct FP8BlockTensor {
  std::vector<uint8_t> weight;  ///< rows x cols e4m3 values
  std::vector<float> scaleInv;  ///< ceil(rows/128) x ceil(cols/128)
};
/// Quantizes a rows x cols tensor in 128x128 blocks; values are scaled,
/// clamped to [-448, 448], then rounded.
FP8BlockTensor quantizeFP8Block(const float *src, int64_t rows, int64_t cols);
void dequantizeFP8Block(const FP8BlockTensor &q, int64_t rows, int64_t cols,
                        float *dst);

struct Int8ChannelTensor {
  std::vector<int8_t> weight; ///< rows x cols
  std::vector<float> scale;   ///< rows
};
Int8ChannelTensor quantizeInt8Channel(const float *src, int64_t rows,
                                      int64_t cols);
void dequantizeInt8Channel(const Int8ChannelTensor &q, int64_t rows,
                           int64_t cols, float *dst);

struct Int4GroupTensor {
  std::vector<int32_t> packed;   ///< rows x cols/8, 4-bit values low bits first
  std::vector<float> scale;      ///< rows x cols/group
  std::vector<int8_t> zeroPoint; ///< rows x cols/group; empty if symmetric
};
/// `group` is 32, 64 or 128 and divides `cols`. Symmetric: q in [-8, 7],
/// w = q * scale, scale = amax / 7 (stored offset by 8 as 0..15).
/// Asymmetric: q in [0, 15], w = (q - zero) * scale, scale = (max - min) / 15.
Int4GroupTensor quantizeInt4Group(const float *src, int64_t rows, int64_t cols,
                                  int64_t group, bool symmetric);
void dequantizeInt4Group(const Int4GroupTensor &q, int64_t rows, int64_t cols,
                         int64_t group, float *dst);

} // namespace llmq

#endif // LLMQ_FORMATS_GROUPFORMATS_H
