//===- LegacyQuantsFastTest.cpp - Vectorized block quantizers vs scalar ---===//
//
// The vectorized quantizers of LegacyQuantsFast.cpp (Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1, IQ4_NL, IQ4_XS) checked byte for byte against their scalar
// references, in every instruction-set variant this CPU runs: on random rows
// of several lengths (whole vector groups and remainders), on blocks built to
// hit the corner cases (zeros of either sign, subnormals, scales that
// underflow, huge values, infinities, NaN, ties between magnitudes, levels
// that land exactly on .5), and against ggml's golden outputs.
//
//===----------------------------------------------------------------------===//

#include "formats/quant/LegacyQuantsFast.h"
#include "formats/Float.h"
#include "formats/quant/IQ4.h"
#include "formats/quant/LegacyQuants.h"
#include "formats/quant/QuantKernels.h"

#include "GoldenData.h"

#include "gtest/gtest.h"

#include <cfloat>
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
// Types and instruction sets
//===----------------------------------------------------------------------===//

using QuantizeFn = void (*)(const float *, void *, int64_t, const float *);
using DequantizeFn = void (*)(const void *, float *, int64_t);

struct Type {
  const char *name; ///< ggml's type name, as in the golden file names
  int64_t blockElems;
  size_t blockBytes;
  QuantizeFn quantize;    ///< the vectorized quantizer
  QuantizeFn quantizeRef; ///< the scalar reference
  DequantizeFn dequantize;
};

const Type Types[] = {
    {"q8_0", 32, 34, quantizeRowQ8_0, quantizeRowQ8_0Ref, dequantizeRowQ8_0},
    {"q4_0", 32, sizeof(BlockQ4_0), quantizeRowQ4_0, quantizeRowQ4_0Ref,
     dequantizeRowQ4_0},
    {"q4_1", 32, sizeof(BlockQ4_1), quantizeRowQ4_1, quantizeRowQ4_1Ref,
     dequantizeRowQ4_1},
    {"q5_0", 32, sizeof(BlockQ5_0), quantizeRowQ5_0, quantizeRowQ5_0Ref,
     dequantizeRowQ5_0},
    {"q5_1", 32, sizeof(BlockQ5_1), quantizeRowQ5_1, quantizeRowQ5_1Ref,
     dequantizeRowQ5_1},
    {"iq4_nl", 32, sizeof(BlockIQ4_NL), quantizeRowIQ4_NL, quantizeRowIQ4_NLRef,
     dequantizeRowIQ4_NL},
    {"iq4_xs", 256, sizeof(BlockIQ4_XS), quantizeRowIQ4_XS,
     quantizeRowIQ4_XSRef, dequantizeRowIQ4_XS},
};

std::string typeName(const testing::TestParamInfo<const Type *> &info) {
  return info.param->name;
}

/// Every variant of the vectorized quantizers this CPU runs.
std::vector<LegacyQuantIsa> supportedIsas() {
  std::vector<LegacyQuantIsa> isas;
  for (LegacyQuantIsa isa :
       {LegacyQuantIsa::Generic, LegacyQuantIsa::Avx2, LegacyQuantIsa::Avx512})
    if (static_cast<int>(isa) <= static_cast<int>(bestLegacyQuantIsa()))
      isas.push_back(isa);
  return isas;
}

const char *isaName(LegacyQuantIsa isa) {
  switch (isa) {
  case LegacyQuantIsa::Generic:
    return "generic";
  case LegacyQuantIsa::Avx2:
    return "avx2";
  case LegacyQuantIsa::Avx512:
    return "avx512";
  }
  return "?";
}

/// Pins the vectorized quantizers to one instruction set for a scope.
class ScopedIsa {
public:
  explicit ScopedIsa(LegacyQuantIsa isa) : saved(currentLegacyQuantIsa()) {
    setLegacyQuantIsa(isa);
  }
  ~ScopedIsa() { setLegacyQuantIsa(saved); }

private:
  LegacyQuantIsa saved;
};

