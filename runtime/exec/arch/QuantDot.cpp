//===- QuantDot.cpp - Portable integer dot products, repacking, dispatch --===//

#include "runtime/exec/arch/QuantDot.h"

#include "formats/Float.h"
#include "formats/Formats.h"
#include "formats/quant/KQuantScales.h"

#include <cmath>
#include <cstring>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

namespace {
constexpr int64_t kSuperBlock = 256, kBlock = 32;
constexpr size_t kQ4KBytes = 144, kQ8_0Bytes = 34;
} // namespace

void llmq::runtime::repackQ4K(const uint8_t *src, size_t rowBytes, int64_t r0,
                              int64_t count, int64_t cols,
                              Q4KGroupBlock *out) {
  int64_t blocks = cols / kSuperBlock;
  int64_t groups = (count + kQuantGroupRows - 1) / kQuantGroupRows;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t b = 0; b < blocks; ++b) {
      Q4KGroupBlock &o = out[g * blocks + b];
      for (int64_t k = 0; k < kQuantGroupRows; ++k) {
        int64_t row = g * kQuantGroupRows + k;
        if (row >= count) {
          for (auto &step : o.q)
            std::memset(step[k], 0, 4);
          for (auto &s : o.scales)
            s[k] = 0;
          for (auto &m : o.mins)
            m[k][0] = m[k][1] = 0;
          o.d[k] = o.dmin[k] = 0;
          continue;
        }
        const uint8_t *block = src + (r0 + row) * rowBytes + b * kQ4KBytes;
        uint16_t d, dmin;
        std::memcpy(&d, block, 2);
        std::memcpy(&dmin, block + 2, 2);
        o.d[k] = fp16ToFp32(d);
        o.dmin[k] = fp16ToFp32(dmin);
        const uint8_t *packed = block + 4, *qs = block + 16;
        int mins[8];
        for (int j = 0; j < 8; ++j) {
          int scale;
          quant::unpackScaleMinK4(j, packed, scale, mins[j]);
          o.scales[j][k] = scale;
        }
        for (int p = 0; p < 4; ++p) {
          o.mins[p][k][0] = static_cast<int16_t>(mins[2 * p]);
          o.mins[p][k][1] = static_cast<int16_t>(mins[2 * p + 1]);
        }
        // Sub-blocks 2c and 2c + 1 are the low and high nibbles of bytes
        // qs[32c, 32c + 32).
        for (int c = 0; c < 4; ++c)
          for (int l = 0; l < 32; l += 4) {
            uint8_t lo[4], hi[4];
            for (int i = 0; i < 4; ++i) {
              lo[i] = qs[32 * c + l + i] & 0xF;
              hi[i] = qs[32 * c + l + i] >> 4;
            }
            std::memcpy(o.q[(64 * c + l) / 4][k], lo, 4);
            std::memcpy(o.q[(64 * c + 32 + l) / 4][k], hi, 4);
          }
      }
    }
  }
}

