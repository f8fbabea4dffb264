//===- KQuantsImpl.h - Blocks and shared steps of the K-quants --*- C++ -*-===//
//
// Private to the K-quant sources (KQuants*.cpp): ggml's super-block layouts,
// its nearest_int, the scalar scale searches (KQuantsSearch.cpp) and the
// per-block "finish" steps that turn the searched sub-block scales into
// bytes. The finish steps are shared by the scalar reference and by the
// vectorized quantizers, so the two can only differ in the search, and the
// search is what KQuantsTest compares on random data.
//
// Every K-quant works on super-blocks of 256 weights split into 8 or 16
// sub-blocks. Each sub-block gets its own scale (and, for the asymmetric
// q2_K/q4_K/q5_K, its own min), found by an iterative search; the sub-block
// scales are then themselves quantized against one fp16 super-block scale,
// and finally every weight is re-quantized against the scale it will really
// be decoded with.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_KQUANTSIMPL_H
#define LLMQ_FORMATS_QUANT_KQUANTSIMPL_H

#include "formats/Float.h"

#include "formats/quant/KQuantScales.h"
#include "formats/quant/QuantIsa.h"

#include <cstdint>

namespace llmq {
namespace quant {
namespace kq {

/// Weights per super-block (ggml's QK_K).
constexpr int kSuperBlock = 256;

// The block structs mirror ggml-common.h member for member. Every member has
// alignment 1 or 2 and the sizes work out without padding; the asserts pin
// that down. Rows are read and written through memcpy, so a block may sit at
// any address in a GGUF buffer.

/// q2_K: 16 sub-blocks of 16, 2-bit quants, 4-bit scale and min per
/// sub-block (low and high nibble of `scales`), fp16 d and dmin.
struct BlockQ2_K {
  uint8_t scales[16];
  uint8_t qs[64];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84, "q2_K block must match ggml's");

/// q3_K: 16 sub-blocks of 16, 3-bit signed quants (low 2 bits in qs, the
/// third in hmask), 6-bit signed sub-block scales packed into 12 bytes.
struct BlockQ3_K {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110, "q3_K block must match ggml's");

/// q4_K: 8 sub-blocks of 32, 4-bit quants, 6-bit scale and min per
/// sub-block packed into 12 bytes (see packScaleMinK4).
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ4_K) == 144, "q4_K block must match ggml's");

/// q5_K: q4_K plus a fifth bit per weight in qh.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
};
static_assert(sizeof(BlockQ5_K) == 176, "q5_K block must match ggml's");

/// q6_K: 16 sub-blocks of 16, 6-bit signed quants (low 4 bits in ql, high 2
/// in qh), int8 sub-block scales.
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210, "q6_K block must match ggml's");

/// ggml's nearest_int: adding 1.5 * 2^23 leaves round(f) (ties to even) in
/// the low mantissa bits. It is exact only for |f| <= 2^22 - 1; beyond that
/// (and for inf/NaN, which the searches can produce on degenerate input)
/// it returns whatever the bits say, and so must we, hence no lrintf.
inline int nearestInt(float f) {
  const float v = f + 12582912.0f;
  return static_cast<int>(floatBits(v) & 0x007fffffu) - 0x00400000;
}

/// ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this
/// counts as all zero.
constexpr float kGroupMaxEps = 1e-15f;

//===----------------------------------------------------------------------===//
// Scalar searches (KQuantsSearch.cpp), ggml's make_*_quants step for step.
//===----------------------------------------------------------------------===//

/// make_qx_quants with rmse_type 1: symmetric levels l in [-nmax, nmax-1],
/// stored as l + nmax in L; returns the scale. Weights are `qw`, or x^2
/// when null.
float makeQxQuants(int n, int nmax, const float *x, int8_t *L, const float *qw);
/// make_q3_quants with do_rmse: like makeQxQuants with x^2 weights but
/// refined by coordinate descent instead of a scale sweep.
float makeQ3Quants(int n, int nmax, const float *x, int8_t *L);
/// make_qkx2_quants: asymmetric levels in [0, nmax] with a min; returns the
/// scale and stores -min in *theMin.
float makeQkx2Quants(int n, int nmax, const float *x, const float *weights,
                     uint8_t *L, float *theMin, uint8_t *Laux, float rmin,
                     float rdelta, int nstep, bool useMad);
/// make_qkx3_quants with weights (the K-quants always pass them).
float makeQkx3Quants(int n, int nmax, const float *x, const float *weights,
                     uint8_t *L, float *theMin, uint8_t *Laux, float rmin,
                     float rdelta, int nstep, bool useMad);
/// make_qp_quants: non-negative levels in [0, nmax] for non-negative x
/// (the sub-block scales and mins of the imatrix paths).
float makeQpQuants(int n, int nmax, const float *x, uint8_t *L,
                   const float *qw);

