//===- ExpKernels.h - Vectorized exponentials -------------------*- C++ -*-===//
//
// The exponentials between the matmuls: SiLU's, attention's softmax, and
// the log-sum-exp of a
// row of logits that the optimizer's divergence probes compute once per
// position and variant over the whole vocabulary. libm's exp, one value at a
// time, cost a few percent of a probe at a 128k vocabulary; these run 8 or
// 16 lanes at once.
//
// Every variant computes the same bits, so that results do not depend on
// the CPU's instruction set. The exponential (f32 and f64 alike):
//   x NaN: x; x > kHi: +inf; x < kLo: +0; otherwise
//   n = nearest-even(x * log2(e))              (one rounded product)
//   r = fma(-n, ln2_lo, fma(-n, ln2_hi, x))
//   p = Taylor series of e^r to degree D by Horner with fma, from 1/D!
//   result = p * 2^n                           (2^n built from its bits)
// with D = 7 in f32 (truncation below 6e-9 relative for |r| <= ln2 / 2)
// and D = 13 in f64 (below 5e-18). kLo and kHi keep 2^n a normal number.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H
#define LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H

#include <cstdint>

namespace llmq::runtime {

/// The constants every variant's exponential uses.
namespace expconst {
constexpr float kLoF = -87.0f, kHiF = 88.0f;
constexpr float kLog2eF = 1.44269504088896341f;
constexpr float kLn2HiF = 0.693145751953125f;       // 12 significant bits
constexpr float kLn2LoF = 1.42860682030941723e-6f;  // ln 2 - kLn2HiF
constexpr double kLo = -708.0, kHi = 709.0;
constexpr double kLog2e = 1.4426950408889634;
constexpr double kLn2Hi = 0.693147180369123816490;  // 32 significant bits
constexpr double kLn2Lo = 1.90821492927058770002e-10; // ln 2 - kLn2Hi
constexpr int kDegreeF = 7, kDegree = 13;
/// 1 / k! for k = 0..kDegree.
constexpr double kInvFactorial[kDegree + 1] = {
    1.0,
    1.0,
    1.0 / 2,
    1.0 / 6,
    1.0 / 24,
    1.0 / 120,
    1.0 / 720,
    1.0 / 5040,
    1.0 / 40320,
    1.0 / 362880,
    1.0 / 3628800,
    1.0 / 39916800,
    1.0 / 479001600,
    1.0 / 6227020800.0};
} // namespace expconst

/// gate[i] = gate[i] / (1 + exp(-gate[i])) * up[i] for i < count, with the
/// f32 exponential above, each element alone.
using SiluMulFn = void (*)(float *gate, const float *up, int64_t count);

/// x[i] = exp(x[i] - shift) for i < n, with the f32 exponential above (the
/// difference rounded to f32 first), each element alone.
using ExpShiftedFn = void (*)(float *x, int64_t n, float shift);

/// Over i < n: sums[0] = sum exp(double(x[i]) - shift) (the f64 exponential
/// above) and sums[1] = sum double(p[i]) * double(x[i]), in f64, each summed
/// in 16 lanes (lane l takes i = l, l + 16, ... in order, from +0; the
/// missing elements of the last group add nothing) and reduced as
/// DotKernels.h's dot style: s8[i] = acc[i] + acc[i + 8], s4[i] = s8[i] +
/// s8[i + 4], s2[i] = s4[i] + s4[i + 2], s2[0] + s2[1].
using ExpSumsFn = void (*)(const float *x, const float *p, int64_t n,
                           double shift, double sums[2]);

/// One instruction-set variant.
struct ExpKernels {
  const char *name;
  SiluMulFn siluMul;
  ExpShiftedFn expShifted;
  ExpSumsFn expSums;
};

/// Portable C++; the reference every variant must equal bit for bit.
const ExpKernels &genericExpKernels();
/// AVX2 + FMA; null when not compiled in or the CPU lacks them.
const ExpKernels *avx2ExpKernels();
/// AVX-512 F + FMA; null when not compiled in or unsupported.
const ExpKernels *avx512ExpKernels();
/// The best variant this CPU runs.
const ExpKernels &selectExpKernels();

/// The f32 and f64 exponentials above, one value at a time.
float expF32(float x);
double expF64(double x);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H
