//===- WeightSources.h - A weight's bytes in its mapped source --*- C++ -*-===//
//
// Everything that reads weights (the runtime, the analysis passes, the
// backends) resolves a llmq.weight the same way: map its source file once,
// read its tensor table once (the safetensors header or the GGUF tensor
// infos), look the weight's key up in it, and refuse a weight whose bytes
// (at the source offset, in its source format, sized by checked arithmetic)
// do not lie inside that tensor's own extent, naming file, key and weight.
//
// A weight stored in a grouped format (fp8 blocks, int groups: a Hugging Face
// FP8 or compressed-tensors checkpoint) is its code tensor plus scale (and
// zero-point) tensors in the same file. Resolving it also checks their
// dtypes, shapes and extents, converts the scales to f32 and unpacks the zero
// points into levels (1/group of the weight, kept by WeightSources), and
// hands readers a GroupedView over the mapped codes.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H
#define LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H

#include "formats/Formats.h"
#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <vector>

namespace llmq {
class MappedFile;
} // namespace llmq

namespace mlir::llmq {
class WeightOp;

/// A weight's bytes: rows x cols in `format`, rows of `rowBytes` bytes (a
/// vector is one row). For a grouped source `grouped` is set, `data` and
/// `rowBytes` are its codes', and `format` is F32 (what rows dequantize to).
struct SourceTensor {
  const ::llmq::MappedFile *file = nullptr;
  uint64_t offset = 0; ///< of the first byte in `file`
  const uint8_t *data = nullptr;
  ::llmq::Format format = ::llmq::Format::F32;
  int64_t rows = 1, cols = 0;
  uint64_t rowBytes = 0;
  /// The format of the source bytes (ggml `format`, or a grouped one).
  ::llmq::TensorFormat stored;
  /// Set for a grouped format: codes, f32 scales and zero levels; owned by
  /// the WeightSources that resolved it.
  const ::llmq::GroupedView *grouped = nullptr;

  /// Row `r` as f32 into `out` (cols floats), in either kind of format.
  void dequantizeRow(int64_t r, float *out) const;
};

/// Maps each source file once, for as long as it lives.
class WeightSources {
public:
  WeightSources();
  ~WeightSources();
  llvm::Expected<SourceTensor> resolve(WeightOp weight);
  /// Frees the f32 scales and zero levels of a grouped `tensor` (a no-op for
  /// others): readers that stream weight by weight call it when done, so
  /// their memory does not grow with the model. `tensor.grouped` dangles
  /// afterwards; resolving the weight again converts them again.
  void release(const SourceTensor &tensor);
  /// The weight's values as f32, `rows` x `cols` (a vector is one row), for
  /// a pass that needs a whole tensor at once; its source pages and grouped
  /// scales are handed back afterwards, so memory holds one such copy.
  llvm::Expected<std::vector<float>> readFloats(WeightOp weight, int64_t &rows,
                                                int64_t &cols);

  /// A mapped source file and the byte extent of each tensor in it.
  struct File;

private:
  llvm::Expected<File *> open(llvm::StringRef path);

  /// A grouped weight's scales and zero points in readers' form.
  struct Grouped;
  llvm::Expected<const ::llmq::GroupedView *>
  resolveGrouped(WeightOp weight, File &file, const SourceTensor &t);

  llvm::StringMap<std::unique_ptr<File>> files;
  /// By "file\0key\0offset\0format": each grouped source converted once.
  llvm::StringMap<std::unique_ptr<Grouped>> grouped;
};

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_WEIGHTSOURCES_H
