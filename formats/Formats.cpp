//===- Formats.cpp - The storage format registry --------------------------===//
//
// One row per Format, in enum order, so getFormatTraits is an index. The
// ggml type ids are ggml's `enum ggml_type` values, which GGUF files store
// verbatim; they are fixed by the file format and never renumbered.
//
//===----------------------------------------------------------------------===//

#include "formats/Formats.h"
#include "formats/quant/QuantKernels.h"

#include <cassert>
#include <iterator>

using namespace llmq;

namespace {

constexpr FormatTraits Registry[] = {
    // format       name    ggml blkElems blkBytes quantize / dequantize
    {Format::F32, "f32", 0, 1, 4, quant::quantizeRowF32,
     quant::dequantizeRowF32},
    {Format::F16, "f16", 1, 1, 2, quant::quantizeRowF16,
     quant::dequantizeRowF16},
    {Format::BF16, "bf16", 30, 1, 2, quant::quantizeRowBF16,
     quant::dequantizeRowBF16},
    {Format::Q8_0, "q8_0", 8, 32, 34, quant::quantizeRowQ8_0,
     quant::dequantizeRowQ8_0},
};

/// True when row i of the registry describes Format(i).
constexpr bool registryIsInEnumOrder() {
  for (size_t i = 0; i < std::size(Registry); ++i)
    if (static_cast<size_t>(Registry[i].format) != i)
      return false;
  return true;
}
static_assert(registryIsInEnumOrder(),
              "Registry rows must be listed in Format enum order");
static_assert(std::size(Registry) == NumFormats,
              "one registry row per Format value");

} // namespace

const FormatTraits &llmq::getFormatTraits(Format format) {
  const auto index = static_cast<size_t>(format);
  assert(index < std::size(Registry) && "Format without a registry row");
  return Registry[index];
}

std::optional<Format> llmq::lookupFormat(llvm::StringRef name) {
  for (const FormatTraits &traits : Registry)
    if (traits.name == name)
      return traits.format;
  return std::nullopt;
}
