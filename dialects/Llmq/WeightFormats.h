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

inline ::llmq::Format toFormat(StorageFormat format) {
  switch (format) {
  case StorageFormat::f32:
    return ::llmq::Format::F32;
  case StorageFormat::f16:
    return ::llmq::Format::F16;
  case StorageFormat::bf16:
    return ::llmq::Format::BF16;
  case StorageFormat::q8_0:
    return ::llmq::Format::Q8_0;
  }
  llvm_unreachable("unknown StorageFormat");
}

inline StorageFormat toStorageFormat(::llmq::Format format) {
  switch (format) {
  case ::llmq::Format::F32:
    return StorageFormat::f32;
  case ::llmq::Format::F16:
    return StorageFormat::f16;
  case ::llmq::Format::BF16:
    return StorageFormat::bf16;
  case ::llmq::Format::Q8_0:
    return StorageFormat::q8_0;
  }
  llvm_unreachable("unknown Format");
}

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
