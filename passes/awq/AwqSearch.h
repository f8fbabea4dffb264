//===- AwqSearch.h - Activation-aware scale search (AWQ) --------*- C++ -*-===//
//
// AWQ (Lin et al., 2023) protects the weight columns that meet large
// activations by scaling them up before quantization and the activations
// down by the same factor, where the previous operation (an RMS norm's
// weight, or the rows of the linear that produces the input) absorbs the
// division exactly. Per group of linears reading one input it searches
//
//   s = mean|x|^alpha  (duo scaling: mean|x|^alpha / mean|w~|^(1-alpha))
//
// over alpha = 0, 1/grid, ..., (grid-1)/grid, normalised to
// sqrt(max s * min s) = 1, and keeps the s minimising the group's output
// error on a sample of calibration inputs X:
//
//   sum over the group's linears W of || W X - Q(W diag(s)) diag(s)^-1 X ||^2
//
// with Q the weight's own format (formats' roundTripRows: ggml blocks with
// llama.cpp's row fallback, int groups, fp8 blocks). As AutoAWQ's
// _search_best_scale and llm-compressor's AWQModifier, except that the
// error is the linears' outputs, not the parent module's (see
// docs/passes/awq.md). No MLIR here: unit tests link it alone.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_AWQ_AWQSEARCH_H
#define LLMQ_PASSES_AWQ_AWQSEARCH_H

#include "formats/TensorFormat.h"

#include "llvm/ADT/ArrayRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace llmq::runtime {
class ThreadPool;
} // namespace llmq::runtime

namespace llmq::awq {

/// Mean |x| per input channel over every calibration token, and the first
/// `maxSampleRows` token rows, of one matmul input of one block.
struct InputStats {
  std::vector<double> sumAbs;
  int64_t count = 0, cols = 0;
  std::vector<float> sample; ///< sampleRows x cols
  int64_t sampleRows = 0;

  /// Adds n rows of `cols` floats (sums in row order: thread-independent).
  void add(const float *x, int64_t n, int64_t cols, int64_t maxSampleRows);
  std::vector<double> meanAbs() const;
};

/// A linear of a group: its rows x cols f32 weights and the format it will
/// be quantized to (none: it stays exact, only the folding applies to it).
struct LinearToScale {
  const float *weight = nullptr;
  int64_t rows = 0;
  std::optional<TensorFormat> format;
};

struct SearchOptions {
  int64_t grid = 20;
  bool duoScaling = true;
  /// Scales rounded to powers of two (the nearest in log2): w * s and g / s
  /// are then exact in binary floating point, and so is the folded model.
  bool powerOfTwo = false;
};

struct SearchResult {
  /// One scale per tied channel (see `channelOf`).
  std::vector<float> scales;
  /// The grid point kept; -1 when no point beat s = 1 (plain rounding).
  double alpha = -1;
  /// The group's output error (sum of squares over the sample) with plain
  /// rounding and with the scales kept.
  double roundingError = 0, scaledError = 0;
};

/// X^T X of a sample of sampleRows x cols inputs (cols x cols, double):
/// the output error of a weight change D is then the sum over D's rows d
/// of d^T G d, without running the sample through the linears.
std::vector<double> gramMatrix(const float *sample, int64_t sampleRows,
                               int64_t cols, runtime::ThreadPool &pool);

/// sum over the sample of a_t (a_t - b_t)^T (cols x cols, double), for
/// samples a and b of the same tokens: with a the inputs of the model whose
/// earlier layers are quantized and b the original model's, the output
/// error (q - w)^T a_t + w^T (a_t - b_t) of a row w rounded to q has the
/// cross term -2 d^T (C w), d = w - q (searchClip's `cross`).
std::vector<double> crossMatrix(const float *a, const float *b,
                                int64_t sampleRows, int64_t cols,
                                runtime::ThreadPool &pool);

/// Searches a group's scales. The linears read `cols` input channels;
/// channel c takes scale number channelOf[c] (empty: c itself), so that
/// channels which must share a scale do (GQA: the attention output's
/// channels of the query heads that read one kv head's values). `meanAbs`
/// has cols values; `gram` is gramMatrix() of the sample. The result is
/// the same at any thread count.
SearchResult searchScales(llvm::ArrayRef<LinearToScale> linears, int64_t cols,
                          llvm::ArrayRef<double> meanAbs,
                          llvm::ArrayRef<int64_t> channelOf,
                          llvm::ArrayRef<double> gram,
                          const SearchOptions &options,
                          runtime::ThreadPool &pool);

struct ClipOptions {
  int64_t grid = 20;
  double maxShrink = 0.5;
  /// Candidates above the group's range too: max|w| (1 + i/grid), i = 1 ..
  /// maxGrow*grid. The group's largest value is then written as that limit
  /// (sign kept), so that round-to-nearest takes the wider scale; the other
  /// values are unchanged.
  double maxGrow = 0;
  /// Passes over a row's groups after the first, in which each group's
  /// clip is chosen again with the other groups' current errors counted
  /// (the cross terms 2 d_g^T G_gh d_h of the row's output error), so that
  /// groups can compensate one another's rounding.
  int64_t crossPasses = 0;
};
struct ClipResult {
  double roundingError = 0, clippedError = 0;
};

/// AWQ's clipping search (AutoAWQ's _search_best_clip): per row and
/// quantization group (an int group, a ggml block; fp8 blocks and float
/// formats are left alone) the weights are clipped to
/// max|w| * (1 - i/grid), i = -maxGrow*grid .. maxShrink*grid (see
/// ClipOptions::maxGrow for the limits above max|w|), whichever gives the
/// least output error d^T G d of the group after rounding to `format`.
/// `weight` (rows x cols, as it will be quantized) is clipped in place;
/// `gram` is that of its inputs as they will be (already scaled).
/// With `cross` (crossMatrix(), cols x cols; empty: none) each candidate's
/// error has the term -2 d^T (C w)_g too: the group's rounding is then
/// judged against the original model's outputs on the inputs the earlier
/// quantized layers give (`gram` of those inputs).
ClipResult searchClip(float *weight, int64_t rows, int64_t cols,
                      const TensorFormat &format, llvm::ArrayRef<double> gram,
                      const ClipOptions &options, runtime::ThreadPool &pool,
                      llvm::ArrayRef<double> cross = {});

/// The format a weight of `cols` columns is really stored in: a ggml format
/// whose blocks do not split its rows takes llama.cpp's fallback, as the
/// exporters and the runtime's simulation do.
TensorFormat effectiveFormat(const TensorFormat &format, int64_t cols);

} // namespace llmq::awq

#endif // LLMQ_PASSES_AWQ_AWQSEARCH_H
