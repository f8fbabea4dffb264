//===- QuantDotTest.cpp - Integer dot products of --ggml-activations ------===//
//
// arch/QuantDot.h fixes the order of every output element's float steps (the
// integer sums are exact); the AVX2 and AVX-512 VNNI variants (where this
// CPU has them) must give the portable variant's bits on odd shapes: 1, 2, 7
// and 256 tokens, rows not a multiple of a 16-row group or of the 32-row
// tile, codes at the ends of their ranges; for q4_K, q6_K and q8_0. matmul's integer path must give a
// token the same bits alone or in a window and at any thread count, and stay
// within rounding of what the mode computed before it (activations rounded
// the same way, then an f32 product with the dequantized weights).
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/GgmlActivations.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/QuantMatmul.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/QuantDot.h"

#include "formats/Float.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

static std::vector<float> randomValues(int64_t n, unsigned seed,
                                       float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

static bool sameBits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

static std::vector<const QuantDotKernels *> fastVariants() {
  std::vector<const QuantDotKernels *> variants;
  if (const QuantDotKernels *k = avx2QuantDotKernels())
    variants.push_back(k);
  if (const QuantDotKernels *k = avx512QuantDotKernels())
    variants.push_back(k);
  return variants;
}

/// rows x cols weights in `format`: quantized normal values, or (hostile)
/// random code bytes with finite scales, which reach every code and the
/// largest 6-bit scales and mins.
static std::vector<uint8_t> weights(Format format, int64_t rows, int64_t cols,
                                    unsigned seed, bool randomBytes) {
  size_t bytes = rowBytes(format, cols);
  std::vector<uint8_t> out(rows * bytes);
  if (!randomBytes) {
    std::vector<float> v = randomValues(rows * cols, seed, 0.02f);
    for (int64_t r = 0; r < rows; ++r)
      getFormatTraits(format).quantizeRow(v.data() + r * cols,
                                          out.data() + r * bytes, cols,
                                          nullptr);
    return out;
  }
  std::mt19937 rng(seed);
  for (uint8_t &b : out)
    b = static_cast<uint8_t>(rng());
  // Finite, moderate fp16 scales (d and dmin of q4_K, d of q6_K and q8_0).
  size_t block = format == Format::Q4_K   ? 144
                 : format == Format::Q6_K ? 210
                                          : 34;
  size_t dAt = format == Format::Q6_K ? 208 : 0;
  for (size_t at = 0; at < out.size(); at += block) {
    uint16_t d = fp32ToFp16(std::ldexp(1.0f + (rng() % 100) / 100.0f,
                                       -static_cast<int>(rng() % 12)));
    std::memcpy(&out[at + dAt], &d, 2);
    if (format == Format::Q4_K) {
      uint16_t dmin = fp32ToFp16(std::ldexp(1.0f, -static_cast<int>(rng() % 14)));
      std::memcpy(&out[at + 2], &dmin, 2);
    }
  }
  return out;
}

/// Activations with the awkward cases: one token far larger, one block zero.
static std::vector<float> activations(int64_t tokens, int64_t cols,
                                      unsigned seed) {
  std::vector<float> x = randomValues(tokens * cols, seed);
  if (tokens > 1)
    for (int64_t c = 0; c < cols; ++c)
      x[cols + c] *= 1e4f;
  if (tokens > 2)
    std::fill(x.begin() + 2 * cols, x.begin() + 2 * cols + 32, 0.0f);
  return x;
}

namespace {
/// Quantized activations of a whole call, as QuantMatmul makes them.
struct Quantized {
  std::vector<int8_t> codes;
  std::vector<float> scales;
  std::vector<int16_t> sums, sums16;
  std::vector<int32_t> correction;
  QuantActivations view;

  Quantized(Format format, const std::vector<float> &x, int64_t tokens,
            int64_t cols) {
    bool k = format != Format::Q8_0;
    int64_t blocks = cols / (k ? 256 : 32);
    codes.resize(tokens * cols);
    scales.resize(tokens * blocks);
    sums.resize(tokens * blocks * 8);
    sums16.resize(tokens * blocks * 16);
    correction.resize(tokens * blocks);
    for (int64_t t = 0; t < tokens; ++t) {
      if (k)
        quantizeQ8K(x.data() + t * cols, cols, codes.data() + t * cols,
                    scales.data() + t * blocks, sums.data() + t * blocks * 8,
                    sums16.data() + t * blocks * 16);
      else
        quantizeQ8_0(x.data() + t * cols, cols, codes.data() + t * cols,
                     scales.data() + t * blocks,
                     correction.data() + t * blocks);
    }
    view.codes = codes.data();
    view.scales = scales.data();
    view.sums = sums.data();
    view.sums16 = sums16.data();
    view.correction = correction.data();
    view.cols = cols;
    view.blocks = blocks;
  }
};
} // namespace

/// The gemm of `kernels` over all rows and tokens, into a [token][row] array
/// with a wider stride than rows; -1 where nothing may be written.
static std::vector<float> gemm(const QuantDotKernels &kernels, Format format,
                               const std::vector<uint8_t> &w, int64_t rows,
                               int64_t cols, const Quantized &x,
                               int64_t tokens, int64_t t0 = 0) {
  int64_t ldo = rows + 3;
  std::vector<float> out(tokens * ldo, -1.0f);
  int64_t groups = (rows + 15) / 16;
  if (format == Format::Q4_K) {
    std::vector<Q4KGroupBlock> panel(groups * x.view.blocks);
    kernels.repackQ4K(w.data(), rowBytes(format, cols), 0, rows, cols,
                      panel.data());
    kernels.q4K(panel.data(), rows, x.view, t0, tokens, out.data(), ldo);
  } else if (format == Format::Q6_K) {
    std::vector<Q6KGroupBlock> panel(groups * x.view.blocks);
    kernels.repackQ6K(w.data(), rowBytes(format, cols), 0, rows, cols,
                      panel.data());
    kernels.q6K(panel.data(), rows, x.view, t0, tokens, out.data(), ldo);
  } else {
    std::vector<Q8_0GroupBlock> panel(groups * x.view.blocks);
    kernels.repackQ8_0(w.data(), rowBytes(format, cols), 0, rows, cols,
                       panel.data());
    kernels.q8_0(panel.data(), rows, x.view, t0, tokens, out.data(), ldo);
  }
  return out;
}

TEST(QuantDot, VariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (Format format : {Format::Q4_K, Format::Q6_K, Format::Q8_0})
    for (int64_t cols : {256, 768})
      for (int64_t rows : {1, 15, 16, 17, 33, 70})
        for (int64_t tokens : {1, 2, 7, 256})
          for (bool randomBytes : {false, true}) {
            int64_t c = format == Format::Q8_0 && cols == 768 ? 288 : cols;
            std::vector<uint8_t> w =
                weights(format, rows, c, rows + c + randomBytes, randomBytes);
            Quantized x(format, activations(tokens, c, 5 + tokens), tokens,
                        c);
            std::vector<float> want =
                gemm(genericQuantDotKernels(), format, w, rows, c, x, tokens);
            for (const QuantDotKernels *k : fastVariants()) {
              std::vector<float> got = gemm(*k, format, w, rows, c, x, tokens);
              for (size_t i = 0; i < want.size(); ++i)
                ASSERT_TRUE(sameBits(want[i], got[i]))
                    << k->name << " " << getFormatTraits(format).name.str()
                    << " cols " << c << " rows " << rows << " tokens "
                    << tokens << (randomBytes ? " random bytes" : "")
                    << " element " << i << ": " << got[i] << " vs "
                    << want[i];
            }
          }
}

// Each variant's repacking writes the portable one's bytes, from any first
// row and for any count (the rows past it zero).
TEST(QuantDot, RepackedBytesEqualPortable) {
  for (Format format : {Format::Q4_K, Format::Q8_0})
    for (int64_t count : {1, 15, 16, 17, 40})
      for (int64_t r0 : {0, 3}) {
        int64_t cols = 512, rows = r0 + count;
        std::vector<uint8_t> w = weights(format, rows, cols, 31 + count, true);
        size_t bytes = rowBytes(format, cols);
        int64_t groups = (count + 15) / 16;
        auto repack = [&](const QuantDotKernels &k) {
          std::vector<uint8_t> out;
          if (format == Format::Q4_K) {
            std::vector<Q4KGroupBlock> panel(groups * 2);
            std::memset(panel.data(), 0xAB, panel.size() * sizeof panel[0]);
            k.repackQ4K(w.data(), bytes, r0, count, cols, panel.data());
            auto *p = reinterpret_cast<const uint8_t *>(panel.data());
            out.assign(p, p + panel.size() * sizeof panel[0]);
          } else {
            std::vector<Q8_0GroupBlock> panel(groups * 16);
            std::memset(panel.data(), 0xAB, panel.size() * sizeof panel[0]);
            k.repackQ8_0(w.data(), bytes, r0, count, cols, panel.data());
            auto *p = reinterpret_cast<const uint8_t *>(panel.data());
            out.assign(p, p + panel.size() * sizeof panel[0]);
          }
          return out;
        };
        std::vector<uint8_t> want = repack(genericQuantDotKernels());
        for (const QuantDotKernels *k : fastVariants())
          ASSERT_EQ(repack(*k), want)
              << k->name << " " << getFormatTraits(format).name.str()
              << " rows " << r0 << " + " << count;
      }
}

// A window starting inside the activations (t0) is the same as its tokens
// computed from the start.
TEST(QuantDot, TokenOffset) {
  for (Format format : {Format::Q4_K, Format::Q6_K, Format::Q8_0}) {
    int64_t rows = 37, cols = 512, tokens = 9;
    std::vector<uint8_t> w = weights(format, rows, cols, 3, false);
    Quantized x(format, activations(tokens, cols, 4), tokens, cols);
    for (const QuantDotKernels *k : {&genericQuantDotKernels(),
                                     &selectQuantDotKernels()}) {
      std::vector<float> all = gemm(*k, format, w, rows, cols, x, tokens);
      std::vector<float> tail = gemm(*k, format, w, rows, cols, x, 4, 5);
      for (int64_t t = 0; t < 4; ++t)
        for (int64_t r = 0; r < rows; ++r)
          ASSERT_TRUE(sameBits(all[(5 + t) * (rows + 3) + r],
                               tail[t * (rows + 3) + r]))
              << k->name << " token " << t << " row " << r;
    }
  }
}

// The quantized activations are the mode's rounding: scale * code equals
// roundActivationsLikeGgml's value bit for bit; the q8_K sums and the q8_0
// corrections are those of the codes.
TEST(QuantDot, ActivationsAreTheModesRounding) {
  for (Format format : {Format::Q4_K, Format::Q6_K, Format::Q8_0}) {
    int64_t cols = 1024, tokens = 3;
    std::vector<float> x = activations(tokens, cols, 9);
    Quantized q(format, x, tokens, cols);
    int64_t block = format == Format::Q8_0 ? 32 : 256;
    for (int64_t t = 0; t < tokens; ++t) {
      std::vector<float> rounded(x.begin() + t * cols,
                                 x.begin() + (t + 1) * cols);
      roundActivationsLikeGgml(format, rounded.data(), cols);
      for (int64_t c = 0; c < cols; ++c) {
        int64_t b = t * (cols / block) + c / block;
        float value = q.scales[b] * q.codes[t * cols + c];
        ASSERT_TRUE(sameBits(value, rounded[c]) ||
                    (value == 0 && rounded[c] == 0))
            << getFormatTraits(format).name.str() << " token " << t
            << " column " << c << ": " << value << " vs " << rounded[c];
      }
      for (int64_t b = 0; b < cols / block; ++b) {
        const int8_t *codes = q.codes.data() + t * cols + b * block;
        if (format != Format::Q8_0) {
          for (int j = 0; j < 8; ++j) {
            int sum = 0;
            for (int i = 0; i < 32; ++i)
              sum += codes[32 * j + i];
            EXPECT_EQ(q.sums[(t * (cols / block) + b) * 8 + j], sum);
          }
          for (int j = 0; j < 16; ++j) {
            int sum = 0;
            for (int i = 0; i < 16; ++i)
              sum += codes[16 * j + i];
            EXPECT_EQ(q.sums16[(t * (cols / block) + b) * 16 + j], sum);
          }
        } else {
          int sum = 0;
          for (int i = 0; i < 32; ++i)
            sum += codes[i];
          EXPECT_EQ(q.correction[t * (cols / block) + b], -128 * sum);
        }
      }
    }
  }
}

// The portable q4_K kernel is the documented order, recomputed here from the
// GGUF blocks themselves (ggml's scale/min unpacking), not the repacked ones.
TEST(QuantDot, PortableOrderIsTheDocumentedOne) {
  int64_t rows = 5, cols = 512, tokens = 3;
  for (bool randomBytes : {false, true}) {
    std::vector<uint8_t> w = weights(Format::Q4_K, rows, cols, 11, randomBytes);
    std::vector<float> xs = activations(tokens, cols, 12);
    Quantized x(Format::Q4_K, xs, tokens, cols);
    std::vector<float> got =
        gemm(genericQuantDotKernels(), Format::Q4_K, w, rows, cols, x, tokens);
    for (int64_t t = 0; t < tokens; ++t)
      for (int64_t r = 0; r < rows; ++r) {
        float acc = 0;
        for (int64_t b = 0; b < cols / 256; ++b) {
          const uint8_t *blk = w.data() + r * rowBytes(Format::Q4_K, cols) +
                               b * 144;
          uint16_t dh, dminh;
          std::memcpy(&dh, blk, 2);
          std::memcpy(&dminh, blk + 2, 2);
          const uint8_t *sc = blk + 4, *qs = blk + 16;
          int32_t s = 0, m = 0;
          for (int j = 0; j < 8; ++j) {
            int scale = j < 4 ? sc[j] & 63
                              : (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4);
            int min = j < 4 ? sc[j + 4] & 63
                            : (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4);
            int32_t sub = 0, bsum = 0;
            for (int l = 0; l < 32; ++l) {
              int q = j % 2 ? qs[32 * (j / 2) + l] >> 4
                            : qs[32 * (j / 2) + l] & 0xF;
              int8_t code = x.codes[t * cols + b * 256 + 32 * j + l];
              sub += q * code;
              bsum += code;
            }
            s += scale * sub;
            m += min * bsum;
          }
          float dx = x.scales[t * 2 + b];
          acc = std::fma(dx * fp16ToFp32(dh), static_cast<float>(s), acc);
          acc = std::fma(-(dx * fp16ToFp32(dminh)), static_cast<float>(m),
                         acc);
        }
        ASSERT_TRUE(sameBits(acc, got[t * (rows + 3) + r]))
            << "token " << t << " row " << r;
      }
  }
}

static WeightView view(Format format, const std::vector<uint8_t> &bytes,
                       int64_t rows, int64_t cols, bool ggml) {
  WeightView w;
  w.data = bytes.data();
  w.format = format;
  w.rows = rows;
  w.cols = cols;
  w.ggmlActivations = ggml;
  return w;
}

// A token's outputs do not depend on how many tokens share the call or on
// the thread count; and they are, within rounding, what the mode computed
// before the integer path: the rounded activations times the dequantized
// weights in f32. Not bit for bit: the dequantized weights are themselves
// rounded (d * sc, then * q - dmin * m in f32) and the f32 product sums in
// DotKernels.h's order, while here the integer sums are exact and scaled
// once per block. The difference is bounded by a few f32 roundings of the
// sum of the magnitudes of the terms: 5e-7 of it here (measured: at most
// 8.1e-8 on these shapes, q4_K and q8_0, quantized and random codes).
TEST(QuantDot, MatmulBatchThreadsAndTheRoundingMode) {
  int64_t rows = 75, n = 13;
  for (Format format : {Format::Q4_K, Format::Q6_K, Format::Q8_0})
    for (bool randomBytes : {false, true}) {
      int64_t cols = format == Format::Q8_0 ? 224 : 512;
      std::vector<uint8_t> bytes = weights(format, rows, cols, 21, randomBytes);
      std::vector<float> xs = activations(n, cols, 22);
      WeightView w = view(format, bytes, rows, cols, true);
      ASSERT_TRUE(quantMatmulApplies(w));
      ThreadPool one(1), three(3);
      std::vector<float> window(n * rows), threaded(n * rows), single(rows);
      matmul(w, xs.data(), n, window.data(), one);
      matmul(w, xs.data(), n, threaded.data(), three);
      for (int64_t t = 0; t < n; ++t) {
        matmul(w, xs.data() + t * cols, 1, single.data(), three);
        for (int64_t r = 0; r < rows; ++r) {
          ASSERT_TRUE(sameBits(single[r], window[t * rows + r]))
              << getFormatTraits(format).name.str() << " token " << t
              << " row " << r;
          ASSERT_TRUE(sameBits(threaded[t * rows + r], window[t * rows + r]))
              << getFormatTraits(format).name.str() << " token " << t
              << " row " << r;
        }
      }
      // Each variant through matmul's panels equals the selected one.
      for (const QuantDotKernels *k : fastVariants()) {
        std::vector<float> other(n * rows);
        quantMatmul(w, xs.data(), n, other.data(), three, k);
        for (int64_t i = 0; i < n * rows; ++i)
          ASSERT_TRUE(sameBits(other[i], window[i])) << k->name << " " << i;
      }
      // The rounding mode's f32 product.
      std::vector<float> rounded = xs, old(n * rows);
      for (int64_t t = 0; t < n; ++t)
        roundActivationsLikeGgml(format, rounded.data() + t * cols, cols);
      matmul(view(format, bytes, rows, cols, false), rounded.data(), n,
             old.data(), one);
      std::vector<float> wrow(cols);
      double worst = 0;
      for (int64_t r = 0; r < rows; ++r) {
        w.dequantizeRow(r, wrow.data());
        for (int64_t t = 0; t < n; ++t) {
          double magnitude = 0;
          for (int64_t c = 0; c < cols; ++c)
            magnitude += std::fabs(static_cast<double>(wrow[c]) *
                                   rounded[t * cols + c]);
          // q4_K: the terms of d * sc * q and dmin * m before they cancel.
          if (format == Format::Q4_K) {
            const uint8_t *row = bytes.data() + r * w.rowBytes();
            for (int64_t b = 0; b < cols / 256; ++b) {
              uint16_t dminh;
              std::memcpy(&dminh, row + b * 144 + 2, 2);
              for (int64_t c = 0; c < 256; ++c)
                magnitude += 63.0 * std::fabs(fp16ToFp32(dminh)) *
                             std::fabs(rounded[t * cols + b * 256 + c]);
            }
          }
          double diff = std::fabs(static_cast<double>(window[t * rows + r]) -
                                  old[t * rows + r]);
          worst = std::max(worst, diff / magnitude);
          ASSERT_LE(diff, 5e-7 * magnitude)
              << getFormatTraits(format).name.str()
              << (randomBytes ? " random bytes" : "") << " token " << t
              << " row " << r << ": " << window[t * rows + r] << " vs "
              << old[t * rows + r];
        }
      }
      char figure[32];
      snprintf(figure, sizeof figure, "%.3g", worst);
      RecordProperty(getFormatTraits(format).name.str() +
                         (randomBytes ? "-random" : "") + "-worst-relative",
                     figure);
    }
}