/// Quantizes `rows` rows of `cols` with `fn`, one call per row as
/// ggml_quantize_chunk does. The buffer starts out as garbage so that bytes
/// a quantizer forgets to write show up.
std::vector<unsigned char> quantizeRows(QuantizeFn fn, const Type &type,
                                        const float *src, int64_t rows,
                                        int64_t cols, const float *importance) {
  const size_t rowSize = cols / type.blockElems * type.blockBytes;
  std::vector<unsigned char> bytes(rowSize * rows, 0xA5);
  for (int64_t r = 0; r < rows; ++r)
    fn(src + r * cols, bytes.data() + r * rowSize, cols, importance);
  return bytes;
}

/// Checks every variant against the reference on the rows of `cols` in
/// `src`, with the importance vector `importance` (may be null).
void expectFastMatchesRef(const Type &type, const std::vector<float> &src,
                          int64_t cols, const float *importance,
                          const std::string &what) {
  const int64_t rows = static_cast<int64_t>(src.size()) / cols;
  const std::vector<unsigned char> ref =
      quantizeRows(type.quantizeRef, type, src.data(), rows, cols, importance);
  for (LegacyQuantIsa isa : supportedIsas()) {
    ScopedIsa scoped(isa);
    const std::vector<unsigned char> fast =
        quantizeRows(type.quantize, type, src.data(), rows, cols, importance);
    const int64_t bad = firstMismatch(fast, ref);
    if (bad < 0)
      continue;
    const int64_t blockBytes = static_cast<int64_t>(type.blockBytes);
    const int64_t block = bad / blockBytes;
    const int64_t rowBlocks = cols / type.blockElems;
    const float *x = src.data() + block * type.blockElems;
    std::string values;
    for (int64_t i = 0; i < type.blockElems && i < 32; ++i) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), " %a", x[i]);
      values += buf;
    }
    ADD_FAILURE() << type.name << " " << isaName(isa) << " " << what
                  << (importance ? " with importance" : "") << ": byte " << bad
                  << " differs (row " << block / rowBlocks << ", block "
                  << block % rowBlocks << ", byte " << bad % blockBytes
                  << " of the block: fast " << int(fast[bad]) << ", ref "
                  << int(ref[bad]) << "); block starts with" << values;
  }
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// Kinds of 32-weight blocks for stressRows; each aims at one corner.
enum BlockKind {
  Gaussian,       // N(0, s^2), s from 2^-40 to 2^30
  Positive,       // all positive, offset from zero
  Negative,       // all negative
  Sparse,         // mostly +0
  AllZero,        // +0 only
  SignedZeros,    // +0 and -0 mixed
  NonNegative,    // >= 0 with zeros of either sign (min is a zero)
  NonPositive,    // <= 0 with zeros of either sign (max is a zero)
  MagnitudeTies,  // +A and -A both present, either first
  HalfTiesQ8,     // amax 127 * 2^e, other weights (k + 0.5) * 2^e
  HalfTiesQ4,     // extreme -+8 * 2^e, others multiples of 2^(e-1)
  HalfTiesOffset, // min 0 and max 15 or 31, others halves
  Subnormal,      // scale 2^-149 .. 2^-120: the block's d underflows
  TinyScale,      // amax 1e-39 .. 1e-35: d subnormal, 1/d huge or inf
  Huge,           // near FLT_MAX, FLT_MAX itself
  FewValues,      // a few distinct integers times s
  Uniform,        // U(-s/2, s/2)
  WithInf,        // Gaussian with an infinity or two
  WithNaN,        // Gaussian with a NaN, first, last or anywhere
  AllInf,         // +inf or -inf throughout, or both
  SingleNonZero,  // one weight, the rest zeros
  Outliers,       // Gaussian with 1000x outliers
  Faint,          // amax 1e-18 .. 1e-15: below ggml's GROUP_MAX_EPS
  NumBlockKinds
};

