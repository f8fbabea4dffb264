//===- Formats.cpp - The storage format registry --------------------------===//
//
// One row per Format, in enum order, so getFormatTraits is an index. The
// ggml type ids are ggml's `enum ggml_type` values, which GGUF files store
// verbatim; they are fixed by the file format and never renumbered.
//
//===----------------------------------------------------------------------===//

#include "formats/Formats.h"
#include "formats/quant/IQ4.h"
#include "formats/quant/KQuants.h"
#include "formats/quant/LegacyQuants.h"
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
    {Format::Q4_0, "q4_0", 2, 32, 18, quant::quantizeRowQ4_0,
     quant::dequantizeRowQ4_0},
    {Format::Q4_1, "q4_1", 3, 32, 20, quant::quantizeRowQ4_1,
     quant::dequantizeRowQ4_1},
    {Format::Q5_0, "q5_0", 6, 32, 22, quant::quantizeRowQ5_0,
     quant::dequantizeRowQ5_0},
    {Format::Q5_1, "q5_1", 7, 32, 24, quant::quantizeRowQ5_1,
     quant::dequantizeRowQ5_1},
    {Format::Q2_K, "q2_K", 10, 256, 84, quant::quantizeRowQ2_K,
     quant::dequantizeRowQ2_K},
    {Format::Q3_K, "q3_K", 11, 256, 110, quant::quantizeRowQ3_K,
     quant::dequantizeRowQ3_K},
    {Format::Q4_K, "q4_K", 12, 256, 144, quant::quantizeRowQ4_K,
     quant::dequantizeRowQ4_K},
    {Format::Q5_K, "q5_K", 13, 256, 176, quant::quantizeRowQ5_K,
     quant::dequantizeRowQ5_K},
    {Format::Q6_K, "q6_K", 14, 256, 210, quant::quantizeRowQ6_K,
     quant::dequantizeRowQ6_K},
    {Format::IQ4_NL, "iq4_nl", 20, 32, 18, quant::quantizeRowIQ4_NL,
     quant::dequantizeRowIQ4_NL},
    {Format::IQ4_XS, "iq4_xs", 23, 256, 136, quant::quantizeRowIQ4_XS,
     quant::dequantizeRowIQ4_XS},
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
