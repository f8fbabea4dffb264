//===- KQuantsTest.cpp - K-quants against ggml and against each other -----===//
//
// q2_K..q6_K checked byte for byte against ggml's golden outputs
// (../shared/golden/ggml, see its README), with and without the importance
// vector, for the scalar references and for the vectorized quantizers in
// every instruction-set variant this CPU runs; and those variants checked
// against the references on random and degenerate data the golden inputs
// do not cover (the golden rows are also too short to fill the multi-block
// groups the AVX-512 variant uses).
//
//===----------------------------------------------------------------------===//

#include "formats/quant/KQuants.h"
#include "formats/Float.h"
#include "formats/quant/KQuantsImpl.h"

#include "GoldenData.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace llmq;
using namespace llmq::quant;
using namespace llmq::test;

namespace {

//===----------------------------------------------------------------------===//
// Instruction sets
//===----------------------------------------------------------------------===//

/// Every variant of the vectorized quantizers this CPU runs.
std::vector<kq::KQuantIsa> supportedIsas() {
  std::vector<kq::KQuantIsa> isas;
  for (kq::KQuantIsa isa :
       {kq::KQuantIsa::Generic, kq::KQuantIsa::Avx2, kq::KQuantIsa::Avx512})
    if (static_cast<int>(isa) <= static_cast<int>(kq::bestKQuantIsa()))
      isas.push_back(isa);
  return isas;
}

const char *isaName(kq::KQuantIsa isa) {
  switch (isa) {
  case kq::KQuantIsa::Generic:
    return "generic";
  case kq::KQuantIsa::Avx2:
    return "avx2";
  case kq::KQuantIsa::Avx512:
    return "avx512";
  }
  return "?";
}

/// Pins the vectorized quantizers to one instruction set for a scope.
class ScopedIsa {
public:
  explicit ScopedIsa(kq::KQuantIsa isa) : saved(kq::currentKQuantIsa()) {
    kq::setKQuantIsa(isa);
  }
  ~ScopedIsa() { kq::setKQuantIsa(saved); }

private:
  kq::KQuantIsa saved;
};

//===----------------------------------------------------------------------===//
// The K types
//===----------------------------------------------------------------------===//

using QuantizeFn = void (*)(const float *, void *, int64_t, const float *);
using DequantizeFn = void (*)(const void *, float *, int64_t);

struct KType {
  const char *name; ///< as in the golden file names
  size_t blockBytes;
  QuantizeFn quantize;    ///< the vectorized quantizer
  QuantizeFn quantizeRef; ///< the scalar reference
  DequantizeFn dequantize;
};

constexpr int64_t kSuperBlock = 256;

const KType KTypes[] = {
    {"q2_K", 84, quantizeRowQ2_K, quantizeRowQ2_KRef, dequantizeRowQ2_K},
    {"q3_K", 110, quantizeRowQ3_K, quantizeRowQ3_KRef, dequantizeRowQ3_K},
    {"q4_K", 144, quantizeRowQ4_K, quantizeRowQ4_KRef, dequantizeRowQ4_K},
    {"q5_K", 176, quantizeRowQ5_K, quantizeRowQ5_KRef, dequantizeRowQ5_K},
    {"q6_K", 210, quantizeRowQ6_K, quantizeRowQ6_KRef, dequantizeRowQ6_K},
};

/// Quantizes `rows` rows of `cols` with `fn`, one call per row as
/// ggml_quantize_chunk does.
std::vector<unsigned char> quantizeRows(QuantizeFn fn, const KType &type,
                                        const float *src, int64_t rows,
                                        int64_t cols, const float *importance) {
  const size_t rowSize = cols / kSuperBlock * type.blockBytes;
  std::vector<unsigned char> bytes(rowSize * rows, 0xA5);
  for (int64_t r = 0; r < rows; ++r)
    fn(src + r * cols, bytes.data() + r * rowSize, cols, importance);
  return bytes;
}

//===----------------------------------------------------------------------===//
// Golden comparisons
//===----------------------------------------------------------------------===//

struct GoldenCase {
  GoldenInput input;
  const KType *type;
  bool withImatrix;
};

void PrintTo(const GoldenCase &c, std::ostream *os) {
  *os << c.input.name << " as " << c.type->name
      << (c.withImatrix ? " with imatrix" : "");
}

std::string caseName(const testing::TestParamInfo<GoldenCase> &info) {
  return std::string(info.param.input.name) + "_" + info.param.type->name +
         (info.param.withImatrix ? "_imatrix" : "");
}

std::vector<GoldenCase> allGoldenCases() {
  std::vector<GoldenCase> cases;
  for (const GoldenInput &input : GoldenInputs)
    for (const KType &type : KTypes)
      for (bool withImatrix : {false, true})
        cases.push_back({input, &type, withImatrix});
  return cases;
}

class KQuantGoldenTest : public GoldenDataTest<GoldenCase> {};

TEST_P(KQuantGoldenTest, QuantizeAndDequantizeMatchGgml) {
  const GoldenCase &c = GetParam();
  const KType &type = *c.type;
  const std::string stem = goldenStem(c.input, type.name, c.withImatrix);

  const std::vector<float> src = asFloats(load(inputFile(c.input)));
  const std::vector<float> imatrix = asFloats(load(imatrixFile(c.input.cols)));
  const std::vector<unsigned char> goldenBytes = load(stem + ".bin");
  const std::vector<float> goldenFloats = asFloats(load(stem + ".dequant.f32"));
  if (HasFailure())
    return;

  const int64_t n = c.input.rows * c.input.cols;
  const size_t rowSize = c.input.cols / kSuperBlock * type.blockBytes;
  ASSERT_EQ(src.size(), static_cast<size_t>(n));
  ASSERT_EQ(imatrix.size(), static_cast<size_t>(c.input.cols));
  ASSERT_EQ(goldenBytes.size(), rowSize * c.input.rows);
  ASSERT_EQ(goldenFloats.size(), static_cast<size_t>(n));
  const float *importance = c.withImatrix ? imatrix.data() : nullptr;

  auto check = [&](QuantizeFn fn, const char *which) {
    const std::vector<unsigned char> bytes = quantizeRows(
        fn, type, src.data(), c.input.rows, c.input.cols, importance);
    const int64_t bad = firstMismatch(bytes, goldenBytes);
    EXPECT_EQ(bad, -1) << which << ": " << stem << ".bin differs first at byte "
                       << bad << " (row " << bad / int64_t(rowSize) << ", byte "
                       << bad % int64_t(rowSize) % type.blockBytes
                       << " of its block)";
  };
  check(type.quantizeRef, "reference");
  for (kq::KQuantIsa isa : supportedIsas()) {
    ScopedIsa scoped(isa);
    check(type.quantize, isaName(isa));
  }

  // Dequantize ggml's own bytes, so this checks the dequantizer even when
  // the quantizer is off.
  std::vector<float> floats(n);
  for (int64_t r = 0; r < c.input.rows; ++r)
    type.dequantize(goldenBytes.data() + r * rowSize,
                    floats.data() + r * c.input.cols, c.input.cols);
  const int64_t badFloat = firstFloatMismatch(floats, goldenFloats);
  EXPECT_EQ(badFloat, -1) << stem << ".dequant.f32 differs first at element "
                          << badFloat;
}

INSTANTIATE_TEST_SUITE_P(Ggml, KQuantGoldenTest,
                         testing::ValuesIn(allGoldenCases()), caseName);

//===----------------------------------------------------------------------===//
// Fast against reference
//===----------------------------------------------------------------------===//

/// Rows that stress the searches: the scale of the data spans many orders
/// of magnitude, blocks mix signs and offsets, some are constant, sparse,
/// one-sided or hold huge outliers, and a few carry values whose
/// reciprocals overflow.
std::vector<float> stressRows(std::mt19937 &rng, int64_t rows, int64_t cols) {
  std::vector<float> v(rows * cols);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::uniform_int_distribution<int> kind(0, 11);
  std::uniform_int_distribution<int> exponent(-40, 30);
  for (int64_t b = 0; b < rows * cols / kSuperBlock; ++b) {
    float *x = v.data() + b * kSuperBlock;
    const float scale = std::ldexp(1.0f, exponent(rng));
    const int k = kind(rng);
    for (int i = 0; i < kSuperBlock; ++i) {
      float g = normal(rng) * scale;
      switch (k) {
      case 0: // plain Gaussian
        break;
      case 1: // shifted: all positive in most sub-blocks
        g = std::fabs(g) + scale;
        break;
      case 2: // all negative
        g = -std::fabs(g) - 0.5f * scale;
        break;
      case 3: // sparse
        g = uniform(rng) < 0.1f ? g : 0.0f;
        break;
      case 4: // constant in runs of 16
        g = scale * static_cast<float>((i / 16) % 5 - 2);
        break;
      case 5: // outliers
        g = uniform(rng) < 0.02f ? g * 1000.0f : g;
        break;
      case 6: // few distinct values (ties in the searches)
        g = scale * static_cast<float>(static_cast<int>(uniform(rng) * 7) - 3);
        break;
      case 7: // uniform
        g = (uniform(rng) - 0.5f) * scale;
        break;
      case 8: // subnormal and tiny
        g = normal(rng) * 1e-39f;
        break;
      case 9: // zero, with a single non-zero
        g = i == 77 ? scale : 0.0f;
        break;
      case 10: // heavy tails
        g = g / (uniform(rng) + 1e-3f);
        break;
      default: // huge but finite
        g = normal(rng) * 1e30f;
        break;
      }
      x[i] = g;
    }
  }
  return v;
}

std::vector<float> randomImportance(std::mt19937 &rng, int64_t cols,
                                    bool withZeros) {
  std::vector<float> w(cols);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float &v : w) {
    v = std::exp(4.0f * uniform(rng) - 2.0f);
    if (withZeros && uniform(rng) < 0.2f)
      v = 0.0f;
  }
  return w;
}

