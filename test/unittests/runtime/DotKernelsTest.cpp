//===- DotKernelsTest.cpp - Every kernel variant equals the portable one --===//
//
// DotKernels.h fixes the summation order of every output element (GEMM: one
// fma chain over the columns; attention's dotBlock: 16 lanes and a tree);
// the AVX2 and AVX-512 variants (where this CPU has them) must give the
// portable variant's bits on shapes that exercise the tails: columns not a
// multiple of 16 or of the column block, rows not a multiple of the register
// tile, 1, 2, 7 and 256 tokens. Packing must give the portable bits too.
// matmul must give the same bits whether tokens come one at a time or in a
// window, and at any thread count.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/arch/DotKernels.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/ThreadPool.h"

#include "formats/Float.h"
#include "formats/Formats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

static std::vector<float> randomValues(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

static std::vector<const DotKernels *> fastVariants() {
  std::vector<const DotKernels *> variants;
  if (const DotKernels *k = avx2DotKernels())
    variants.push_back(k);
  if (const DotKernels *k = avx512DotKernels())
    variants.push_back(k);
  return variants;
}

static bool sameBits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

TEST(DotKernels, VariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t cols : {1, 5, 16, 17, 33, 64, 100, 1037, 2048}) {
    for (int64_t rows : {1, 3, 4, 9, 37}) {
      for (int64_t tokens : {1, 2, 7, 256}) {
        // Strides wider than cols, as attention's keys have.
        int64_t ldw = cols + 3, ldx = cols + 5, ldo = rows + 2;
        std::vector<float> w = randomValues(rows * ldw, 1 + cols + rows);
        std::vector<float> x = randomValues(tokens * ldx, 7 + cols + tokens);
        std::vector<float> want(tokens * ldo, -1.0f);
        genericDotKernels().dotBlock(w.data(), ldw, rows, x.data(), ldx, tokens,
                                     cols, want.data(), ldo);
        for (const DotKernels *k : fastVariants()) {
          std::vector<float> got(tokens * ldo, -1.0f);
          k->dotBlock(w.data(), ldw, rows, x.data(), ldx, tokens, cols,
                      got.data(), ldo);
          for (int64_t i = 0; i < tokens * ldo; ++i)
            ASSERT_TRUE(sameBits(want[i], got[i]))
                << k->name << " cols " << cols << " rows " << rows << " tokens "
                << tokens << " element " << i << ": " << got[i] << " vs "
                << want[i];
        }
      }
    }
  }
}

// The portable order is the documented one: 16 lanes of fma chains, then
// (l, l + 8), (l, l + 4), (l, l + 2), (0, 1).
TEST(DotKernels, PortableOrderIsTheDocumentedOne) {
  for (int64_t cols : {45, 100, 333})
    for (unsigned seed = 0; seed < 20; ++seed) {
      std::vector<float> w = randomValues(cols, 3 + seed),
                         x = randomValues(cols, 100 + seed);
      float acc[16] = {};
      for (int64_t c = 0; c < (cols + 15) / 16 * 16; ++c)
        acc[c % 16] = c < cols ? std::fma(w[c], x[c], acc[c % 16])
                               : std::fma(0.0f, 0.0f, acc[c % 16]);
      float s8[8], s4[4];
      for (int i = 0; i < 8; ++i)
        s8[i] = acc[i] + acc[i + 8];
      for (int i = 0; i < 4; ++i)
        s4[i] = s8[i] + s8[i + 4];
      float want = (s4[0] + s4[2]) + (s4[1] + s4[3]), got;
      genericDotKernels().dotBlock(w.data(), cols, 1, x.data(), cols, 1, cols,
                                   &got, 1);
      ASSERT_TRUE(sameBits(want, got)) << "cols " << cols << " seed " << seed
                                       << ": " << got << " vs " << want;
    }
}

TEST(DotKernels, HalfConversionsAreExact) {
  std::vector<uint16_t> halves(1000);
  for (size_t i = 0; i < halves.size(); ++i)
    halves[i] = static_cast<uint16_t>(i * 65 + 3);
  for (const DotKernels *k : fastVariants())
    for (int64_t n : {1, 15, 16, 17, 1000}) {
      std::vector<float> f16(n), bf16(n);
      k->f16ToF32(halves.data() + 1, f16.data(), n);
      k->bf16ToF32(halves.data() + 1, bf16.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        float a = fp16ToFp32(halves[i + 1]), b = bf16ToFp32(halves[i + 1]);
        if (!std::isnan(a))
          EXPECT_TRUE(sameBits(f16[i], a)) << k->name << " f16 " << i;
        EXPECT_TRUE(sameBits(bf16[i], b)) << k->name << " bf16 " << i;
      }
    }
}

