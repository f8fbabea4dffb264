//===- Kernels.h - CPU kernels of the reference runtime ---------*- C++ -*-===//
//
// Plain f32 kernels. Weights stay in their stored format (f32, f16, bf16 or a
// ggml block format) and are dequantized one row at a time; activations are
// f32. Each output element is computed by one thread in a fixed order.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_KERNELS_H
#define LLMQ_RUNTIME_EXEC_KERNELS_H

#include "formats/Formats.h"
#include "formats/GroupFormats.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace llmq::runtime {
class ThreadPool;

/// Allocates on 64-byte (cache line) boundaries, so that the kernels' 16-float
/// loads of activation and weight rows (whole multiples of 16 floats in real
/// models) never straddle two lines.
template <typename T> struct CacheLineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheLineAllocator() = default;
  template <typename U> CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(size_t n) {
    return static_cast<T *>(::operator new(n * sizeof(T), kAlignment));
  }
  void deallocate(T *p, size_t) { ::operator delete(p, kAlignment); }
  template <typename U> bool operator==(const CacheLineAllocator<U> &) const {
    return true;
  }
  template <typename U> bool operator!=(const CacheLineAllocator<U> &) const {
    return false;
  }
};
/// Activations and caches the kernels read.
using FloatBuffer = std::vector<float, CacheLineAllocator<float>>;

/// A matrix (or vector, rows = 1) as stored in a mapped file.
struct WeightView {
  const uint8_t *data = nullptr;
  Format format = Format::F32;
  int64_t rows = 0, cols = 0;
  /// Set for a grouped format (fp8 blocks, int groups): rows come from it,
  /// and `data` points at its codes.
  const GroupedView *grouped = nullptr;
  /// Round each activation row as ggml's CPU backend does before its dot
  /// product with this format (GgmlActivations.h).
  bool ggmlActivations = false;

  explicit operator bool() const { return data != nullptr; }
  /// Bytes of one stored row of a ggml format.
  size_t rowBytes() const { return llmq::rowBytes(format, cols); }
  /// Row `r` as f32 into `out` (cols floats).
  void dequantizeRow(int64_t r, float *out) const;
  /// The whole tensor as f32 (for vectors and small tensors).
  std::vector<float> toFloat() const;
};

/// out[t][r] = sum_c x[t][c] * w[r][c] for t < n, r < w.rows.
void matmul(const WeightView &w, const float *x, int64_t n, float *out,
            ThreadPool &pool);

/// RMS norm of each of n rows of `dim` floats, in place: x * w / rms(x).
void rmsNorm(float *x, int64_t n, int64_t dim, const float *weight,
             float eps);

/// silu(gate) * up, elementwise into gate.
void siluMul(float *gate, const float *up, int64_t count);

/// Rotary embedding, in place, of n tokens of `heads` heads of `dim` floats
/// at positions first, first + 1, ...; pairs (2i, 2i+1) when `interleaved`,
/// else (i, i + dim/2). `inverse` rotates by minus each angle: the
/// transpose, which carries gradients back through the rotation.
void applyRope(float *x, int64_t n, int64_t heads, int64_t dim,
               int64_t first, const float *invFreq, bool interleaved,
               bool inverse = false);

/// What the logit-mask pass leaves for executors, applied in this order:
/// logits of `scaled` ids times `scale` (amplification folded into the LM
/// head), `bias` added to those of `biased` ids, `banned` ids set to -inf.
struct LogitMask {
  llvm::ArrayRef<int64_t> scaled;
  float scale = 1.0f;
  llvm::ArrayRef<int64_t> biased;
  float bias = 0.0f;
  llvm::ArrayRef<int64_t> banned;
};
/// Applies `mask` to `rows` rows of `vocab` logits.
void applyLogitMask(const LogitMask &mask, float *logits, int64_t rows,
                    int64_t vocab);

struct AttentionShape {
  int64_t numHeads, numKVHeads, headDim;
  int64_t slidingWindow; ///< 0: every earlier position
  /// Queries and keys hold their rotary pairs as (i, i + headDim/2): their
  /// scores are summed over the dimensions in pair order 0, headDim/2, 1,
  /// headDim/2 + 1, ..., the order in which a layout of interleaved pairs
  /// (2i, 2i + 1: the same model with GGUF's permuted Q/K rows) sums them,
  /// so that both layouts give the same bits.
  bool halfSplitPairs = false;
};
/// Causal attention of n queries (n x numHeads x headDim) at positions
/// first, first + 1, ... over cached keys and values ([position][numKVHeads x
/// headDim], holding at least first + n positions) into `out`.
void attention(const AttentionShape &shape, const float *q, int64_t n,
               int64_t first, const float *keys, const float *values,
               float *out, ThreadPool &pool);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_KERNELS_H
