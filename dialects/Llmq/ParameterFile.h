//===- ParameterFile.h - Derived weights in a safetensors file --*- C++ -*-===//
//
// Passes that compute new tensor bytes (GPTQ, AWQ) never put them in the IR:
// they stream them into a parameter file named by an option, as IREE's
// `iree-io-export-parameters{path=...}` does, and point each weight's source
// attribute at its tensor there, with its stored format. Every reader (the
// runtime, quant-run's simulation, the exporters) then reads the new bytes
// as it reads any imported checkpoint:
//
//   f32 / f16 / bf16   one tensor `<name>` of that dtype, rows x cols;
//   ggml block format  one U8 tensor `<name>` of rows x rowBytes, the blocks
//                      exactly as a GGUF stores them; `__metadata__` names
//                      the ggml type (`llmq.format.<name>`: "q4_K");
//   int groups         compressed-tensors' pack-quantized components:
//                      `<name>.weight_packed` I32 (levels packed 32/bits a
//                      word along the row), `<name>.weight_scale` F32
//                      (rows x groups) and, asymmetric,
//                      `<name>.weight_zero_point` I32 (packed along rows);
//   fp8 blocks         `<name>.weight` F8_E4M3 and `<name>.weight_scale_inv`
//                      F32 (one per block).
//
// The file is declared up front (names, dtypes, shapes), then each tensor's
// rows arrive in declaration order, a strip at a time: memory holds one
// strip plus, for grouped formats, one weight's scales (1/group of it). It is
// written to a temporary and renamed on commit (AtomicOutputFile), and may
// not replace any file the run reads (OutputPaths.h): the model's inputs and
// sources are protected before it is opened.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_PARAMETERFILE_H
#define LLMQ_DIALECTS_LLMQ_PARAMETERFILE_H

#include "dialects/Llmq/LlmqOps.h"
#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq {
class SafetensorsWriter;
} // namespace llmq

namespace mlir::llmq {

/// A tensor a parameter file will hold: `rows` x `cols` values of the weight
/// `name` (a key prefix, usually the weight's symbol) in `format`.
struct ParameterSpec {
  std::string name;
  ::llmq::TensorFormat format;
  int64_t rows = 1, cols = 0;
};

/// Where a written tensor is, in the terms of #llmq.source.
struct ParameterLocation {
  std::string file;   ///< absolute path
  std::string key;    ///< the values, blocks or codes
  uint64_t offset = 0; ///< absolute byte offset of `key`'s first byte
  ::llmq::TensorFormat format;
  std::string scaleKey, zeroPointKey; ///< grouped formats only
};

class ParameterFileWriter {
public:
  /// Checks every spec (a format that fits its columns, sizes by checked
  /// arithmetic, unique names), opens a temporary beside `path` (refused if
  /// `path` is a protected input) and writes the header.
  static llvm::Expected<std::unique_ptr<ParameterFileWriter>>
  create(llvm::StringRef path, std::vector<ParameterSpec> specs);
  ~ParameterFileWriter();

  /// The next rows of the current tensor, in order. A ggml format takes
  /// whole rows of blocks (rowBytes each; f32/f16/bf16 values as stored);
  /// a grouped one a strip as quantizeGrouped makes it (fp8 strips start at
  /// a multiple of the block height).
  llvm::Error writeRows(llvm::ArrayRef<uint8_t> bytes);
  llvm::Error writeStrip(const ::llmq::GroupedStrip &strip, int64_t rows);

  /// Checks that every tensor arrived whole, renames the file into place and
  /// reads its header back for the locations.
  llvm::Error commit();
  /// Tensor `i`'s location, valid after commit().
  const ParameterLocation &location(size_t i) const { return locations[i]; }
  size_t size() const { return specs.size(); }

private:
  ParameterFileWriter();
  llvm::Error fail(const llvm::Twine &message) const;
  llvm::Error finishTensor();

  std::string path;
  std::vector<ParameterSpec> specs;
  std::vector<ParameterLocation> locations;
  std::unique_ptr<::llmq::SafetensorsWriter> writer;
  size_t current = 0;      ///< the tensor whose rows arrive
  int64_t rowsWritten = 0; ///< of the current tensor
  /// The current grouped tensor's scales and zero levels, written after its
  /// codes.
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
};

/// Points `weight`'s source at `location` (file, key, offset, stored format,
/// scale and zero-point keys); a quantized format makes its element type
/// f32 (what the bytes dequantize to), a float one that float type. The
/// shape stays; the chosen format and every other attribute stay.
void repointSource(WeightOp weight, const ParameterLocation &location);

/// The models of `module` a pass writing one parameter file (`outFile`)
/// runs on. The file holds one model's tensors, named by weight: with
/// `outFile` set and a second model, a second run would replace the file
/// the first model's weights now point at, so that is an error at the
/// second model (prefixed "`pass`: ") and failure.
FailureOr<SmallVector<ModelOp>> modelsForParameterFile(ModuleOp module,
                                                       StringRef pass,
                                                       StringRef outFile);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_PARAMETERFILE_H
