//===- MagnitudeHistogram.h - Weights counted by octave of |w| --*- C++ -*-===//
//
// The distribution --llmq-weight-stats records for each weight (the
// `log2_histogram` entry of `llmq.stats`) and --llmq-report draws per tensor
// family. Bins are octaves of the magnitude, [2^e, 2^(e+1)), because weights
// span many orders of magnitude and what decides a quantizer's fate is the
// range between the bulk and the outliers, not the bulk's shape. Octaves are
// the same for every tensor, so histograms of a family add up bin by bin.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_MAGNITUDEHISTOGRAM_H
#define LLMQ_DIALECTS_LLMQ_MAGNITUDEHISTOGRAM_H

#include <cmath>
#include <cstdint>

namespace llmq {

/// Bin 0 counts exact zeros; bin 1 + (e - kLowestOctave) counts |w| in
/// [2^e, 2^(e+1)) for e in [kLowestOctave, kHighestOctave]. Smaller
/// magnitudes (subnormal-like) fall into the lowest octave, larger ones,
/// infinities and NaNs into the highest.
constexpr int kLowestOctave = -32;
constexpr int kHighestOctave = 15;
constexpr int kMagnitudeBins = 1 + kHighestOctave - kLowestOctave + 1;

/// The bin of `w`.
inline int magnitudeBin(double w) {
  if (w == 0)
    return 0;
  double magnitude = std::fabs(w);
  if (!std::isfinite(magnitude))
    return kMagnitudeBins - 1;
  int e = std::ilogb(magnitude); // floor(log2 |w|), exact
  if (e < kLowestOctave)
    e = kLowestOctave;
  if (e > kHighestOctave)
    e = kHighestOctave;
  return 1 + (e - kLowestOctave);
}

/// The octave a non-zero bin counts (bin >= 1).
constexpr int octaveOfBin(int bin) { return bin - 1 + kLowestOctave; }

} // namespace llmq

#endif // LLMQ_DIALECTS_LLMQ_MAGNITUDEHISTOGRAM_H
