//===- RopeScaling.h - RoPE frequency scaling of a model --------*- C++ -*-===//
//
// One definition of how a model's rope_scaling changes its RoPE frequencies,
// shared by the runtime (which applies it) and the GGUF backend (which writes
// llama3's factors as the rope_freqs tensor llama.cpp reads).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_ROPESCALING_H
#define LLMQ_DIALECTS_LLMQ_ROPESCALING_H

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

#include <vector>

namespace mlir::llmq {
class ModelOp;
class RopeScalingAttr;

/// The `#llmq.rope_scaling` an importer read as `numbers` (`type` and the
/// numbers of that type, as FloatAttrs), or the verifier's reason why they
/// do not make one (no factor, a NaN, ...).
llvm::Expected<RopeScalingAttr> buildRopeScaling(MLIRContext *context,
                                                 DictionaryAttr numbers);

/// The unscaled inverse frequencies theta^(-2i/head_dim), head_dim/2 of them.
std::vector<double> ropeInverseFrequencies(ModelOp model);

/// Per frequency, what rope_scaling divides it by: 1 without scaling, the
/// factor for `linear`, and for `llama3` the factor on long wavelengths, 1 on
/// short ones and an interpolation between (transformers' rule, and the
/// values llama.cpp's converter writes as rope_freqs).
std::vector<double> ropeFrequencyDivisors(ModelOp model);

/// The inverse frequencies executors rotate by, in f32: each
/// ropeInverseFrequencies() value divided by its ropeFrequencyDivisors() one.
std::vector<float> ropeScaledInverseFrequencies(ModelOp model);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_ROPESCALING_H