/// A row of blocks of the given kinds, 32 weights each.
void fillBlock(std::mt19937 &rng, BlockKind kind, float *x) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  std::uniform_int_distribution<int> pos(0, 31);
  std::uniform_int_distribution<int> exponent(-40, 30);
  const float s = std::ldexp(1.0f, exponent(rng));
  auto coin = [&] { return uniform(rng) < 0.5f; };
  switch (kind) {
  case Gaussian:
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * s;
    break;
  case Positive:
    for (int i = 0; i < 32; ++i)
      x[i] = std::fabs(normal(rng)) * s + s;
    break;
  case Negative:
    for (int i = 0; i < 32; ++i)
      x[i] = -std::fabs(normal(rng)) * s - 0.5f * s;
    break;
  case Sparse:
    for (int i = 0; i < 32; ++i)
      x[i] = uniform(rng) < 0.15f ? normal(rng) * s : 0.0f;
    break;
  case AllZero:
    for (int i = 0; i < 32; ++i)
      x[i] = 0.0f;
    break;
  case SignedZeros:
    for (int i = 0; i < 32; ++i)
      x[i] = coin() ? -0.0f : 0.0f;
    break;
  case NonNegative:
    for (int i = 0; i < 32; ++i)
      x[i] = uniform(rng) < 0.3f ? (coin() ? -0.0f : 0.0f)
                                 : std::fabs(normal(rng)) * s;
    break;
  case NonPositive:
    for (int i = 0; i < 32; ++i)
      x[i] = uniform(rng) < 0.3f ? (coin() ? -0.0f : 0.0f)
                                 : -std::fabs(normal(rng)) * s;
    break;
  case MagnitudeTies:
    for (int i = 0; i < 32; ++i)
      x[i] = (uniform(rng) - 0.5f) * s;
    for (int t = 0; t < 3; ++t)
      x[pos(rng)] = coin() ? s : -s;
    break;
  case HalfTiesQ8: {
    // d = 127 * 2^e / 127 = 2^e exactly, so x * id is exact: k + 0.5.
    const float e = std::ldexp(1.0f, exponent(rng) / 2);
    std::uniform_int_distribution<int> k(-127, 126);
    for (int i = 0; i < 32; ++i)
      x[i] = (static_cast<float>(k(rng)) + 0.5f) * e;
    x[pos(rng)] = (coin() ? 127.0f : -127.0f) * e;
    break;
  }
  case HalfTiesQ4: {
    // d = -max / 8 (or 16) is a power of two: x * id + 8.5 lands on
    // integers and halves.
    const float e = std::ldexp(1.0f, exponent(rng) / 2);
    std::uniform_int_distribution<int> k(-32, 32);
    for (int i = 0; i < 32; ++i)
      x[i] = static_cast<float>(k(rng)) * 0.5f * e;
    x[pos(rng)] = (coin() ? 16.0f : -16.0f) * e;
    break;
  }
  case HalfTiesOffset: {
    // min 0, max 15 * 2^e (or 31 * 2^e): d = 2^e, (x - min) * id exact.
    const float e = std::ldexp(1.0f, exponent(rng) / 2);
    const int top = coin() ? 15 : 31;
    std::uniform_int_distribution<int> k(0, 2 * top);
    for (int i = 0; i < 32; ++i)
      x[i] = static_cast<float>(k(rng)) * 0.5f * e;
    x[pos(rng)] = 0.0f;
    x[pos(rng)] = static_cast<float>(top) * e;
    break;
  }
  case Subnormal: {
    std::uniform_int_distribution<int> small(-149, -120);
    const float t = std::ldexp(1.0f, small(rng));
    for (int i = 0; i < 32; ++i)
      x[i] = std::round(normal(rng) * 4.0f) * t;
    break;
  }
  case TinyScale: {
    std::uniform_real_distribution<float> lg(-39.0f, -35.0f);
    const float t = std::pow(10.0f, lg(rng));
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * t;
    break;
  }
  case Huge:
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * 1e38f;
    for (int t = 0; t < 2; ++t)
      x[pos(rng)] = coin() ? FLT_MAX : -FLT_MAX;
    break;
  case FewValues: {
    std::uniform_int_distribution<int> k(-3, 3);
    for (int i = 0; i < 32; ++i)
      x[i] = static_cast<float>(k(rng)) * s;
    break;
  }
  case Uniform:
    for (int i = 0; i < 32; ++i)
      x[i] = (uniform(rng) - 0.5f) * s;
    break;
  case WithInf:
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * s;
    x[pos(rng)] = coin() ? kInf : -kInf;
    if (coin())
      x[pos(rng)] = coin() ? kInf : -kInf;
    break;
  case WithNaN: {
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * s;
    const int where = pos(rng);
    x[where < 8 ? 0 : (where < 16 ? 31 : where)] = kNaN;
    if (coin())
      x[pos(rng)] = -kNaN;
    break;
  }
  case AllInf: {
    const int mode = pos(rng) % 3;
    for (int i = 0; i < 32; ++i)
      x[i] = mode == 0 ? kInf : (mode == 1 ? -kInf : (coin() ? kInf : -kInf));
    break;
  }
  case SingleNonZero:
    for (int i = 0; i < 32; ++i)
      x[i] = 0.0f;
    x[pos(rng)] = normal(rng) * s;
    break;
  case Outliers:
    for (int i = 0; i < 32; ++i)
      x[i] = normal(rng) * s * (uniform(rng) < 0.05f ? 1000.0f : 1.0f);
    break;
  case Faint: {
    std::uniform_real_distribution<float> lg(-18.0f, -15.0f);
    const float t = std::pow(10.0f, lg(rng));
    for (int i = 0; i < 32; ++i)
      x[i] = (uniform(rng) - 0.5f) * t;
    break;
  }
  case NumBlockKinds:
    break;
  }
}

