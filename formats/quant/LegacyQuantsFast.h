//===- LegacyQuantsFast.h - Vectorized quantizers, ISA hook -----*- C++ -*-===//
//
// LegacyQuantsFast.cpp vectorizes the quantizers of Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1, IQ4_NL and IQ4_XS (the quantizeRow* entry points declared in
// QuantKernels.h, LegacyQuants.h and IQ4.h). The same kernels are compiled for
// three instruction sets (SSE2 baseline, AVX2, AVX-512) and picked at run
// time; all of them write the bytes of the scalar references quantizeRow*Ref.
// This header lets tests run every variant the CPU supports.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_LEGACYQUANTSFAST_H
#define LLMQ_FORMATS_QUANT_LEGACYQUANTSFAST_H

#include "formats/quant/QuantIsa.h"

#include <cstdint>

namespace llmq {
namespace quant {

/// The same vector code compiled three ways; all give the same bytes.
using LegacyQuantIsa = QuantIsa;

/// The best instruction set this CPU runs (Generic off x86, or when the
/// compiler cannot build the vector code, in which case Generic runs the
/// scalar references).
LegacyQuantIsa bestLegacyQuantIsa();
/// The one the quantizeRow* entry points use; bestLegacyQuantIsa() unless a
/// test changed it.
LegacyQuantIsa currentLegacyQuantIsa();
/// For tests, to cover every variant the CPU runs: `isa` must not be better
/// than bestLegacyQuantIsa(). Not meant to be changed while another thread
/// quantizes (it would still be correct, only slower or faster).
void setLegacyQuantIsa(LegacyQuantIsa isa);

/// For tests: for each of the `n` values of x (n a multiple of 32), the
/// index and the value of the IQ4 level nearest to it, as the IQ4
/// quantizers of the current instruction set find them. They must agree
/// with IQ4.cpp's nearestLevel for every float, NaN and infinities included.
void nearestIQ4LevelsFast(const float *x, int64_t n, uint8_t *index,
                          float *level);

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_LEGACYQUANTSFAST_H
