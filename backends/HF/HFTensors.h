//===- HFTensors.h - A weight as Hugging Face checkpoint tensors -*- C++
//-*-===//
//
// How one weight is laid out in a checkpoint, by its output format:
//
//   f32 / f16 / bf16   NAME                        the values
//   fp8_block          MODULE.weight               F8_E4M3 [out, in]
//                      MODULE.weight_scale_inv     F32 [ceil(out/br),
//                      ceil(in/bc)] (transformers' fine-grained FP8; a
//                      multiplier)
//   int (bits, group)  MODULE.weight_packed        I32 [out, in*bits/32]
//                      MODULE.weight_scale         F32 [out, in/group or 1]
//                      MODULE.weight_zero_point    I32 [ceil(out*bits/32),
//                      groups]
//                                                  (asymmetric only, packed
//                                                  along dim 0)
//                      MODULE.weight_shape         I64 [2] = [out, in]
//                      (compressed-tensors' pack-quantized)
//
// The values come from formats/GroupFormats.h's one codec; this file only
// streams them, a strip of rows at a time, from the mapped source.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BACKENDS_HF_HFTENSORS_H
#define LLMQ_BACKENDS_HF_HFTENSORS_H

#include "backends/HF/HFNames.h"
#include "dialects/Llmq/Threading.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/TensorFormat.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq {
class SafetensorsWriter;
} // namespace llmq

namespace llmq::hf {

/// One safetensors tensor of a planned weight.
struct Component {
  std::string name;
  std::string dtype; ///< safetensors spelling
  llvm::SmallVector<int64_t, 2> shape;
  uint64_t bytes = 0;
};

/// A weight, the format it is written in and the tensors that makes.
struct PlannedTensor {
  NamedWeight named;
  TensorFormat format; ///< f32/f16/bf16, fp8 blocks or int groups
  std::vector<Component> components;

  uint64_t bytes() const;
};

/// The safetensors dtype of a float format ("F32", "F16", "BF16").
llvm::StringRef floatDType(Format format);

/// Lays `named` out in `format` (a float format or a grouped one the
/// checks of the exporter let through). Errors name the weight.
llvm::Expected<PlannedTensor> planTensor(const NamedWeight &named,
                                         const TensorFormat &format);

/// Streams planned tensors' bytes into a safetensors writer, a strip of
/// rows at a time, handing each strip's source pages back.
class TensorStreamer {
public:
  /// Converts rows on `threads` workers (the calling thread when 1).
  explicit TensorStreamer(unsigned threads);

  /// Appends every component of `t` to `out`, in plan order.
  llvm::Error write(const PlannedTensor &t, SafetensorsWriter &out);

private:
  std::unique_ptr<llvm::ThreadPoolInterface> pool;
  mlir::llmq::WeightSources sources;
};

} // namespace llmq::hf

#endif // LLMQ_BACKENDS_HF_HFTENSORS_H
