//===- WeightFormats.h - The formats of a weight's bytes --------*- C++ -*-===//
//
// The IR spells storage formats as #llmq.format<...> (FormatAttr), whose
// value is the formats library's llmq::TensorFormat. A weight has two: the
// format its source bytes are in, and the one a pass chose for its output.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H
#define LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H

#include "dialects/Llmq/LlmqOps.h"
#include "formats/TensorFormat.h"

#include <optional>

namespace mlir::llmq {

/// The format of `weight`'s bytes in its source file: `stored`, else the
/// float format of its element type.
inline ::llmq::TensorFormat sourceFormat(WeightOp weight) {
  if (FormatAttr stored = weight.getSource().getStored())
    return stored.getValue();
  Type element = weight.getTensorType().getElementType();
  if (element.isF16())
    return ::llmq::TensorFormat::ggmlFormat(::llmq::Format::F16);
  if (element.isBF16())
    return ::llmq::TensorFormat::ggmlFormat(::llmq::Format::BF16);
  return ::llmq::TensorFormat::ggmlFormat(::llmq::Format::F32);
}

/// The format a pass chose for `weight`, if any.
inline std::optional<::llmq::TensorFormat> chosenFormat(WeightOp weight) {
  if (FormatAttr format = weight.getFormatAttr())
    return format.getValue();
  return std::nullopt;
}

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_WEIGHTFORMATS_H
