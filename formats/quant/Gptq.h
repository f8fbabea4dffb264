//===- Gptq.h - GPTQ: rounding with error compensation ----------*- C++ -*-===//
//
// GPTQ (Frantar et al., 2022, "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers"): a linear layer's weight W (rows x
// cols, y = W x) is quantized column by column; the rounding error of each
// column is spread over the columns not yet quantized through the upper
// Cholesky factor U of the inverse of the layer's input Hessian
// H = 2 X^T X, so that ||W X - Q X|| rather than ||W - Q|| is minimised.
//
// As implemented here:
//   - H is accumulated in f64 (HessianAccumulator); dead columns (H_ii = 0)
//     get H_ii = 1 and a zero weight column; damping adds damp * mean(diag)
//     to the diagonal (retried at 10x, up to three times, if H is not
//     positive definite); U is computed in f64 (one Cholesky of the
//     reversed H and one triangular inverse) and kept in f32.
//   - Rows are independent (each row's errors feed only that row), so rows
//     are quantized in strips, in parallel over strips; each weight's
//     updates are applied in column order, so the result depends neither on
//     the thread count nor on the lazy-batch width `block` (updates inside a
//     block of columns are immediate, the rest of the row is updated once
//     per block).
//   - Formats: int4/int8 groups (symmetric or asymmetric, group or per
//     channel) with GroupFormats' scale and zero-point rule, and ggml's
//     q4_0, q5_0, q5_1, q8_0 and q2_K..q6_K. Without act-order, when the sweep
//     reaches a group (a ggml block: 32 values; a K-quant super-block: 256)
//     its scales (and mins) are chosen from the row as updated so far: by
//     GroupFormats' rule, or by ggml's own search (the format's quantizer,
//     with the importance as weights), each ggml block or sub-block scale
//     then chosen again when the sweep reaches it (Options::scaleSearch,
//     GptqBlocks.h); the group's values are then rounded one column at a
//     time to the nearest level of those scales, with the error fed
//     forward. The bytes are ordinary blocks or groups: their
//     dequantization is exactly the values the sweep used.
//   - act-order sweeps columns by decreasing H_ii; group formats then use
//     the "static groups" variant (AutoGPTQ's static_groups): every group's
//     scales are chosen from the original row before the sweep, so groups
//     stay contiguous runs of columns.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_GPTQ_H
#define LLMQ_FORMATS_QUANT_GPTQ_H

#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmq::gptq {

/// Runs fn(begin, end) over a partition of [0, n) (runtime::ThreadPool's
/// parallelFor, or a plain call); every result here is the same for any
/// partition.
using ParallelFor = std::function<void(
    int64_t n, const std::function<void(int64_t, int64_t)> &fn)>;

/// The default: one call over everything, on the caller's thread.
void serialFor(int64_t n, const std::function<void(int64_t, int64_t)> &fn);

/// How GPTQ chooses an int group's scale (and zero point).
enum class GroupScales {
  /// GroupFormats' rule (the exporters' round-to-nearest): the group's
  /// range, max|w| / 7 for symmetric int4.
  Max,
  /// The range shrunk by the factor (AutoGPTQ's `mse` option,
  /// llm-compressor's MSE observer) whose rounding has the least error,
  /// each column weighted by diag(H) (the importance).
  Mse,
  /// The shrink factor whose trial GPTQ sweep of the group alone (its own
  /// error compensation applied) adds the least to GPTQ's loss, sum of
  /// ((w - q) / U_jj)^2: what the sweep then really does.
  Sweep,
};

/// Damping defaults, fractions of mean(diag H) added to the diagonal: for a
/// Hessian a ggml weight reads, where refine's coordinate descent follows
/// the sweep (0.1 measured better than 0.01 on kjv-llama-5m,
/// docs/passes/gptq.md), and GPTQ's usual 1% where only int groups read it
/// (what the int4 measurements used). --llmq-gptq and --llmq-assign-bits
/// error=gptq both default to them.
inline constexpr double kGgmlDamp = 0.1;
inline constexpr double kIntDamp = 0.01;

struct Options {
  double damp = 0.01;   ///< fraction of mean(diag H) added to the diagonal
  int64_t block = 128;  ///< columns per lazy batch update
  bool actOrder = false;
  /// Without act-order: times a group's scales are chosen again from the
  /// values a trial sweep of the group rounds (the weights with the
  /// group's own compensation applied), before its real sweep.
  int refinements = 0;
  /// ggml formats without act-order: each block or sub-block scale (and
  /// min) is chosen again when the sweep reaches it, among candidates
  /// within this many steps of ggml's choice, by GPTQ's objective over its
  /// columns (GptqBlocks.h); 0 keeps ggml's choice.
  int scaleSearch = 0;
  /// int groups: how a group's scale (and zero point) is chosen from the
  /// group's current weights (see chooseIntGroup in Gptq.cpp).
  GroupScales groupScales = GroupScales::Max;
  /// int groups, with a search: shrink factors tried, 1 - i / scaleGrid for
  /// i < scaleGrid * maxShrink.
  int scaleGrid = 100;
  double maxShrink = 0.8;
  /// ggml formats: passes of coordinate descent after the sweep on GPTQ's
  /// own objective, (w - q)^T H (w - q) per row with H damped (each level
  /// +-1, each block or sub-block scale and min one step, a move kept when
  /// it lowers the objective; see refineRow in Gptq.cpp); 0: the sweep's
  /// result as it is. factorHessian keeps H for it (cols^2 floats).
  int refine = 0;
};

