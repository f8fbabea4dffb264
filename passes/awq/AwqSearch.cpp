//===- AwqSearch.cpp - Activation-aware scale search (AWQ) ----------------===//
//
// The grid search of AutoAWQ's AwqQuantizer._search_best_scale
// (awq/quantize/quantizer.py) and llm-compressor's AWQModifier
// (_compute_best_scale), over llmq's formats.
//
//===----------------------------------------------------------------------===//

#include "passes/awq/AwqSearch.h"

#include "formats/GroupFormats.h"
#include "runtime/exec/ThreadPool.h"

#include <algorithm>
#include <cmath>

using namespace llmq;
using namespace llmq::awq;

void InputStats::add(const float *x, int64_t n, int64_t width,
                     int64_t maxSampleRows) {
  if (sumAbs.empty()) {
    cols = width;
    sumAbs.assign(width, 0.0);
  }
  for (int64_t t = 0; t < n; ++t)
    for (int64_t c = 0; c < width; ++c)
      sumAbs[c] += std::fabs(x[t * width + c]);
  count += n;
  int64_t take = std::min(n, maxSampleRows - sampleRows);
  if (take > 0) {
    sample.insert(sample.end(), x, x + take * width);
    sampleRows += take;
  }
}

std::vector<double> InputStats::meanAbs() const {
  std::vector<double> mean(sumAbs.size());
  for (size_t c = 0; c < mean.size(); ++c)
    mean[c] = count ? sumAbs[c] / count : 0.0;
  return mean;
}

TensorFormat llmq::awq::effectiveFormat(const TensorFormat &format,
                                        int64_t cols) {
  if (!format.isGgml() || format.fits(cols))
    return format;
  return TensorFormat::ggmlFormat(ggmlFallback(format.ggml, cols));
}

/// Values per quantization group along a row, for duo scaling's normalised
/// weight magnitude (AutoAWQ views the weight as groups of q_group_size).
static int64_t groupLength(const TensorFormat &format, int64_t cols) {
  switch (format.kind) {
  case FormatKind::Int:
    return format.group ? format.group : cols;
  case FormatKind::FP8Block:
    return format.blockCols;
  case FormatKind::Ggml:
    return std::max<uint32_t>(1, getFormatTraits(format.ggml).blockElems);
  }
  return cols;
}

namespace {
/// One linear's working copies for the search.
struct Work {
  const LinearToScale *linear;
  TensorFormat format;
  std::vector<float> scaled, rounded;
};
} // namespace

/// Rows per strip when quantizing in parallel: whole fp8 blocks, and
/// enough rows to be worth a task. Strips are independent, so the bytes do
/// not depend on how they are shared out.
static int64_t stripRows(const TensorFormat &format) {
  int64_t align = std::max<int64_t>(1, format.rowAlignment());
  return align * std::max<int64_t>(1, (64 + align - 1) / align);
}

/// M[i][j] = sum over the sample's rows t of a[t][i] * column(t, j), each
/// row of M by one task, summed over the sample in order (so the result
/// does not depend on the pool's threads).
template <typename Column>
static std::vector<double> sampleProducts(const float *a, int64_t sampleRows,
                                          int64_t cols,
                                          runtime::ThreadPool &pool,
                                          Column column) {
  std::vector<double> out(cols * cols, 0.0);
  pool.parallelFor(cols, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double *row = out.data() + i * cols;
      for (int64_t t = 0; t < sampleRows; ++t) {
        double ai = a[t * cols + i];
        for (int64_t j = 0; j < cols; ++j)
          row[j] += ai * column(t, j);
      }
    }
  });
  return out;
}

std::vector<double> llmq::awq::gramMatrix(const float *sample,
                                          int64_t sampleRows, int64_t cols,
                                          runtime::ThreadPool &pool) {
  return sampleProducts(sample, sampleRows, cols, pool,
                        [&](int64_t t, int64_t j) -> double {
                          return sample[t * cols + j];
                        });
}

std::vector<double> llmq::awq::crossMatrix(const float *a, const float *b,
                                           int64_t sampleRows, int64_t cols,
                                           runtime::ThreadPool &pool) {
  return sampleProducts(a, sampleRows, cols, pool,
                        [&](int64_t t, int64_t j) {
                          return static_cast<double>(a[t * cols + j]) -
                                 b[t * cols + j];
                        });
}

