//===- ExpKernels.h - Vectorized exponentials -------------------*- C++ -*-===//
//
// The exponentials between the matmuls: SiLU's, attention's softmax, and
// the log-sum-exp of a row of logits that the optimizer's divergence probes
// compute once per position and variant over the whole vocabulary. libm's
// exp, one value at a time, cost a few percent of a probe at a 128k
// vocabulary; these run 8 or 16 lanes at once.
//
// Every variant computes the same bits, so that results do not depend on
// the CPU's instruction set.
// The f32 exponential is glibc's expf as its FMA build computes it (the
// algorithm of Arm's optimized-routines: a 32-entry table of 2^(i/32) and a
// cubic, in f64), checked equal on every 7th f32 of its range: SiLU and the
// softmax keep the bits std::exp gave them on x86-64 machines with FMA, so
// the calibrated passes' outputs (and the GPU references recorded from them)
// stay byte for byte:
//   x NaN: x + x; x > kOverflowF: +inf; x < kUnderflowF: +0; otherwise, in
//   f64 with xd = x: kd = fma(32 log2(e), xd, 1.5 * 2^52), ki = bits(kd),
//   kd -= 1.5 * 2^52, r = fma(32 log2(e), xd, -kd),
//   s = from bits(kTable[ki % 32] + (ki << 47)),
//   y = fma(fma(kPoly[0], r, kPoly[1]), r * r, fma(kPoly[2], r, 1)) * s,
//   rounded to f32.
// The f64 exponential (the probes' sums, which need more than f32):
//   x NaN: x; x > kHi: +inf; x < kLo: +0; otherwise
//   n = nearest-even(x * log2(e))              (one rounded product)
//   r = fma(-n, ln2_lo, fma(-n, ln2_hi, x))
//   p = Taylor series of e^r to degree 13 by Horner with fma, from 1/13!
//   result = p * 2^n                           (2^n built from its bits)
// (truncation below 5e-18 relative for |r| <= ln2 / 2; kLo and kHi keep 2^n
// a normal number).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H
#define LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H

#include <cstdint>

namespace llmq::runtime {

/// The constants every variant's exponential uses.
namespace expconst {
constexpr float kOverflowF = 0x1.62e42ep6f, kUnderflowF = -0x1.9fe368p6f;
constexpr double kInvLn2x32 = 0x1.71547652b82fep+0 * 32;
constexpr double kShift = 0x1.8p+52;
/// Lowest first: 2^(r/32) ~ ((kPoly[0] r + kPoly[1]) r^2 + kPoly[2] r + 1).
constexpr double kPoly[3] = {0x1.c6af84b912394p-5 / 32 / 32 / 32,
                             0x1.ebfce50fac4f3p-3 / 32 / 32,
                             0x1.62e42ff0c52d6p-1 / 32};
/// bits(2^(i/32)) - (i << 47): 2^(k/32) is from bits(kTable[k % 32] + (k
/// << 47)) for any integer k in range.
extern const uint64_t kTable[32];
constexpr double kLo = -708.0, kHi = 709.0;
constexpr double kLog2e = 1.4426950408889634;
constexpr double kLn2Hi = 0.693147180369123816490;  // 32 significant bits
constexpr double kLn2Lo = 1.90821492927058770002e-10; // ln 2 - kLn2Hi
constexpr int kDegree = 13;
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

/// The f32 and f64 exponentials above, one value at a time (the portable
/// variant's).
float expF32(float x);
double expF64(double x);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_ARCH_EXPKERNELS_H