// A token's outputs do not depend on how many tokens share the call or on
// the thread count, for each weight storage the runtime converts.
TEST(DotKernels, MatmulIndependentOfBatchAndThreads) {
  int64_t rows = 75, cols = 200, n = 13;
  for (Format format :
       {Format::F32, Format::F16, Format::BF16, Format::Q8_0, Format::Q4_K}) {
    int64_t c = format == Format::Q4_K   ? 256
                : format == Format::Q8_0 ? 224
                                         : cols;
    std::vector<float> source = randomValues(rows * c, 13);
    std::vector<float> xs = randomValues(n * c, 14);
    std::vector<uint8_t> bytes(rows * rowBytes(format, c));
    for (int64_t r = 0; r < rows; ++r)
      getFormatTraits(format).quantizeRow(
          source.data() + r * c, bytes.data() + r * rowBytes(format, c), c,
          nullptr);
    WeightView w;
    w.data = bytes.data();
    w.format = format;
    w.rows = rows;
    w.cols = c;
    ThreadPool one(1), three(3);
    std::vector<float> window(n * rows), threaded(n * rows), single(rows);
    matmul(w, xs.data(), n, window.data(), one);
    matmul(w, xs.data(), n, threaded.data(), three);
    for (int64_t t = 0; t < n; ++t) {
      matmul(w, xs.data() + t * c, 1, single.data(), three);
      for (int64_t r = 0; r < rows; ++r) {
        ASSERT_TRUE(sameBits(single[r], window[t * rows + r]))
            << getFormatTraits(format).name.str() << " token " << t << " row "
            << r;
        ASSERT_TRUE(sameBits(threaded[t * rows + r], window[t * rows + r]))
            << getFormatTraits(format).name.str() << " token " << t << " row "
            << r;
      }
    }
    // And the value is the dot product of the dequantized row.
    std::vector<float> row(c);
    w.dequantizeRow(5, row.data());
    double want = 0;
    for (int64_t k = 0; k < c; ++k)
      want += static_cast<double>(row[k]) * xs[2 * c + k];
    EXPECT_NEAR(window[2 * rows + 5], want, 1e-4 * (1 + std::fabs(want)))
        << getFormatTraits(format).name.str();
  }
}

// Packing (f32, f16, bf16 sources) gives the portable variant's floats,
// padding rows included.
TEST(DotKernels, PackVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t rows : {1, 5, 8, 16, 17, 31, 32})
    for (int64_t cols : {1, 5, 8, 16, 17, 100, 256}) {
      int64_t ldw = cols + 3;
      std::vector<float> f32 = randomValues(rows * ldw, 5 + rows + cols);
      std::vector<uint16_t> halves(rows * ldw);
      for (size_t i = 0; i < halves.size(); ++i)
        halves[i] = static_cast<uint16_t>(i * 40503u + 17) & 0x7bff;
      for (int source = 0; source < 3; ++source) {
        auto pack = [&](const DotKernels &k, std::vector<float> &packed) {
          PackFn fn = source == 0   ? k.packF32
                      : source == 1 ? k.packF16
                                    : k.packBF16;
          const void *w = source == 0 ? static_cast<const void *>(f32.data())
                                      : halves.data();
          packed.assign(cols * kPackRows, -7.0f);
          fn(w, ldw, rows, cols, packed.data());
        };
        std::vector<float> want, got;
        pack(genericDotKernels(), want);
        for (const DotKernels *k : fastVariants()) {
          pack(*k, got);
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_TRUE(sameBits(want[i], got[i]))
                << k->name << " source " << source << " rows " << rows
                << " cols " << cols << " element " << i;
        }
      }
    }
}