/// `rows` rows of `cols` made of random block kinds; `finite` leaves out
/// the kinds with infinities and NaN.
std::vector<float> stressRows(std::mt19937 &rng, int64_t rows, int64_t cols,
                              bool finite) {
  std::vector<float> v(rows * cols);
  std::uniform_int_distribution<int> kind(0, NumBlockKinds - 1);
  for (int64_t b = 0; b < rows * cols / 32; ++b) {
    BlockKind k;
    do
      k = static_cast<BlockKind>(kind(rng));
    while (finite && (k == WithInf || k == WithNaN || k == AllInf));
    fillBlock(rng, k, v.data() + b * 32);
  }
  return v;
}

std::vector<float> gaussianRows(std::mt19937 &rng, int64_t rows, int64_t cols) {
  std::vector<float> v(rows * cols);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  for (float &f : v)
    f = normal(rng);
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

/// Row lengths to try: single blocks, whole vector groups (16 IQ4_NL blocks,
/// 2 IQ4_XS super-blocks in the AVX-512 variant) and remainders.
std::vector<int64_t> rowLengths(const Type &type) {
  if (type.blockElems == 256)
    return {256, 512, 768, 1280, 4096};
  return {32, 64, 96, 224, 480, 512, 544, 1056, 4096};
}

//===----------------------------------------------------------------------===//
// Fast against reference
//===----------------------------------------------------------------------===//

class LegacyFastTest : public testing::TestWithParam<const Type *> {};

TEST_P(LegacyFastTest, MatchesReferenceOnGaussianRows) {
  const Type &type = *GetParam();
  std::mt19937 rng(42);
  for (int64_t cols : rowLengths(type)) {
    const int64_t rows = std::max<int64_t>(1, 8192 / cols);
    const std::vector<float> src = gaussianRows(rng, rows, cols);
    const std::vector<float> importance = randomImportance(rng, cols, false);
    const std::string what = "gaussian cols " + std::to_string(cols);
    expectFastMatchesRef(type, src, cols, nullptr, what);
    expectFastMatchesRef(type, src, cols, importance.data(), what);
  }
}

TEST_P(LegacyFastTest, MatchesReferenceOnStressRows) {
  const Type &type = *GetParam();
  std::mt19937 rng(1234);
  for (int round = 0; round < 3; ++round) {
    for (int64_t cols : rowLengths(type)) {
      const int64_t rows = std::max<int64_t>(2, 16384 / cols);
      const std::vector<float> src =
          stressRows(rng, rows, cols, /*finite=*/round == 0);
      const std::vector<float> importance =
          randomImportance(rng, cols, /*withZeros=*/round == 2);
      const std::string what = "stress round " + std::to_string(round) +
                               " cols " + std::to_string(cols);
      expectFastMatchesRef(type, src, cols, nullptr, what);
      expectFastMatchesRef(type, src, cols, importance.data(), what);
    }
  }
}

TEST_P(LegacyFastTest, MatchesReferenceOnEachBlockKind) {
  // Rows made of one kind each, so that a failure names its kind.
  const Type &type = *GetParam();
  std::mt19937 rng(99);
  const int64_t cols = type.blockElems == 256 ? 512 : 544;
  for (int kind = 0; kind < NumBlockKinds; ++kind) {
    std::vector<float> src(8 * cols);
    for (int64_t b = 0; b < 8 * cols / 32; ++b)
      fillBlock(rng, static_cast<BlockKind>(kind), src.data() + b * 32);
    const std::vector<float> importance = randomImportance(rng, cols, true);
    const std::string what = "block kind " + std::to_string(kind);
    expectFastMatchesRef(type, src, cols, nullptr, what);
    expectFastMatchesRef(type, src, cols, importance.data(), what);
  }
}

TEST_P(LegacyFastTest, MatchesReferenceOnHandPickedBlocks) {
  const Type &type = *GetParam();
  const float denormMin = std::numeric_limits<float>::denorm_min();
  std::vector<std::vector<float>> blocks;
  auto block = [&](std::initializer_list<std::pair<int, float>> set,
                   float fill = 0.0f) {
    std::vector<float> x(32, fill);
    for (const auto &[i, v] : set)
      x[i] = v;
    blocks.push_back(x);
  };
  block({{0, -0.0f}});                             // -0 first, then +0
  block({{5, -0.0f}, {9, 1.0f}});                  // min is a -0
  block({{0, -0.0f}, {3, -1.0f}}, -0.0f);          // all -0 but one
  block({{3, 2.0f}, {7, -2.0f}});                  // +2 before -2
  block({{3, -2.0f}, {7, 2.0f}});                  // -2 before +2
  block({{31, 1.0f}});                             // extreme last
  block({{0, denormMin}});                         // d rounds to 0
  block({{0, 200 * denormMin}, {1, -denormMin}});  // d = 1-2 ulps
  block({{0, 1e-38f}, {1, -3e-39f}, {2, 5e-39f}}); // 1/d overflows
  block({{0, 4e-37f}, {1, -2e-37f}});              // d subnormal, 1/d finite
  block({{0, FLT_MAX}, {1, -FLT_MAX}});            // max - min overflows
  block({{0, kInf}, {1, 1.0f}});                   // amax inf
  block({{0, -kInf}, {1, kInf}});                  // both infinities
  block({{0, kNaN}});                              // NaN first
  block({{31, kNaN}, {0, 3.0f}});                  // NaN last
  block({{16, kNaN}, {2, -3.0f}, {20, 3.0f}});     // NaN in the middle
  block({{0, 127.0f},
         {1, 0.5f},
         {2, -0.5f},
         {3, 1.5f},
         {4, -2.5f},
         {5, 126.5f},
         {6, -126.5f}}); // Q8_0 halves
  block({{0, -8.0f},
         {1, 0.5f},
         {2, -0.5f},
         {3, 7.5f},
         {4, 8.0f},
         {5, -7.5f}});                                    // Q4_0 halves
  block({{0, 15.0f}, {1, 0.5f}, {2, 14.5f}, {3, 7.5f}});  // Q4_1 halves
  block({{0, 31.0f}, {1, 0.5f}, {2, 30.5f}, {3, 15.5f}}); // Q5_1 halves
  for (int i = 0; i < 5; ++i) {
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j)
      x[j] = static_cast<float>(j - 16 + i) * 0.25f;
    blocks.push_back(x);
  }
  // Each block on its own and all of them in one row (padded to the type's
  // block and to two full AVX-512 groups).
  std::vector<float> row;
  for (const std::vector<float> &x : blocks) {
    std::vector<float> one(type.blockElems, 0.0f);
    std::copy(x.begin(), x.end(), one.begin());
    expectFastMatchesRef(type, one, type.blockElems, nullptr, "hand-picked");
    std::vector<float> importance(type.blockElems, 1.0f);
    expectFastMatchesRef(type, one, type.blockElems, importance.data(),
                         "hand-picked");
    row.insert(row.end(), x.begin(), x.end());
  }
  row.resize(((row.size() + 1023) / 1024) * 1024, 0.5f);
  expectFastMatchesRef(type, row, static_cast<int64_t>(row.size()), nullptr,
                       "hand-picked row");
}