void llmq::runtime::repackQ6K(const uint8_t *src, size_t rowBytes, int64_t r0,
                              int64_t count, int64_t cols,
                              Q6KGroupBlock *out) {
  constexpr size_t kQ6KBytes = 210;
  int64_t blocks = cols / kSuperBlock;
  int64_t groups = (count + kQuantGroupRows - 1) / kQuantGroupRows;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t b = 0; b < blocks; ++b) {
      Q6KGroupBlock &o = out[g * blocks + b];
      for (int64_t k = 0; k < kQuantGroupRows; ++k) {
        int64_t row = g * kQuantGroupRows + k;
        uint8_t codes[256] = {};
        int8_t scales[16] = {};
        uint16_t d = 0;
        if (row < count) {
          const uint8_t *block = src + (r0 + row) * rowBytes + b * kQ6KBytes;
          const uint8_t *ql = block, *qh = block + 128;
          std::memcpy(scales, block + 192, 16);
          std::memcpy(&d, block + 208, 2);
          // Column 128h + 32s + l: 4 bits of ql, 2 of qh (ggml's layout).
          for (int h = 0; h < 2; ++h, ql += 64, qh += 32)
            for (int l = 0; l < 32; ++l) {
              uint8_t *c = codes + 128 * h + l;
              c[0] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
              c[32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
              c[64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
              c[96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
            }
        }
        for (int s = 0; s < 64; ++s)
          std::memcpy(o.q[s][k], codes + 4 * s, 4);
        for (int j = 0; j < 16; ++j)
          o.scales[j][k] = scales[j];
        for (int p = 0; p < 8; ++p) {
          o.scalePairs[p][k][0] = scales[2 * p];
          o.scalePairs[p][k][1] = scales[2 * p + 1];
        }
        o.d[k] = row < count ? fp16ToFp32(d) : 0.0f;
      }
    }
  }
}

void llmq::runtime::repackQ8_0(const uint8_t *src, size_t rowBytes,
                               int64_t r0, int64_t count, int64_t cols,
                               Q8_0GroupBlock *out) {
  int64_t blocks = cols / kBlock;
  int64_t groups = (count + kQuantGroupRows - 1) / kQuantGroupRows;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t k = 0; k < kQuantGroupRows; ++k) {
      int64_t row = g * kQuantGroupRows + k;
      const uint8_t *in =
          row < count ? src + (r0 + row) * rowBytes : nullptr;
      for (int64_t b = 0; b < blocks; ++b) {
        Q8_0GroupBlock &o = out[g * blocks + b];
        if (!in) {
          for (auto &step : o.q)
            std::memset(step[k], 0, 4);
          o.d[k] = 0;
          continue;
        }
        const uint8_t *block = in + b * kQ8_0Bytes;
        uint16_t d;
        std::memcpy(&d, block, 2);
        o.d[k] = fp16ToFp32(d);
        for (int s = 0; s < 8; ++s)
          std::memcpy(o.q[s][k], block + 2 + 4 * s, 4);
      }
    }
  }
}

void llmq::runtime::quantizeQ8K(const float *x, int64_t cols, int8_t *codes,
                                float *scales, int16_t *sums,
                                int16_t *sums16) {
  for (int64_t b = 0; b < cols / kSuperBlock; ++b) {
    const float *block = x + b * kSuperBlock;
    int8_t *q = codes + b * kSuperBlock;
    float max = 0, amax = 0;
    for (int j = 0; j < kSuperBlock; ++j)
      if (std::fabs(block[j]) > amax) {
        amax = std::fabs(block[j]);
        max = block[j];
      }
    bool finite = true;
    if (amax == 0) {
      std::memset(q, 0, kSuperBlock);
      scales[b] = 0;
    } else {
      // GgmlActivations.cpp's roundQ8K step for step.
      float iscale = -127.f / max, d = 1 / iscale;
      for (int j = 0; j < kSuperBlock; ++j) {
        float v = std::min(127.0f, std::nearbyint(iscale * block[j]));
        finite &= v >= -128.0f; // false for NaN
        q[j] = finite ? static_cast<int8_t>(v) : 0;
      }
      finite &= std::isfinite(d);
      // A non-finite value rounds to NaN there; here the block's scale does.
      scales[b] = finite ? d : NAN;
    }
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int i = 0; i < 16; ++i)
        sum += q[16 * j + i];
      sums16[b * 16 + j] = static_cast<int16_t>(sum);
    }
    for (int j = 0; j < 8; ++j)
      sums[b * 8 + j] = static_cast<int16_t>(sums16[b * 16 + 2 * j] +
                                             sums16[b * 16 + 2 * j + 1]);
  }
}

void llmq::runtime::quantizeQ8_0(const float *x, int64_t cols, int8_t *codes,
                                 float *scales, int32_t *correction) {
  const FormatTraits &traits = getFormatTraits(Format::Q8_0);
  std::vector<uint8_t> blocks(rowBytes(Format::Q8_0, cols));
  traits.quantizeRow(x, blocks.data(), cols, nullptr);
  for (int64_t b = 0; b < cols / kBlock; ++b) {
    const uint8_t *block = blocks.data() + b * kQ8_0Bytes;
    uint16_t d;
    std::memcpy(&d, block, 2);
    scales[b] = fp16ToFp32(d);
    std::memcpy(codes + b * kBlock, block + 2, kBlock);
    int32_t sum = 0;
    for (int i = 0; i < kBlock; ++i)
      sum += codes[b * kBlock + i];
    correction[b] = -128 * sum;
  }
}