// The packers that read q8_0 and q4_K blocks directly give the floats of the
// format's reference dequantizer, packed by the portable packer, padding rows
// included. The blocks are random bytes (every 6-bit scale and min pattern of
// q4_K) with finite fp16 scales; a column block starts inside a row.
TEST(DotKernels, BlockPackersEqualDequantizeThenPack) {
  for (Format format : {Format::Q8_0, Format::Q4_K}) {
    const FormatTraits &traits = getFormatTraits(format);
    for (int64_t rows : {1, 5, 16, 17, 32})
      for (int64_t cols : {256, 768}) {
        size_t rowBytes = cols / traits.blockElems * traits.blockBytes;
        std::vector<uint8_t> bytes(rows * rowBytes);
        std::mt19937 rng(static_cast<unsigned>(rows * 1000 + cols));
        for (uint8_t &b : bytes)
          b = static_cast<uint8_t>(rng());
        // d (and q4_K's dmin) lead every block: finite, of either sign.
        std::normal_distribution<float> scale(0.0f, 0.01f);
        for (size_t at = 0; at < bytes.size(); at += traits.blockBytes)
          for (int half = 0; half < (format == Format::Q4_K ? 2 : 1); ++half) {
            uint16_t h = fp32ToFp16(scale(rng));
            std::memcpy(&bytes[at + 2 * half], &h, 2);
          }
        // Columns [k0, k0 + width) of every row, as matmul packs them.
        int64_t k0 = cols > 256 ? 256 : 0, width = 256;
        size_t offset = k0 / traits.blockElems * traits.blockBytes;
        std::vector<float> rowsF32(rows * cols), want(width * kPackRows, -7.0f);
        for (int64_t r = 0; r < rows; ++r)
          traits.dequantizeRow(bytes.data() + r * rowBytes,
                               rowsF32.data() + r * cols, cols);
        genericDotKernels().packF32(rowsF32.data() + k0, cols, rows, width,
                                    want.data());
        int checked = 0;
        for (const DotKernels *k : fastVariants()) {
          PackFn fn = format == Format::Q8_0 ? k->packQ8_0 : k->packQ4_K;
          if (!fn)
            continue;
          std::vector<float> got(width * kPackRows, -7.0f);
          fn(bytes.data() + offset, cols, rows, width, got.data());
          ++checked;
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_TRUE(sameBits(want[i], got[i]))
                << k->name << " " << traits.name.str() << " rows " << rows
                << " cols " << cols << " element " << i;
        }
        if (!checked)
          GTEST_SKIP() << "no variant on this CPU packs ggml blocks";
      }
  }
}

// Attention's P . V: every variant gives the portable bits (a multiply, then
// an add, per key in order) for head sizes around the vector widths and the
// 64-float register block, with no keys, one, and many.
TEST(DotKernels, WeightedSumVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t dim : {1, 7, 16, 33, 64, 65, 128, 256})
    for (int64_t count : {0, 1, 5, 300}) {
      int64_t ldv = dim + 3;
      std::vector<float> v = randomValues(count * ldv + 1, 7 + dim + count);
      std::vector<float> p = randomValues(count + 1, 3 + count);
      std::vector<float> want(dim + 2, -7.0f), got;
      genericDotKernels().weightedSum(p.data(), v.data(), ldv, count, dim,
                                      want.data());
      for (const DotKernels *k : fastVariants()) {
        got.assign(dim + 2, -7.0f);
        k->weightedSum(p.data(), v.data(), ldv, count, dim, got.data());
        for (int64_t d = 0; d < dim + 2; ++d)
          ASSERT_TRUE(sameBits(want[d], got[d]))
              << k->name << " dim " << dim << " count " << count << " element "
              << d;
      }
    }
}

// GEMM blocks: every variant gives the portable bits, starting from +0 or
// continuing the partial sums in `out`, and leaves elements outside the
// block (the gaps of a wider ldo) alone.
TEST(DotKernels, GemmVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t rows : {1, 3, 17, 32, 33, 100, 129, 200})
    for (int64_t cols : {1, 5, 17, 256})
      for (int64_t tokens : {1, 2, 3, 4, 7, 13, 256})
        for (bool accumulate : {false, true}) {
          int64_t tiles = (rows + kPackRows - 1) / kPackRows;
          int64_t tileStride = cols * kPackRows + 32;
          std::vector<float> packed =
              randomValues(tiles * tileStride, 3 + rows + cols);
          int64_t ldx = cols + 5, ldo = rows + 2;
          std::vector<float> x = randomValues(tokens * ldx, 9 + tokens);
          std::vector<float> start = randomValues(tokens * ldo, 11 + rows);
          std::vector<float> want = start;
          genericDotKernels().gemm(packed.data(), tileStride, rows, cols,
                                   x.data(), ldx, tokens, want.data(), ldo,
                                   accumulate);
          for (const DotKernels *k : fastVariants()) {
            std::vector<float> got = start;
            k->gemm(packed.data(), tileStride, rows, cols, x.data(), ldx,
                    tokens, got.data(), ldo, accumulate);
            for (int64_t i = 0; i < tokens * ldo; ++i)
              ASSERT_TRUE(sameBits(want[i], got[i]))
                  << k->name << " rows " << rows << " cols " << cols
                  << " tokens " << tokens << " accumulate " << accumulate
                  << " element " << i << ": " << got[i] << " vs " << want[i];
          }
        }
}