TEST_P(LegacyFastTest, ZeroRowsGiveZeros) {
  const Type &type = *GetParam();
  const int64_t n = 2 * std::max<int64_t>(type.blockElems, 512);
  const std::vector<float> src(n, 0.0f);
  const std::vector<float> importance(n, 1.0f);
  for (LegacyQuantIsa isa : supportedIsas()) {
    ScopedIsa scoped(isa);
    for (const float *qw : {static_cast<const float *>(nullptr),
                            static_cast<const float *>(importance.data())}) {
      const std::vector<unsigned char> bytes =
          quantizeRows(type.quantize, type, src.data(), 1, n, qw);
      std::vector<float> back(n, 1.0f);
      type.dequantize(bytes.data(), back.data(), n);
      for (float f : back)
        EXPECT_EQ(f, 0.0f) << type.name << " " << isaName(isa);
    }
  }
}

/// IQ4.cpp's nearestLevel: the index of the level nearest to x, ties up.
int referenceIQ4Level(float x) {
  const float x2 = x + x;
  int idx = 0;
  for (int step = 8; step > 0; step >>= 1) {
    const int j = idx + step;
    idx = x2 >= static_cast<float>(kIQ4NLValues[j - 1] + kIQ4NLValues[j]) ? j
                                                                          : idx;
  }
  return idx;
}

