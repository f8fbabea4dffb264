//===- RefinedQuants.h - A wider scale search for 32-element blocks -*- C++ -*-===//
//
// ggml's quantizers for the 32-element formats choose a block's scale from
// a few candidates (Q4_0, Q5_0: 19 inverse scales; Q4_1, Q5_1: 37; Q8_0:
// max|x| / 127 only, without looking at the importance) and weigh each
// value by imp * sqrt(sigma^2 + x^2), not by the importance alone. The
// refined search starts from ggml's block and keeps it unless a candidate
// is strictly better by the error the optimizer measures,
// sum_j imp_j * (x_j - x'_j)^2 with the scale (and min) as stored in fp16.
// Candidates: a grid of inverse scales around the block's range, each
// followed by a least-squares fit of the scale (and min), fp16 rounding and
// re-rounding of the levels to the stored scale (two rounds). The output
// is an ordinary ggml block of the same format; the ggml-exact quantizers
// (LegacyQuants.h, Q8_0) are not changed.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_REFINEDQUANTS_H
#define LLMQ_FORMATS_QUANT_REFINEDQUANTS_H

#include "formats/Formats.h"

#include <cstdint>

namespace llmq::quant {

/// Whether `format` has a refined search (q4_0, q4_1, q5_0, q5_1, q8_0).
bool hasRefinedSearch(Format format);

/// Quantizes a row of `n` values (a multiple of 32) into `dst` in `format`
/// (hasRefinedSearch) with the refined search; `importance` (null: 1) has
/// one weight per value. Never worse than ggml's quantizer by that
/// weighted error, block by block.
void quantizeRowRefined(Format format, const float *src, void *dst, int64_t n,
                        const float *importance);

} // namespace llmq::quant

#endif // LLMQ_FORMATS_QUANT_REFINEDQUANTS_H
