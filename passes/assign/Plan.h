//===- Plan.h - The formats a preset, type= or tensor-type= gives -*- C++ -*-===//
//
// --llmq-assign-bits without a budget: `preset=` (llama.cpp's rules for a
// file type, or FP8 blocks / int4 groups on every quantizable matrix),
// `type=` (one format everywhere, llama-quantize --pure) and the
// `tensor-type=REGEX=FORMAT` overrides, over plain descriptions of the
// weights; and the bytes a format takes. No MLIR: the pass hands in the
// weights and writes back the formats. See docs/passes/assign-bits.md.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_PLAN_H
#define LLMQ_PASSES_ASSIGN_PLAN_H

#include "formats/TensorFormat.h"
#include "passes/PassOptions.h"
#include "passes/assign/LlamaCppTypes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Regex.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::llmq::assign {

/// One weight as the plan sees it.
struct Tensor {
  std::string symbol;                 ///< the llmq.weight symbol
  std::string name;                   ///< its GGUF name (ggufName)
  llvm::SmallVector<int64_t, 2> shape; ///< HF order: the rows last
  ::llmq::TensorFormat source;        ///< the format of its stored bytes
};

/// An error about one weight, `tensors[index]`: the pass reports it at that
/// weight's op.
class TensorError : public llvm::ErrorInfo<TensorError> {
public:
  static char ID;
  TensorError(size_t index, std::string message)
      : index(index), message(std::move(message)) {}
  size_t index;
  std::string message;
  void log(llvm::raw_ostream &os) const override { os << message; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
};

/// What `preset=` or `type=` asks for: llama.cpp's rules for a file type, or
/// one format on every quantizable matrix.
struct Plan {
  std::optional<llamacpp::FileType> fileType; ///< a llama.cpp preset
  ::llmq::TensorFormat uniform;               ///< otherwise: the one format
  std::string option; ///< "preset=q4_k_m", "type=int4_g128"
  /// llama.cpp's world: never-quantized tensors get f32 and the output and
  /// embeddings are quantized. Otherwise (FP8 blocks, integer groups) they
  /// keep their source format.
  bool ggml() const { return fileType || uniform.isGgml(); }
};

/// The plan of `preset` (not None).
Plan presetPlan(AssignBitsPreset preset);

/// The plan of `type=typeName`, or nullopt when it names no format.
std::optional<Plan> uniformPlan(llvm::StringRef typeName);

/// The examples of format names diagnostics list.
extern const char *const kFormatExamples;

/// The `tensor-type=REGEX=FORMAT` overrides, as llama-quantize's
/// --tensor-type: the first pattern found (case-insensitive) in a GGUF name
/// wins.
class Overrides {
public:
  struct Override {
    std::string spec; ///< as given, for diagnostics
    /// Shared so the pass stays copyable (llvm::Regex is not).
    std::shared_ptr<llvm::Regex> regex;
    ::llmq::TensorFormat format;
    bool used = false;
  };

  /// Compiles every spec (split at the last '=': no format name has one);
  /// an error names the spec ("tensor-type 'x' is not REGEX=FORMAT").
  static llvm::Expected<Overrides> parse(llvm::ArrayRef<std::string> specs);

  /// The first override whose pattern is found in `ggufName`, marked used.
  Override *match(llvm::StringRef ggufName);

  /// The specs that matched no weight so far.
  std::vector<std::string> unused() const;

private:
  std::vector<Override> overrides;
};

/// Counts of what a plan did, for the pass's statistics.
struct PlanCounts {
  uint64_t quantized = 0, overridden = 0, fallbacks = 0;
};

/// The bytes of a tensor of `shape` stored as `format`, every tensor of it
/// (codes, scales, zero points) counted; nullopt when they overflow.
std::optional<uint64_t> tensorBytes(llvm::ArrayRef<int64_t> shape,
                                    const ::llmq::TensorFormat &format);

/// Why a matrix with rows of `cols` values cannot be stored as integer
/// format `format` ("" when it can).
std::string intMisfit(const ::llmq::TensorFormat &format, int64_t cols);

/// `format` for `tensors[index]`: a ggml type through llama.cpp's row
/// fallback (counted in `qs`); FP8 blocks always; an integer format only
/// when its groups and packing split a row, else a TensorError naming the
/// weight and `origin`, the option that asked for it.
llvm::Expected<::llmq::TensorFormat>
fitFormat(llamacpp::QuantizeState &qs, const ::llmq::TensorFormat &format,
          llvm::ArrayRef<Tensor> tensors, size_t index, llvm::StringRef origin);

/// What llama.cpp's counters need to know about the model.
struct ModelFacts {
  std::string arch;
  int64_t numLayers = 0, numHeads = 0, numKvHeads = 0;
  bool hasImatrix = false;
};

/// The format of every tensor under `plan` and the overrides, in the order
/// of `tensors` (which is free: llama.cpp's order is restored inside).
llvm::Expected<std::vector<::llmq::TensorFormat>>
applyPlan(const Plan &plan, const ModelFacts &model,
          llvm::ArrayRef<Tensor> tensors, Overrides &overrides,
          PlanCounts &counts);

/// The size of a model whose tensors take `formats`.
struct Totals {
  uint64_t bytes = 0, elements = 0;
  /// Bits per weight over all tensors.
  double bpw() const {
    return elements ? 8.0 * static_cast<double>(bytes) /
                          static_cast<double>(elements)
                    : 0.0;
  }
};

/// The totals of `tensors` stored as `formats`; a TensorError names the
/// tensor at which they overflow.
llvm::Expected<Totals> totals(llvm::ArrayRef<Tensor> tensors,
                              llvm::ArrayRef<::llmq::TensorFormat> formats);

/// "16x48".
std::string shapeText(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_PLAN_H