/// d^T G d for the `n` values of d starting at column `first` (G's block
/// of those columns).
static double quadratic(const double *gram, int64_t cols, const float *d,
                        int64_t first, int64_t n) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (d[i] == 0)
      continue;
    const double *g = gram + (first + i) * cols + first;
    double dot = 0;
    for (int64_t j = 0; j < n; ++j)
      dot += g[j] * d[j];
    sum += d[i] * dot;
  }
  return sum;
}

/// Sum of squares of (W - Q(W diag(s)) diag(s)^-1) X over the sample, as
/// the sum over rows of d^T G d with d a row of W - Q(W diag(s)) diag(s)^-1.
static double groupError(std::vector<Work> &work, int64_t cols,
                         llvm::ArrayRef<float> fullScales,
                         llvm::ArrayRef<double> gram,
                         runtime::ThreadPool &pool) {
  double total = 0;
  for (Work &w : work) {
    if (!w.linear->format)
      continue; // exact: no error
    int64_t rows = w.linear->rows;
    const float *weight = w.linear->weight;
    w.scaled.resize(rows * cols);
    w.rounded.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        w.scaled[r * cols + c] = weight[r * cols + c] * fullScales[c];
    int64_t strip = stripRows(w.format);
    int64_t strips = (rows + strip - 1) / strip;
    pool.parallelFor(strips, [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) {
        int64_t first = s * strip, count = std::min(strip, rows - first);
        roundTripRows(w.format, w.scaled.data() + first * cols, count, cols,
                      nullptr, w.rounded.data() + first * cols);
      }
    });
    std::vector<double> rowError(rows, 0.0);
    pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
      std::vector<float> diff(cols);
      for (int64_t r = begin; r < end; ++r) {
        for (int64_t c = 0; c < cols; ++c)
          diff[c] = weight[r * cols + c] -
                    w.rounded[r * cols + c] / fullScales[c];
        rowError[r] = quadratic(gram.data(), cols, diff.data(), 0, cols);
      }
    });
    for (double e : rowError)
      total += e;
  }
  return total;
}

SearchResult llmq::awq::searchScales(llvm::ArrayRef<LinearToScale> linears,
                                     int64_t cols,
                                     llvm::ArrayRef<double> meanAbs,
                                     llvm::ArrayRef<int64_t> channelOf,
                                     llvm::ArrayRef<double> gram,
                                     const SearchOptions &options,
                                     runtime::ThreadPool &pool) {
  std::vector<int64_t> map(channelOf.begin(), channelOf.end());
  if (map.empty())
    for (int64_t c = 0; c < cols; ++c)
      map.push_back(c);
  int64_t tied = 0;
  for (int64_t m : map)
    tied = std::max(tied, m + 1);

  // The statistics per tied channel: mean |x| averaged over its channels,
  // and (duo scaling) the mean over every row of the linears of |w| over
  // its quantization group's max |w|.
  std::vector<double> xMean(tied, 0.0), wMean(tied, 0.0);
  std::vector<int64_t> members(tied, 0);
  for (int64_t c = 0; c < cols; ++c) {
    xMean[map[c]] += meanAbs[c];
    ++members[map[c]];
  }
  std::vector<Work> work;
  int64_t totalRows = 0;
  for (const LinearToScale &linear : linears) {
    Work w{&linear, linear.format ? effectiveFormat(*linear.format, cols)
                                  : TensorFormat(),
           {}, {}};
    work.push_back(std::move(w));
    totalRows += linear.rows;
  }
  if (options.duoScaling) {
    for (const Work &w : work) {
      int64_t group =
          w.linear->format ? std::min(groupLength(w.format, cols), cols) : cols;
      for (int64_t r = 0; r < w.linear->rows; ++r) {
        const float *row = w.linear->weight + r * cols;
        for (int64_t g0 = 0; g0 < cols; g0 += group) {
          int64_t g1 = std::min(cols, g0 + group);
          double amax = 0;
          for (int64_t c = g0; c < g1; ++c)
            amax = std::max(amax, static_cast<double>(std::fabs(row[c])));
          for (int64_t c = g0; c < g1; ++c)
            wMean[map[c]] += std::fabs(row[c]) / (amax + 1e-6);
        }
      }
    }
  }
  for (int64_t m = 0; m < tied; ++m) {
    xMean[m] /= std::max<int64_t>(1, members[m]);
    wMean[m] /= std::max<int64_t>(1, members[m] * totalRows);
  }

  auto expand = [&](llvm::ArrayRef<float> scales) {
    std::vector<float> full(cols);
    for (int64_t c = 0; c < cols; ++c)
      full[c] = scales[map[c]];
    return full;
  };

  SearchResult result;
  result.scales.assign(tied, 1.0f);
  result.roundingError =
      groupError(work, cols, expand(result.scales), gram, pool);
  result.scaledError = result.roundingError;
  for (int64_t step = 0; step < options.grid; ++step) {
    double alpha = static_cast<double>(step) / options.grid;
    std::vector<double> s(tied);
    for (int64_t m = 0; m < tied; ++m) {
      double v = options.duoScaling
                     ? std::pow(xMean[m], alpha) /
                           (std::pow(wMean[m], 1 - alpha) + 1e-4)
                     : std::pow(xMean[m], alpha);
      s[m] = std::max(v, 1e-4);
    }
    auto [lo, hi] = std::minmax_element(s.begin(), s.end());
    double norm = std::sqrt(*lo * *hi);
    std::vector<float> scales(tied);
    // Powers of two: then w * s and the norm's (or previous rows') g / s
    // are exact in binary floating point and so is every product the folded
    // model computes from them, so without clipping it computes the
    // original's bits (awq-int4.test).
    for (int64_t m = 0; m < tied; ++m)
      scales[m] = static_cast<float>(
          options.powerOfTwo ? std::exp2(std::round(std::log2(s[m] / norm)))
                             : s[m] / norm);
    double error = groupError(work, cols, expand(scales), gram, pool);
    if (error < result.scaledError) {
      result.scaledError = error;
      result.alpha = alpha;
      result.scales = std::move(scales);
    }
  }
  return result;
}