/// The options one layer's Hessian is factored with, from the pass's:
/// `requestedDamp` where the user gave one (>= 0), else kGgmlDamp when a
/// ggml weight reads the Hessian and kIntDamp when only int groups do;
/// `refine` only where a ggml weight reads it (its coordinate descent is the
/// one that needs H kept in the factor). --llmq-gptq and --llmq-assign-bits
/// error=gptq both factor with it, so that their bytes agree.
inline Options factorOptions(Options options, double requestedDamp,
                             bool ggmlReads) {
  options.damp = requestedDamp >= 0 ? requestedDamp
                 : ggmlReads        ? kGgmlDamp
                                    : kIntDamp;
  if (!ggmlReads)
    options.refine = 0;
  return options;
}

/// Whether GPTQ here can produce `format` (an empty string) or why not.
std::string unsupportedReason(const TensorFormat &format);

/// sum_t x_t x_t^T over a layer's inputs, f64, the upper triangle kept.
class HessianAccumulator {
public:
  explicit HessianAccumulator(int64_t cols);
  /// Adds `n` inputs of `cols` floats; rows of the sum are partitioned over
  /// `parallelFor`, each summed in input order.
  void add(const float *x, int64_t n, const ParallelFor &parallelFor);
  int64_t cols() const { return n; }
  int64_t count() const { return samples; }
  /// The full symmetric matrix (cols x cols, row-major).
  std::vector<double> matrix() const;
  /// diag(H) / count: llama-imatrix's statistic (mean squared input).
  std::vector<float> meanSquares() const;

private:
  int64_t n;
  int64_t samples = 0;
  std::vector<double> sums; ///< row-major, lower triangle unused
};

/// The inverse Hessian's upper Cholesky factor, in sweep order.
struct Factor {
  int64_t cols = 0;
  std::vector<int64_t> order; ///< sweep position -> column
  std::vector<uint8_t> dead;  ///< per column: no input ever reached it
  std::vector<float> upper;   ///< cols x cols, row-major, U[i][j] for j >= i
  double damp = 0;            ///< the damping fraction that succeeded
  /// With Options::refine: H as damped, in column order (cols x cols).
  std::vector<float> hessian;
};

/// Factors `hessian` (cols x cols, symmetric, as HessianAccumulator gives
/// it); an error says why when it is not positive definite even damped.
llvm::Expected<Factor> factorHessian(std::vector<double> hessian, int64_t cols,
                                     const Options &options,
                                     const ParallelFor &parallelFor);

/// Asymmetric calibration (GPTAQ, Li et al. 2025): the layer's quantized
/// inputs X~ (from the model whose earlier layers are quantized) differ
/// from the original model's X, and the target is the original output
/// W X. ||W X - Q X~||^2 = ||(W' - Q) X~||^2 + const for
/// W' = W + W M H~^-1, M = sum (x - x~) x~^T (cols x cols, row-major) and
/// H~ the Hessian `factor` was made from (damped), so GPTQ on W' with
/// `factor` minimises it. Replaces `weights` (rows x cols) by W'.
void correctForInputError(float *weights, int64_t rows,
                          const std::vector<double> &cross,
                          const Factor &factor,
                          const ParallelFor &parallelFor);

/// A weight quantized by GPTQ: rows x cols in `format`.
struct Quantized {
  std::vector<uint8_t> bytes; ///< ggml formats: rows x rowBytes blocks
  GroupedStrip grouped;       ///< int formats: levels, scales, zero levels
  std::vector<float> values;  ///< rows x cols: what the bytes dequantize to
};

/// Quantizes `rows` x `cols` weights (row-major f32) with `factor`.
/// `importance` (cols weights, or null) steers ggml's scale search as
/// llama.cpp's imatrix does. Strips of rows go to `parallelFor`.
Quantized quantize(const TensorFormat &format, const Factor &factor,
                   const float *weights, int64_t rows, const float *importance,
                   const Options &options, const ParallelFor &parallelFor);

/// The round-to-nearest baseline in the same terms (the exporters' rule):
/// what the format's own quantizer gives, dequantized.
std::vector<float> roundToNearest(const TensorFormat &format,
                                  const float *weights, int64_t rows,
                                  int64_t cols, const float *importance);

} // namespace llmq::gptq

#endif // LLMQ_FORMATS_QUANT_GPTQ_H
