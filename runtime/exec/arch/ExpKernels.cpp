//===- ExpKernels.cpp - Portable exponentials and dispatch ----------------===//

#include "runtime/exec/arch/ExpKernels.h"

#include <cmath>
#include <cstring>

using namespace llmq::runtime;
using namespace llmq::runtime::expconst;

namespace {
constexpr int kLanes = 16;
} // namespace

const uint64_t llmq::runtime::expconst::kTable[32] = {
    0x3ff0000000000000ULL, 0x3fefd9b0d3158574ULL,
    0x3fefb5586cf9890fULL, 0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL, 0x3fef54873168b9aaULL,
    0x3fef387a6e756238ULL, 0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL, 0x3feef1a7373aa9cbULL,
    0x3feedea64c123422ULL, 0x3feece086061892dULL,
    0x3feebfdad5362a27ULL, 0x3feeb42b569d4f82ULL,
    0x3feeab07dd485429ULL, 0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL, 0x3fee9f75e8ec5f74ULL,
    0x3feea11473eb0187ULL, 0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL, 0x3feeb737b0cdc5e5ULL,
    0x3feec49182a3f090ULL, 0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL, 0x3feeff76f2fb5e47ULL,
    0x3fef199bdd85529cULL, 0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL, 0x3fef7c97337b9b5fULL,
    0x3fefa4afa2a490daULL, 0x3fefd0765b6e4540ULL,
};

float llmq::runtime::expF32(float x) {
  if (std::isnan(x))
    return x + x;
  if (x > kOverflowF)
    return INFINITY;
  if (x < kUnderflowF)
    return 0.0f;
  double xd = x;
  double kd = std::fma(kInvLn2x32, xd, kShift);
  uint64_t ki;
  std::memcpy(&ki, &kd, sizeof(ki));
  kd -= kShift;
  double r = std::fma(kInvLn2x32, xd, -kd);
  uint64_t t = kTable[ki % 32] + (ki << 47);
  double scale;
  std::memcpy(&scale, &t, sizeof(scale));
  double y = std::fma(std::fma(kPoly[0], r, kPoly[1]), r * r,
                      std::fma(kPoly[2], r, 1.0));
  return static_cast<float>(y * scale);
}

double llmq::runtime::expF64(double x) {
  if (std::isnan(x))
    return x;
  if (x > kHi)
    return INFINITY;
  if (x < kLo)
    return 0.0;
  double n = std::nearbyint(x * kLog2e);
  double r = std::fma(-n, kLn2Hi, x);
  r = std::fma(-n, kLn2Lo, r);
  double p = kInvFactorial[kDegree];
  for (int k = kDegree - 1; k >= 0; --k)
    p = std::fma(p, r, kInvFactorial[k]);
  uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(n) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

static void siluMulGeneric(float *gate, const float *up, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    float g = gate[i];
    gate[i] = g / (1.0f + expF32(-g)) * up[i];
  }
}

static void expShiftedGeneric(float *x, int64_t n, float shift) {
  for (int64_t i = 0; i < n; ++i)
    x[i] = expF32(x[i] - shift);
}

static void expSumsGeneric(const float *x, const float *p, int64_t n,
                           double shift, double sums[2]) {
  double exps[kLanes] = {}, products[kLanes] = {};
  for (int64_t i = 0; i < n; i += kLanes)
    for (int64_t l = 0; l < kLanes && i + l < n; ++l) {
      double xi = x[i + l];
      exps[l] += expF64(xi - shift);
      products[l] = std::fma(static_cast<double>(p[i + l]), xi, products[l]);
    }
  auto reduce = [](const double *acc) {
    double s8[8], s4[4];
    for (int i = 0; i < 8; ++i)
      s8[i] = acc[i] + acc[i + 8];
    for (int i = 0; i < 4; ++i)
      s4[i] = s8[i] + s8[i + 4];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
  };
  sums[0] = reduce(exps);
  sums[1] = reduce(products);
}

const ExpKernels &llmq::runtime::genericExpKernels() {
  static const ExpKernels kernels = {"generic", siluMulGeneric,
                                     expShiftedGeneric, expSumsGeneric};
  return kernels;
}

#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX2_KERNELS))
const ExpKernels *llmq::runtime::avx2ExpKernels() { return nullptr; }
#endif
#if !(defined(__x86_64__) && defined(LLMQ_HAVE_AVX512_KERNELS))
const ExpKernels *llmq::runtime::avx512ExpKernels() { return nullptr; }
#endif

const ExpKernels &llmq::runtime::selectExpKernels() {
  if (const ExpKernels *k = avx512ExpKernels())
    return *k;
  if (const ExpKernels *k = avx2ExpKernels())
    return *k;
  return genericExpKernels();
}