static void q4KGeneric(const Q4KGroupBlock *groups, int64_t rows,
                       const QuantActivations &x, int64_t t0, int64_t tokens,
                       float *out, int64_t ldo) {
  int64_t blocks = x.blocks;
  for (int64_t t = 0; t < tokens; ++t) {
    const int8_t *codes = x.codes + (t0 + t) * x.cols;
    for (int64_t r = 0; r < rows; ++r) {
      const Q4KGroupBlock *row = groups + r / kQuantGroupRows * blocks;
      int64_t k = r % kQuantGroupRows;
      float acc = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        const Q4KGroupBlock &w = row[b];
        const int8_t *xb = codes + b * kSuperBlock;
        const int16_t *bsum = x.sums + ((t0 + t) * blocks + b) * 8;
        int32_t s = 0, m = 0;
        for (int j = 0; j < 8; ++j) {
          int32_t sub = 0;
          for (int c = 0; c < 32; ++c)
            sub += w.q[(32 * j + c) / 4][k][c % 4] * xb[32 * j + c];
          s += w.scales[j][k] * sub;
          m += w.mins[j / 2][k][j % 2] * bsum[j];
        }
        float dx = x.scales[(t0 + t) * blocks + b];
        acc = std::fma(dx * w.d[k], static_cast<float>(s), acc);
        acc = std::fma(-(dx * w.dmin[k]), static_cast<float>(m), acc);
      }
      out[t * ldo + r] = acc;
    }
  }
}

static void q6KGeneric(const Q6KGroupBlock *groups, int64_t rows,
                       const QuantActivations &x, int64_t t0, int64_t tokens,
                       float *out, int64_t ldo) {
  int64_t blocks = x.blocks;
  for (int64_t t = 0; t < tokens; ++t) {
    const int8_t *codes = x.codes + (t0 + t) * x.cols;
    for (int64_t r = 0; r < rows; ++r) {
      const Q6KGroupBlock *row = groups + r / kQuantGroupRows * blocks;
      int64_t k = r % kQuantGroupRows;
      float acc = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        const Q6KGroupBlock &w = row[b];
        const int8_t *xb = codes + b * kSuperBlock;
        const int16_t *bsum = x.sums16 + ((t0 + t) * blocks + b) * 16;
        int32_t s = 0, c = 0;
        for (int j = 0; j < 16; ++j) {
          int32_t sub = 0;
          for (int i = 0; i < 16; ++i)
            sub += w.q[(16 * j + i) / 4][k][i % 4] * xb[16 * j + i];
          s += w.scales[j][k] * sub;
          c += w.scalePairs[j / 2][k][j % 2] * bsum[j];
        }
        float dx = x.scales[(t0 + t) * blocks + b];
        acc = std::fma(dx * w.d[k], static_cast<float>(s - 32 * c), acc);
      }
      out[t * ldo + r] = acc;
    }
  }
}

static void q8_0Generic(const Q8_0GroupBlock *groups, int64_t rows,
                        const QuantActivations &x, int64_t t0, int64_t tokens,
                        float *out, int64_t ldo) {
  int64_t blocks = x.blocks;
  for (int64_t t = 0; t < tokens; ++t) {
    const int8_t *codes = x.codes + (t0 + t) * x.cols;
    for (int64_t r = 0; r < rows; ++r) {
      const Q8_0GroupBlock *row = groups + r / kQuantGroupRows * blocks;
      int64_t k = r % kQuantGroupRows;
      float acc = 0;
      for (int64_t b = 0; b < blocks; ++b) {
        const Q8_0GroupBlock &w = row[b];
        int32_t s = 0;
        for (int c = 0; c < 32; ++c)
          s += w.q[c / 4][k][c % 4] * codes[b * kBlock + c];
        float dx = x.scales[(t0 + t) * blocks + b];
        acc = std::fma(dx * w.d[k], static_cast<float>(s), acc);
      }
      out[t * ldo + r] = acc;
    }
  }
}

const QuantDotKernels &llmq::runtime::genericQuantDotKernels() {
  static const QuantDotKernels kernels = {"generic",  q4KGeneric, q8_0Generic,
                                          repackQ4K,  repackQ8_0, q6KGeneric,
                                          repackQ6K};
  return kernels;
}

#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX2_KERNELS))
const QuantDotKernels *llmq::runtime::avx2QuantDotKernels() { return nullptr; }
#endif
#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX512_KERNELS))
const QuantDotKernels *llmq::runtime::avx512QuantDotKernels() {
  return nullptr;
}
#endif

const QuantDotKernels &llmq::runtime::selectQuantDotKernels() {
  if (const QuantDotKernels *k = avx512QuantDotKernels())
    return *k;
  if (const QuantDotKernels *k = avx2QuantDotKernels())
    return *k;
  return genericQuantDotKernels();
}
