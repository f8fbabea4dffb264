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
