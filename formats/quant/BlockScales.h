//===- BlockScales.h - The f16 scales inside ggml blocks --------*- C++ -*-===//
//
// Every ggml block format llmq writes dequantizes as
//   w = d * a + dmin * b
// per block: d is the block's (super-block's) f16 scale, dmin its f16 min
// scale where the format has one (q4_1, q5_1, q2_K, q4_K, q5_K), and a, b
// depend only on the block's integer levels and sub-block scales. So a
// block's values move continuously with (d, dmin) while its integers stay
// put: what end-to-end scale tuning changes, writing ordinary blocks.
// This table says where the two fields are; a and b come from the format's
// own dequantizer with the fields set to (1, 0) and (0, 1).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_QUANT_BLOCKSCALES_H
#define LLMQ_FORMATS_QUANT_BLOCKSCALES_H

#include "formats/Formats.h"

#include <cstdint>
#include <optional>

namespace llmq {

struct BlockScaleFields {
  /// Byte offsets of the f16 fields in a block; minOffset -1: no min.
  int64_t scaleOffset, minOffset;
  bool hasMin() const { return minOffset >= 0; }
};

/// Where `format`'s block keeps d (and dmin); none for float formats.
std::optional<BlockScaleFields> blockScaleFields(Format format);

/// d and dmin of `block` as f32 (dmin 0 without a min field).
void readBlockScales(Format format, const uint8_t *block, float &scale,
                     float &min);
/// Stores d and dmin (rounded to f16) into `block`.
void writeBlockScales(Format format, uint8_t *block, float scale, float min);

/// The block's a and b (blockElems floats each; b zero without a min).
void blockBasis(Format format, const uint8_t *block, float *a, float *b);

} // namespace llmq

#endif // LLMQ_FORMATS_QUANT_BLOCKSCALES_H