class KQuantFastTest : public testing::TestWithParam<const KType *> {};

TEST_P(KQuantFastTest, MatchesReferenceOnRandomData) {
  const KType &type = *GetParam();
  std::mt19937 rng(1234);
  // 7 super-blocks a row: whole groups of 2 and 4 plus a remainder.
  constexpr int64_t Rows = 48, Cols = 7 * kSuperBlock;
  for (int round = 0; round < 4; ++round) {
    const std::vector<float> src = stressRows(rng, Rows, Cols);
    const std::vector<float> importance =
        randomImportance(rng, Cols, /*withZeros=*/round % 2 == 1);
    for (const float *qw :
         {static_cast<const float *>(nullptr), importance.data()}) {
      const std::vector<unsigned char> ref =
          quantizeRows(type.quantizeRef, type, src.data(), Rows, Cols, qw);
      for (kq::KQuantIsa isa : supportedIsas()) {
        SCOPED_TRACE(testing::Message()
                     << type.name << " " << isaName(isa) << " round " << round
                     << (qw ? " with importance" : ""));
        ScopedIsa scoped(isa);
        const std::vector<unsigned char> fast =
            quantizeRows(type.quantize, type, src.data(), Rows, Cols, qw);
        const int64_t bad = firstMismatch(fast, ref);
        EXPECT_EQ(bad, -1) << "first differing byte " << bad << " (block "
                           << (bad < 0 ? -1 : bad / int64_t(type.blockBytes))
                           << ")";
      }
    }
  }
}

