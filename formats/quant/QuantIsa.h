//===- QuantIsa.h - Instruction sets of the vectorized quantizers -*- C++ -*-===//
//
// The fast quantizers (KQuantsFast.cpp, LegacyQuantsFast.cpp) compile the
// same vector code for several instruction sets and pick one at run time;
// every variant writes the same bytes as the scalar references.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_QUANTISA_H
#define LLMQ_FORMATS_QUANT_QUANTISA_H

namespace llmq {
namespace quant {

enum class QuantIsa { Generic, Avx2, Avx512 };

/// The widest variant this CPU runs: Avx512 needs F, VL, BW and DQ; Avx2;
/// Generic otherwise (and off x86).
QuantIsa detectQuantIsa();

} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_QUANTISA_H
