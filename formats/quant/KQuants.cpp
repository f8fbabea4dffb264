//===- KQuants.cpp - K-quant dequantizers ---------------------------------===//
//
// dequantize_row_{q2..q6}_K. Each weight is one or two float operations on
// decoded integers, in ggml's order (d * q - m, or (d * sc) * q for q6_K),
// never fused into a multiply-add, so the floats match ggml's bit for bit.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuants.h"
#include "formats/quant/KQuantsImpl.h"

#include <cstring>

#pragma STDC FP_CONTRACT OFF

namespace llmq {
namespace quant {

using namespace kq;

namespace {

template <typename Block> Block loadBlock(const void *src, int64_t index) {
  Block block;
  std::memcpy(&block,
              static_cast<const unsigned char *>(src) + index * sizeof(Block),
              sizeof(Block));
  return block;
}

} // namespace

void dequantizeRowQ2_K(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ2_K block = loadBlock<BlockQ2_K>(src, b);
    const float d = fp16ToFp32(block.d);
    const float min = fp16ToFp32(block.dmin);
    float *y = dst + b * kSuperBlock;
    const uint8_t *q = block.qs;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2) {
        for (int part = 0; part < 2; ++part) {
          const uint8_t sc = block.scales[is++];
          const float dl = d * static_cast<float>(sc & 0xF);
          const float ml = min * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l)
            *y++ =
                dl * static_cast<float>((q[l + 16 * part] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void dequantizeRowQ3_K(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ3_K block = loadBlock<BlockQ3_K>(src, b);
    const float dAll = fp16ToFp32(block.d);
    // The 16 signed 6-bit scales: low nibbles from bytes 0-7, top bits from
    // bytes 8-11 (two per sub-block), biased by 32.
    int scales[16];
    for (int j = 0; j < 16; ++j) {
      const int low = j < 8 ? block.scales[j] & 0xF : block.scales[j - 8] >> 4;
      const int high = (block.scales[8 + j % 4] >> (2 * (j / 4))) & 3;
      scales[j] = (low | (high << 4)) - 32;
    }
    float *y = dst + b * kSuperBlock;
    const uint8_t *q = block.qs;
    uint8_t m = 1;
    int is = 0;
    for (int half = 0; half < 2; ++half, q += 32) {
      for (int shift = 0; shift < 8; shift += 2, m = uint8_t(m << 1)) {
        for (int part = 0; part < 2; ++part) {
          const float dl = dAll * static_cast<float>(scales[is++]);
          for (int l = 0; l < 16; ++l) {
            const int k = l + 16 * part;
            const int level =
                ((q[k] >> shift) & 3) - ((block.hmask[k] & m) ? 0 : 4);
            *y++ = dl * static_cast<float>(level);
          }
        }
      }
    }
  }
}

void dequantizeRowQ4_K(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ4_K block = loadBlock<BlockQ4_K>(src, b);
    const float d = fp16ToFp32(block.d);
    const float min = fp16ToFp32(block.dmin);
    float *y = dst + b * kSuperBlock;
    const uint8_t *q = block.qs;
    for (int is = 0; is < 8; is += 2, q += 32) {
      int sc, m;
      unpackScaleMinK4(is + 0, block.scales, sc, m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = min * static_cast<float>(m);
      unpackScaleMinK4(is + 1, block.scales, sc, m);
      const float d2 = d * static_cast<float>(sc);
      const float m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void dequantizeRowQ5_K(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ5_K block = loadBlock<BlockQ5_K>(src, b);
    const float d = fp16ToFp32(block.d);
    const float min = fp16ToFp32(block.dmin);
    float *y = dst + b * kSuperBlock;
    const uint8_t *ql = block.qs;
    uint8_t u1 = 1, u2 = 2;
    for (int is = 0; is < 8; is += 2, ql += 32) {
      int sc, m;
      unpackScaleMinK4(is + 0, block.scales, sc, m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = min * static_cast<float>(m);
      unpackScaleMinK4(is + 1, block.scales, sc, m);
      const float d2 = d * static_cast<float>(sc);
      const float m2 = min * static_cast<float>(m);
      for (int l = 0; l < 32; ++l)
        *y++ = d1 * static_cast<float>((ql[l] & 0xF) +
                                       (block.qh[l] & u1 ? 16 : 0)) -
               m1;
      for (int l = 0; l < 32; ++l)
        *y++ = d2 * static_cast<float>((ql[l] >> 4) +
                                       (block.qh[l] & u2 ? 16 : 0)) -
               m2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

void dequantizeRowQ6_K(const void *src, float *dst, int64_t n) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ6_K block = loadBlock<BlockQ6_K>(src, b);
    const float d = fp16ToFp32(block.d);
    float *y = dst + b * kSuperBlock;
    const uint8_t *ql = block.ql;
    const uint8_t *qh = block.qh;
    const int8_t *sc = block.scales;
    for (int half = 0; half < 2; ++half) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        // (d * sc) * q, in that order.
        y[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
        y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
        y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
        y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

} // namespace quant
} // namespace llmq