TEST_P(KQuantFastTest, MatchesReferenceOnNonFiniteInput) {
  // Not meaningful input, but whatever ggml would write the fast path must
  // write too; mostly this checks that it does not crash.
  const KType &type = *GetParam();
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> src(4 * kSuperBlock);
  for (int i = 0; i < 4 * kSuperBlock; ++i)
    src[i] = std::sin(0.1f * i);
  src[3] = inf;
  src[kSuperBlock + 100] = nan;
  src[2 * kSuperBlock + 5] = -inf;
  src[3 * kSuperBlock + 7] = std::numeric_limits<float>::max();
  src[3 * kSuperBlock + 9] = -std::numeric_limits<float>::max();
  std::vector<float> importance(4 * kSuperBlock, 1.0f);
  for (const float *qw : {static_cast<const float *>(nullptr),
                          static_cast<const float *>(importance.data())}) {
    const std::vector<unsigned char> ref = quantizeRows(
        type.quantizeRef, type, src.data(), 1, 4 * kSuperBlock, qw);
    for (kq::KQuantIsa isa : supportedIsas()) {
      ScopedIsa scoped(isa);
      const std::vector<unsigned char> fast =
          quantizeRows(type.quantize, type, src.data(), 1, 4 * kSuperBlock, qw);
      EXPECT_EQ(firstMismatch(fast, ref), -1)
          << isaName(isa) << (qw ? " with importance" : "");
    }
  }
}