//===----------------------------------------------------------------------===//
// Per-block finish steps (KQuantsFinish.cpp). Each takes the sub-block
// search results for one super-block `x` and writes the block. L holds the
// search's levels and is overwritten: sub-blocks whose decoded scale is 0
// keep the search's levels, exactly as in ggml.
//===----------------------------------------------------------------------===//

/// quantize_row_q2_K_ref after its search.
void finishQ2_K(const float *x, const float *scales, const float *mins,
                uint8_t *L, BlockQ2_K &block);
/// quantize_row_q2_K_impl after its searches (runs make_qp_quants).
void finishQ2_KWeighted(const float *x, const float *scales, const float *mins,
                        const float *sw, uint8_t *L, BlockQ2_K &block);
/// quantize_row_q3_K_ref after make_q3_quants.
void finishQ3_K(const float *x, const float *scales, int8_t *L,
                BlockQ3_K &block);
/// quantize_row_q3_K_impl after its sub-block searches.
void finishQ3_KWeighted(const float *x, const float *scales, const float *sw,
                        int8_t *L, BlockQ3_K &block);
/// quantize_row_q4_K_ref / q5_K_ref after the search; `nmax` is 15 or 31.
void finishQ45_K(const float *x, const float *scales, const float *mins,
                 int nmax, uint8_t *L, uint16_t &d, uint16_t &dmin,
                 uint8_t *packedScales);
/// quantize_row_q4_K_impl / q5_K_impl after the search. ggml clamps the
/// 6-bit levels to 63 for q5_K only (`clampLevels`); q4_K packs them as
/// make_qp_quants returned them.
void finishQ45_KWeighted(const float *x, const float *scales, const float *mins,
                         const float *sw, int nmax, bool clampLevels,
                         uint8_t *L, uint16_t &d, uint16_t &dmin,
                         uint8_t *packedScales);
/// quantize_row_q6_K_ref / _impl after the search (both finish alike).
void finishQ6_K(const float *x, const float *scales, int8_t *L,
                BlockQ6_K &block);

// The finish steps in parts, for the vectorized quantizers, which do the
// per-weight parts (re-quantization, packing) themselves:
//   finishQ45_K         = scalesQ45_K + requantizeQ45_K
//   finishQ45_KWeighted = make_qp_quants of scales and of mins
//                         + scalesQ45_KWeighted + requantizeQ45_K
//   finishQ6_K          = scalesQ6_K (false: the block is all zero, done)
//                         + requantizeQ6_K + packQ6_K

/// The fp16 super-block scales and the packed 6-bit sub-block levels.
void scalesQ45_K(const float *scales, const float *mins, uint16_t &d,
                 uint16_t &dmin, uint8_t *packedScales);
/// The same from make_qp_quants' levels Ls, Lm and scales dBlock, mBlock.
void scalesQ45_KWeighted(const uint8_t *Ls, const uint8_t *Lm, float dBlock,
                         float mBlock, bool clampLevels, uint16_t &d,
                         uint16_t &dmin, uint8_t *packedScales);
/// Every weight re-quantized to [0, nmax] against the stored scales; a
/// sub-block whose scale decodes to 0 keeps its levels in L.
void requantizeQ45_K(const float *x, int nmax, uint16_t d16, uint16_t dmin16,
                     const uint8_t *packedScales, uint8_t *L);
bool scalesQ6_K(const float *scales, BlockQ6_K &block);
void requantizeQ6_K(const float *x, const BlockQ6_K &block, int8_t *L);
void packQ6_K(const int8_t *L, BlockQ6_K &block);

/// Packs 256 4-bit levels into q4_K's qs.
void packQ4_K(const uint8_t *L, uint8_t *qs);
/// Packs 256 5-bit levels into q5_K's qs and qh.
void packQ5_K(const uint8_t *L, uint8_t *qs, uint8_t *qh);

//===----------------------------------------------------------------------===//
// Instruction set of the vectorized quantizers (KQuantsFast.cpp)
//===----------------------------------------------------------------------===//

/// The same vector code compiled three ways; all give the same bytes.
using KQuantIsa = QuantIsa;

/// The best instruction set this CPU runs (Generic off x86).
KQuantIsa bestKQuantIsa();
/// The one quantizeRow*_K use; bestKQuantIsa() unless a test changed it.
KQuantIsa currentKQuantIsa();
/// For tests, to cover every variant the CPU runs: `isa` must not be
/// better than bestKQuantIsa(). Not meant to be changed while another
/// thread quantizes (it would still be correct, only slower or faster).
void setKQuantIsa(KQuantIsa isa);

} // namespace kq
} // namespace quant
} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_KQUANTSIMPL_H