/// Candidate `i` of a group's clipping search (ClipOptions): the group's
/// values clipped to amax (1 - i/grid) for i >= 0; for i < 0 the values are
/// kept and the first one of magnitude amax is written as amax (1 - i/grid),
/// sign kept, so that the group's range (and round-to-nearest's scale)
/// widens.
static void clipCandidate(const float *w, int64_t n, float amax, int64_t i,
                          int64_t grid, float *out) {
  float limit =
      static_cast<float>(amax * (1.0 - static_cast<double>(i) / grid));
  if (i >= 0) {
    for (int64_t c = 0; c < n; ++c)
      out[c] = std::clamp(w[c], -limit, limit);
    return;
  }
  std::copy(w, w + n, out);
  for (int64_t c = 0; c < n; ++c)
    if (std::fabs(w[c]) == amax) {
      out[c] = std::copysign(limit, w[c]);
      return;
    }
}

/// Tries every clip limit of `options` on the group `w` (n values): i = 0
/// (none), 1 .. steps (shrunk), then -1 .. -grow (grown); an all-zero group
/// only i = 0. visit(i, clipped, d) sees the clipped values and
/// d = w - round(clipped), both in the caller's buffers of n floats.
template <typename Visit>
static void forEachClipLimit(const float *w, int64_t n,
                             const TensorFormat &format,
                             const ClipOptions &options,
                             std::vector<float> &clipped,
                             std::vector<float> &d, Visit visit) {
  int64_t steps = static_cast<int64_t>(options.maxShrink * options.grid);
  int64_t grow = static_cast<int64_t>(options.maxGrow * options.grid);
  float amax = 0;
  for (int64_t c = 0; c < n; ++c)
    amax = std::max(amax, std::fabs(w[c]));
  for (int64_t k = 0; k <= steps + grow; ++k) {
    int64_t i = k <= steps ? k : steps - k; // 0 .. steps, then -1 ..
    if (amax == 0 && i != 0)
      continue;
    clipCandidate(w, n, amax, i, options.grid, clipped.data());
    roundTripRows(format, clipped.data(), 1, n, nullptr, d.data());
    for (int64_t c = 0; c < n; ++c)
      d[c] = w[c] - d[c];
    visit(i, clipped, d);
  }
}