TEST_P(KQuantFastTest, MatchesReferenceOnEdgeBlocks) {
  // One row of edge super-blocks, so that the vector paths see them side by
  // side in one group: the float rounding of the qkx sweeps must step aside
  // for the lanes it cannot take (constant sub-blocks, a group with huge
  // values, near-constant sub-blocks whose scale search explodes) and the
  // vectorized make_qp_quants, re-quantization and packing must see zero,
  // tiny and outlier scales as the scalar steps do.
  const KType &type = *GetParam();
  constexpr int Blocks = 9;
  std::mt19937 rng(77);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> src(Blocks * kSuperBlock);
  for (int b = 0; b < Blocks; ++b) {
    float *x = src.data() + b * kSuperBlock;
    for (int i = 0; i < kSuperBlock; ++i) {
      const float g = normal(rng);
      switch (b) {
      case 0: // zeros, one Gaussian sub-block of 32
        x[i] = i / 32 == 3 ? g : 0.0f;
        break;
      case 1: // all equal, positive
        x[i] = 0.5f;
        break;
      case 2: // all equal, negative
        x[i] = -0.25f;
        break;
      case 3: // subnormals of both signs
        x[i] = static_cast<float>(i % 7 - 3) * 1e-41f;
        break;
      case 4: // realistic weights with a few outliers
        x[i] = i % 61 == 5 ? (i % 2 ? 40.0f : -40.0f) * 0.02f : g;
        break;
      case 5: // near-constant negative: steps of one ulp around -1000
        x[i] = std::nextafter(-1000.0f, i % 3 ? 0.0f : -2000.0f);
        break;
      case 6: // one sub-block huge, the rest realistic
        x[i] = i < 16 ? g * 1e30f : g;
        break;
      case 7: // near-constant positive with one outlier per sub-block
        x[i] = i % 16 == 0 ? 3.0f : 1.0f + std::ldexp(1.0f, -20) * (i % 5);
        break;
      default: // realistic
        x[i] = g;
        break;
      }
    }
  }
  std::vector<float> ones(Blocks * kSuperBlock, 1.0f);
  const std::vector<float> random =
      randomImportance(rng, Blocks * kSuperBlock, /*withZeros=*/true);
  for (const float *qw : {static_cast<const float *>(nullptr),
                          static_cast<const float *>(ones.data()),
                          random.data()}) {
    const std::vector<unsigned char> ref = quantizeRows(
        type.quantizeRef, type, src.data(), 1, Blocks * kSuperBlock, qw);
    for (kq::KQuantIsa isa : supportedIsas()) {
      ScopedIsa scoped(isa);
      const std::vector<unsigned char> fast = quantizeRows(
          type.quantize, type, src.data(), 1, Blocks * kSuperBlock, qw);
      const int64_t bad = firstMismatch(fast, ref);
      EXPECT_EQ(bad, -1) << isaName(isa)
                         << (qw == ones.data()     ? " with unit importance"
                             : qw == random.data() ? " with importance"
                                                   : "")
                         << ": first differing byte " << bad << " (block "
                         << (bad < 0 ? -1 : bad / int64_t(type.blockBytes))
                         << ")";
    }
  }
}

TEST_P(KQuantFastTest, ZeroRowsGiveZeroBlocks) {
  const KType &type = *GetParam();
  const std::vector<float> src(2 * kSuperBlock, 0.0f);
  const std::vector<float> importance(2 * kSuperBlock, 1.0f);
  for (const float *qw : {static_cast<const float *>(nullptr),
                          static_cast<const float *>(importance.data())}) {
    const std::vector<unsigned char> bytes =
        quantizeRows(type.quantize, type, src.data(), 1, 2 * kSuperBlock, qw);
    std::vector<float> back(2 * kSuperBlock, 1.0f);
    type.dequantize(bytes.data(), back.data(), 2 * kSuperBlock);
    for (float f : back)
      EXPECT_EQ(f, 0.0f);
  }
}

INSTANTIATE_TEST_SUITE_P(KQuants, KQuantFastTest,
                         testing::Values(&KTypes[0], &KTypes[1], &KTypes[2],
                                         &KTypes[3], &KTypes[4]),
                         [](const testing::TestParamInfo<const KType *> &info) {
                           return std::string(info.param->name);
                         });

} // namespace
