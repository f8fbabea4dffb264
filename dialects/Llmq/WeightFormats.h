//===- WeightFormats.h - IR formats as formats/ formats ---------*- C++ -*-===//
//
// The IR spells storage formats as #llmq.format<...> (StorageFormat); the
// formats library as llmq::Format. These map one onto the other, and tell in
// which format a weight's source bytes are.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H
#define LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H

#include "dialects/Llmq/LlmqOps.h"
#include "formats/Formats.h"

namespace mlir::llmq {

/// StorageFormat lists the formats in llmq::Format's order, so the two map
/// by value; the static_assert below keeps them in step.
inline ::llmq::Format toFormat(StorageFormat format) {
  return static_cast<::llmq::Format>(static_cast<uint32_t>(format));
}

inline StorageFormat toStorageFormat(::llmq::Format format) {
  return static_cast<StorageFormat>(static_cast<uint32_t>(format));
}

static_assert(static_cast<uint32_t>(StorageFormat::iq4_xs) + 1 ==
                  ::llmq::NumFormats,
              "StorageFormat (LlmqBase.td) and llmq::Format differ");

/// The format of `weight`'s bytes in its source file.
inline ::llmq::Format sourceFormat(WeightOp weight) {
  if (StorageFormatAttr stored = weight.getSource().getStored())
    return toFormat(stored.getValue());
  Type element = weight.getTensorType().getElementType();
  if (element.isF16())
    return ::llmq::Format::F16;
  if (element.isBF16())
    return ::llmq::Format::BF16;
  return ::llmq::Format::F32;
}

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H