// The unpacked few-token product (GemvFn): every variant that has one gives
// the portable bits (the GEMM's chain) from f32, f16 and bf16 rows, from +0
// or continuing `out`, with gaps of a wider ldo left alone.
TEST(DotKernels, GemvVariantsEqualPortableBits) {
  if (fastVariants().empty())
    GTEST_SKIP() << "this CPU runs only the portable variant";
  for (int64_t rows : {1, 7, 16, 17, 33, 128, 130})
    for (int64_t cols : {1, 5, 16, 17, 600})
      for (int64_t tokens : {1, 2, 3, 4})
        for (bool accumulate : {false, true})
          for (int source = 0; source < 3; ++source) {
            int64_t ldw = cols + 3, ldx = cols + 5, ldo = rows + 2;
            std::vector<float> f32 = randomValues(rows * ldw, 5 + rows + cols);
            std::vector<uint16_t> halves(rows * ldw);
            for (size_t i = 0; i < halves.size(); ++i)
              halves[i] = static_cast<uint16_t>(i * 40503u + 17) & 0x7bff;
            const void *w = source == 0 ? static_cast<const void *>(f32.data())
                                        : halves.data();
            std::vector<float> x = randomValues(tokens * ldx, 9 + tokens);
            std::vector<float> start = randomValues(tokens * ldo, 11 + rows);
            auto gemv = [&](const DotKernels &k) {
              return source == 0   ? k.gemvF32
                     : source == 1 ? k.gemvF16
                                   : k.gemvBF16;
            };
            std::vector<float> want = start;
            gemv(genericDotKernels())(w, ldw, rows, cols, x.data(), ldx, tokens,
                                      want.data(), ldo, accumulate);
            for (const DotKernels *k : fastVariants()) {
              if (!gemv(*k))
                continue;
              std::vector<float> got = start;
              gemv (*k)(w, ldw, rows, cols, x.data(), ldx, tokens, got.data(),
                        ldo, accumulate);
              for (int64_t i = 0; i < tokens * ldo; ++i)
                ASSERT_TRUE(sameBits(want[i], got[i]))
                    << k->name << " source " << source << " rows " << rows
                    << " cols " << cols << " tokens " << tokens
                    << " accumulate " << accumulate << " element " << i;
            }
          }
}

// matmul's value of every element is DotKernels.h's GEMM order over the
// dequantized row: acc = +0, then acc = fma(w[k], x[k], acc) for k = 0, 1,
// ... -- across column blocks (cols not a multiple of the block), for rows
// not a multiple of the tile or the panel, a token alone or in a window, at
// 1 and 3 threads, for each weight storage the runtime converts.
TEST(DotKernels, MatmulIsOneChainPerElement) {
  int64_t rows = 75, n = 7;
  for (Format format :
       {Format::F32, Format::F16, Format::BF16, Format::Q8_0, Format::Q4_K}) {
    int64_t c = format == Format::Q4_K   ? 768
                : format == Format::Q8_0 ? 608
                                         : 600;
    std::vector<float> source = randomValues(rows * c, 21);
    std::vector<float> xs = randomValues(n * c, 22);
    std::vector<uint8_t> bytes(rows * rowBytes(format, c));
    for (int64_t r = 0; r < rows; ++r)
      getFormatTraits(format).quantizeRow(
          source.data() + r * c, bytes.data() + r * rowBytes(format, c), c,
          nullptr);
    WeightView w;
    w.data = bytes.data();
    w.format = format;
    w.rows = rows;
    w.cols = c;
    ThreadPool one(1), three(3);
    std::vector<float> window(n * rows), threaded(n * rows), single(rows);
    matmul(w, xs.data(), n, window.data(), one);
    matmul(w, xs.data(), n, threaded.data(), three);
    // Two and three tokens (generation's unpacked path) as in the window.
    for (int64_t few : {2, 3}) {
      std::vector<float> some(few * rows);
      matmul(w, xs.data(), few, some.data(), three);
      for (int64_t i = 0; i < few * rows; ++i)
        ASSERT_TRUE(sameBits(some[i], window[i]))
            << getFormatTraits(format).name.str() << " " << few
            << " tokens, element " << i;
    }
    std::vector<float> row(c);
    for (int64_t t = 0; t < n; ++t) {
      matmul(w, xs.data() + t * c, 1, single.data(), three);
      for (int64_t r = 0; r < rows; ++r) {
        w.dequantizeRow(r, row.data());
        float acc = 0.0f;
        for (int64_t k = 0; k < c; ++k)
          acc = std::fma(row[k], xs[t * c + k], acc);
        std::string where = getFormatTraits(format).name.str() + " token " +
                            std::to_string(t) + " row " + std::to_string(r);
        ASSERT_TRUE(sameBits(acc, window[t * rows + r])) << where;
        ASSERT_TRUE(sameBits(acc, threaded[t * rows + r])) << where;
        ASSERT_TRUE(sameBits(acc, single[r])) << where;
      }
    }
  }
}