/// The cross passes of searchClip over one row: `row` holds the clipped
/// weights the first pass chose, `original` the row before clipping. Each
/// group's clip limit is chosen again to minimise the whole row's output
/// error d^T G d (d = original - rounded, every group), the other groups
/// held; returns that error.
static double clipAcrossGroups(float *row, const float *original,
                               int64_t cols, int64_t group,
                               const TensorFormat &format,
                               llvm::ArrayRef<double> gram,
                               const ClipOptions &options,
                               llvm::ArrayRef<double> linear) {
  int64_t groups = cols / group;
  std::vector<float> d(cols), clipped(group), rounded(group), best(group),
      bestD(group);
  roundTripRows(format, row, 1, cols, nullptr, d.data());
  for (int64_t c = 0; c < cols; ++c)
    d[c] = original[c] - d[c];
  std::vector<double> cross(group);
  for (int64_t pass = 0; pass < options.crossPasses; ++pass) {
    for (int64_t g = 0; g < groups; ++g) {
      int64_t g0 = g * group;
      // cross = (G d)_g without the group's own columns.
      for (int64_t i = 0; i < group; ++i) {
        const double *gi = gram.data() + (g0 + i) * cols;
        double sum = 0;
        for (int64_t c = 0; c < cols; ++c)
          if (c < g0 || c >= g0 + group)
            sum += gi[c] * d[c];
        cross[i] = sum;
      }
      double bestError = INFINITY;
      forEachClipLimit(original + g0, group, format, options, clipped, rounded,
                       [&](int64_t, const std::vector<float> &candidate,
                           const std::vector<float> &dg) {
        double error = quadratic(gram.data(), cols, dg.data(), g0, group);
        for (int64_t c = 0; c < group; ++c)
          error += 2.0 * double(dg[c]) * cross[c];
        if (!linear.empty())
          for (int64_t c = 0; c < group; ++c)
            error -= 2.0 * double(dg[c]) * linear[g0 + c];
        if (error < bestError) {
          bestError = error;
          best = candidate;
          bestD = dg;
        }
      });
      std::copy(best.begin(), best.end(), row + g0);
      std::copy(bestD.begin(), bestD.end(), d.begin() + g0);
    }
  }
  double error = quadratic(gram.data(), cols, d.data(), 0, cols);
  if (!linear.empty())
    for (int64_t c = 0; c < cols; ++c)
      error -= 2.0 * double(d[c]) * linear[c];
  return error;
}

ClipResult llmq::awq::searchClip(float *weight, int64_t rows, int64_t cols,
                                 const TensorFormat &wanted,
                                 llvm::ArrayRef<double> gram,
                                 const ClipOptions &options,
                                 runtime::ThreadPool &pool,
                                 llvm::ArrayRef<double> cross) {
  TensorFormat format = effectiveFormat(wanted, cols);
  ClipResult result;
  if (format.kind == FormatKind::FP8Block || format.isFloat())
    return result; // blocks span rows / nothing to clip
  int64_t group = std::min(groupLength(format, cols), cols);
  int64_t groups = cols / group;
  std::vector<double> before(rows, 0.0), after(rows, 0.0);
  // Every (row, group) on its own: a group is quantized alone (a ggml
  // block, an int group), so its error is its part of the output error,
  // d^T G d over its columns (AutoAWQ's _compute_best_clip).
  // The row as it was, for the cross passes (kept per row: they compare
  // candidates against the unclipped weights).
  std::vector<float> originals;
  if (options.crossPasses > 0)
    originals.assign(weight, weight + rows * cols);
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> clipped(group), diff(group), best(group);
    std::vector<float> original;
    std::vector<double> linear;
    for (int64_t r = begin; r < end; ++r) {
      if (options.crossPasses > 0)
        original.assign(originals.begin() + r * cols,
                        originals.begin() + (r + 1) * cols);
      if (!cross.empty()) {
        // (C w) of the row before clipping.
        linear.assign(cols, 0.0);
        const float *wr = weight + r * cols;
        for (int64_t i = 0; i < cols; ++i) {
          const double *ci = cross.data() + i * cols;
          double sum = 0;
          for (int64_t j = 0; j < cols; ++j)
            sum += ci[j] * wr[j];
          linear[i] = sum;
        }
      }
      for (int64_t g = 0; g < groups; ++g) {
        float *w = weight + r * cols + g * group;
        double bestError = INFINITY;
        forEachClipLimit(w, group, format, options, clipped, diff,
                         [&](int64_t i, const std::vector<float> &candidate,
                             const std::vector<float> &diff) {
          double error =
              quadratic(gram.data(), cols, diff.data(), g * group, group);
          if (!linear.empty())
            for (int64_t c = 0; c < group; ++c)
              error -= 2.0 * double(diff[c]) * linear[g * group + c];
          if (i == 0)
            before[r] += error;
          if (error < bestError) {
            bestError = error;
            best = candidate;
          }
        });
        after[r] += bestError;
        std::copy(best.begin(), best.end(), w);
      }
      if (options.crossPasses > 0)
        after[r] = clipAcrossGroups(weight + r * cols, original.data(), cols,
                                    group, format, gram, options, linear);
    }
  });
  for (int64_t r = 0; r < rows; ++r) {
    result.roundingError += before[r];
    result.clippedError += after[r];
  }
  return result;
}