TEST(IQ4NearestLevel, EveryVariantMatchesReference) {
  // The level search is where the variants differ most (count of
  // midpoints, binary search with permutes, buckets), so check it head on:
  // around every decision point and every AVX-512 bucket edge, a few ulps
  // either way, on special values and on random bit patterns.
  std::vector<float> x;
  auto around = [&x](float v) {
    float up = v, down = v;
    x.push_back(v);
    for (int k = 0; k < 4; ++k) {
      up = std::nextafter(up, kInf);
      down = std::nextafter(down, -kInf);
      x.push_back(up);
      x.push_back(down);
    }
  };
  for (int j = 1; j < 16; ++j) {
    const float mid2 =
        static_cast<float>(kIQ4NLValues[j - 1] + kIQ4NLValues[j]);
    around(mid2 / 2.0f);
    around(-mid2 / 2.0f);
  }
  for (int b = -20; b <= 20; ++b)
    around(static_cast<float>(8 * b));
  for (float v : {0.0f, std::numeric_limits<float>::denorm_min(), FLT_MIN, 1.0f,
                  127.0f, 128.0f, 1e10f, FLT_MAX, kInf})
    for (float s : {1.0f, -1.0f})
      around(s * v);
  x.push_back(kNaN);
  x.push_back(-kNaN);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> wide(-300.0f, 300.0f);
  for (int i = 0; i < 200000; ++i) {
    x.push_back(wide(rng));
    x.push_back(floatFromBits(static_cast<uint32_t>(rng())));
  }
  while (x.size() % 32 != 0)
    x.push_back(0.0f);

  std::vector<uint8_t> index(x.size());
  std::vector<float> level(x.size());
  for (LegacyQuantIsa isa : supportedIsas()) {
    ScopedIsa scoped(isa);
    nearestIQ4LevelsFast(x.data(), static_cast<int64_t>(x.size()), index.data(),
                         level.data());
    int failures = 0;
    for (size_t i = 0; i < x.size() && failures < 10; ++i) {
      const int want = referenceIQ4Level(x[i]);
      if (index[i] != want || level[i] != kIQ4NLValues[want]) {
        ++failures;
        ADD_FAILURE() << isaName(isa) << ": x = " << x[i] << " (bits 0x"
                      << std::hex << floatBits(x[i]) << std::dec
                      << ") gives index " << int(index[i]) << ", level "
                      << level[i] << "; reference index " << want;
      }
    }
  }
}

