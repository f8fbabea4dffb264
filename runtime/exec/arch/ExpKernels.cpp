//===- ExpKernels.cpp - Portable exponentials and dispatch ----------------===//

#include "runtime/exec/arch/ExpKernels.h"

#include <cmath>
#include <cstring>

using namespace llmq::runtime;
using namespace llmq::runtime::expconst;

namespace {
constexpr int kLanes = 16;
} // namespace

float llmq::runtime::expF32(float x) {
  if (std::isnan(x))
    return x;
  if (x > kHiF)
    return INFINITY;
  if (x < kLoF)
    return 0.0f;
  float n = std::nearbyint(x * kLog2eF);
  float r = std::fma(-n, kLn2HiF, x);
  r = std::fma(-n, kLn2LoF, r);
  float p = static_cast<float>(kInvFactorial[kDegreeF]);
  for (int k = kDegreeF - 1; k >= 0; --k)
    p = std::fma(p, r, static_cast<float>(kInvFactorial[k]));
  uint32_t bits = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
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
