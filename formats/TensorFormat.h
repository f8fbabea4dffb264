//===- TensorFormat.h - Any format a weight tensor is stored in -*- C++ -*-===//
//
// A weight is stored either in one of ggml's row formats (Formats.h: every
// row self-contained) or in a tensor-level group format (GroupFormats.h:
// codes plus separate scale tensors whose blocks may span rows). Artifacts
// that shard weights need both, under one name per format.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_TENSORFORMAT_H
#define LLMQ_FORMATS_TENSORFORMAT_H

#include "formats/Formats.h"

#include <string>

namespace llmq {

enum class GroupFormat : uint8_t {
  None,        ///< a ggml row format
  FP8Block,    ///< FP8 e4m3, one scale per 128x128 block
  Int8Channel, ///< int8, one scale per row
  Int4G128,    ///< int4 symmetric, one scale per 128 values of a row
};

struct TensorFormat {
  Format row = Format::F32; ///< meaningful when group == None
  GroupFormat group = GroupFormat::None;

  static TensorFormat rowFormat(Format f) { return {f, GroupFormat::None}; }
  static TensorFormat grouped(GroupFormat g) { return {Format::F32, g}; }

  bool isGrouped() const { return group != GroupFormat::None; }
  bool operator==(const TensorFormat &o) const {
    return row == o.row && group == o.group;
  }

  /// "bf16", "q8_0", "fp8_block", "int8", "int4_g128".
  std::string name() const {
    switch (group) {
    case GroupFormat::None: return getFormatTraits(row).name.str();
    case GroupFormat::FP8Block: return "fp8_block";
    case GroupFormat::Int8Channel: return "int8";
    case GroupFormat::Int4G128: return "int4_g128";
    }
    return "";
  }

  /// Accepts name()'s spellings and, for the group formats, the command-line
  /// ones with '-' ("fp8-block", "int4-g128").
  static std::optional<TensorFormat> parse(llvm::StringRef text) {
    if (text == "fp8_block" || text == "fp8-block")
      return grouped(GroupFormat::FP8Block);
    if (text == "int8")
      return grouped(GroupFormat::Int8Channel);
    if (text == "int4_g128" || text == "int4-g128")
      return grouped(GroupFormat::Int4G128);
    if (std::optional<Format> f = lookupFormat(text))
      return rowFormat(*f);
    return std::nullopt;
  }

  /// The block edge that shard boundaries must respect: rows and columns for
  /// fp8_block (128), columns only for int4_g128 (128) and the ggml formats
  /// (their block length), nothing for int8 (per-row scales are kept whole).
  int64_t rowAlignment() const {
    return group == GroupFormat::FP8Block ? 128 : 1;
  }
  int64_t colAlignment() const {
    switch (group) {
    case GroupFormat::None: return getFormatTraits(row).blockElems;
    case GroupFormat::FP8Block:
    case GroupFormat::Int4G128: return 128;
    case GroupFormat::Int8Channel: return 1;
    }
    return 1;
  }
};

} // namespace llmq

#endif // LLMQ_FORMATS_TENSORFORMAT_H
