//===- PassOptions.h - The enum option types of llmq's passes ---*- C++ -*-===//
//
// Options that take one of a few words (`mode=`, `by=`, `preset=`) are enums
// parsed by llvm::cl (`llvm::cl::values` in Passes.td), as upstream passes'
// are: a bad value is refused by the pipeline parser, naming the option and
// the value, and --help lists the words.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_PASSOPTIONS_H
#define LLMQ_PASSES_PASSOPTIONS_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::llmq {

/// --llmq-assign-bits preset=: a llama.cpp file type, or one format on
/// every quantizable matrix (fp8: FP8 e4m3 in 128x128 blocks, w4a16: int4
/// in symmetric groups of 128). None: another mode chooses.
enum class AssignBitsPreset {
  None,
  Q2_K,
  Q3_K_S,
  Q3_K_M,
  Q3_K_L,
  Q4_0,
  Q4_K_S,
  Q4_K_M,
  Q5_K_S,
  Q5_K_M,
  Q6_K,
  Q8_0,
  FP8,
  W4A16,
};

/// --llmq-drop-layers by=: how count= / keep= pick the blocks.
enum class DropLayersBy { None, Influence, Uniform };

/// --llmq-logit-mask mode=: how amplified logits change.
enum class LogitMaskMode { Scale, Add };

/// --llmq-super-weights mode=: which scorer finds the super weights.
enum class SuperWeightsMode { Contribution, Activation, WeightOnly };

/// llvm::cl::parser<T> of an enum, with the value's name matched regardless
/// of case (llama-quantize writes its file types Q4_K_M). The same members
/// as llvm::cl's generic parser, which MLIR's pass options rely on.
template <typename T>
class CaseInsensitiveEnumParser : public llvm::cl::generic_parser_base {
protected:
  class OptionInfo : public GenericOptionInfo {
  public:
    OptionInfo(llvm::StringRef name, T v, llvm::StringRef helpStr)
        : GenericOptionInfo(name, helpStr), V(v) {}
    llvm::cl::OptionValue<T> V;
  };
  llvm::SmallVector<OptionInfo, 16> Values;

public:
  CaseInsensitiveEnumParser(llvm::cl::Option &o) : generic_parser_base(o) {}
  using parser_data_type = T;

  unsigned getNumOptions() const override { return Values.size(); }
  llvm::StringRef getOption(unsigned n) const override {
    return Values[n].Name;
  }
  llvm::StringRef getDescription(unsigned n) const override {
    return Values[n].HelpStr;
  }
  const llvm::cl::GenericOptionValue &getOptionValue(unsigned n) const override {
    return Values[n].V;
  }

  /// True on error, as llvm::cl's parsers.
  bool parse(llvm::cl::Option &o, llvm::StringRef argName, llvm::StringRef arg,
             T &value) {
    llvm::StringRef text = Owner.hasArgStr() ? arg : argName;
    for (const OptionInfo &info : Values)
      if (info.Name.equals_insensitive(text)) {
        value = info.V.getValue();
        return false;
      }
    return o.error("Cannot find option named '" + text + "'!");
  }

  template <typename DT>
  void addLiteralOption(llvm::StringRef name, const DT &v,
                        llvm::StringRef helpStr) {
    Values.emplace_back(name, static_cast<T>(v), helpStr);
    AddLiteralOption(Owner, name);
  }
  void removeLiteralOption(llvm::StringRef name) {
    Values.erase(Values.begin() + findOption(name));
  }
};

} // namespace mlir::llmq

namespace llvm::cl {
template <>
class parser<mlir::llmq::AssignBitsPreset>
    : public mlir::llmq::CaseInsensitiveEnumParser<
          mlir::llmq::AssignBitsPreset> {
public:
  using CaseInsensitiveEnumParser::CaseInsensitiveEnumParser;
};
} // namespace llvm::cl

#endif // LLMQ_PASSES_PASSOPTIONS_H