TEST(LegacyQuantIsa, HookSelectsAndRestores) {
  const LegacyQuantIsa before = currentLegacyQuantIsa();
  EXPECT_EQ(before, bestLegacyQuantIsa());
  {
    ScopedIsa scoped(LegacyQuantIsa::Generic);
    EXPECT_EQ(currentLegacyQuantIsa(), LegacyQuantIsa::Generic);
  }
  EXPECT_EQ(currentLegacyQuantIsa(), before);
}

//===----------------------------------------------------------------------===//
// Golden data, every variant
//===----------------------------------------------------------------------===//

TEST_P(LegacyFastTest, EveryVariantMatchesGgml) {
  const Type &type = *GetParam();
  const std::string dir = goldenDir();
  if (std::optional<std::string> why = goldenDataMissing(dir))
    GTEST_SKIP() << *why;
  for (const GoldenInput &input : GoldenInputs) {
    const std::optional<std::vector<unsigned char>> src =
        readFile(dir + "/" + inputFile(input));
    const std::optional<std::vector<unsigned char>> imatrix =
        readFile(dir + "/" + imatrixFile(input.cols));
    ASSERT_TRUE(src && imatrix) << "cannot read the inputs of " << input.name;
    const std::vector<float> x = asFloats(*src);
    const std::vector<float> w = asFloats(*imatrix);
    ASSERT_EQ(x.size(), static_cast<size_t>(input.rows * input.cols));
    for (bool withImatrix : {false, true}) {
      const std::string stem = goldenStem(input, type.name, withImatrix);
      const std::optional<std::vector<unsigned char>> golden =
          readFile(dir + "/" + stem + ".bin");
      ASSERT_TRUE(golden) << "cannot read " << stem << ".bin";
      for (LegacyQuantIsa isa : supportedIsas()) {
        ScopedIsa scoped(isa);
        const std::vector<unsigned char> bytes =
            quantizeRows(type.quantize, type, x.data(), input.rows, input.cols,
                         withImatrix ? w.data() : nullptr);
        EXPECT_EQ(firstMismatch(bytes, *golden), -1)
            << stem << " " << isaName(isa);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(LegacyQuants, LegacyFastTest,
                         testing::Values(&Types[0], &Types[1], &Types[2],
                                         &Types[3], &Types[4], &Types[5],
                                         &Types[6]),
                         typeName);

} // namespace
