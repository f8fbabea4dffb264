//===- GgmlActivations.h - Activations as ggml's CPU backend sees them -*- C++ -*-===//
//
// ggml's CPU matrix product does not multiply f32 activations with the
// weights: it first converts each activation row to the weight type's
// vec_dot_type (q8_K for the K-quants and iq4_xs, q8_0 / q8_1 for the 32-
// element formats, f16 or bf16 for those float weights) and takes an integer
// or half-precision dot product. Rounding the runtime's activations the same
// way before its f32 product reproduces that error, so the runtime predicts
// llama.cpp's tokens on quantized files (quant-run --ggml-activations) rather
// than the exact f32 result. For q4_K and q8_0 weights the runtime then
// multiplies integer codes as ggml does (QuantMatmul.h, arch/QuantDot.h);
// for the other formats an f32 product over the rounded values follows, in
// its own order. Either way the emulation is of the activation rounding, not
// of ggml's float summation order bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_GGMLACTIVATIONS_H
#define LLMQ_RUNTIME_EXEC_GGMLACTIVATIONS_H

#include "formats/Formats.h"

namespace llmq::runtime {

/// Whether ggml rounds activations before multiplying by `weight`.
bool ggmlRoundsActivations(Format weight);

/// Rounds `row` (cols floats) in place as ggml's vec_dot_type of `weight`
/// would store it.
void roundActivationsLikeGgml(Format weight, float *row, int64_t cols);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_GGMLACTIVATIONS_H
