//===- FormatAttr.cpp - #llmq.format: syntax and verification -------------===//
//
//   #llmq.format<q4_K>
//   #llmq.format<fp8_e4m3, block = [128, 128]>
//   #llmq.format<int4, group = 128[, asymmetric]>
//   #llmq.format<int8>                      (no group: one scale per row)
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/LlmqOps.h"

#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::FormatKind;
using ::llmq::TensorFormat;

/// Parses `, block = [r, c]`, `, group = n` and `, asymmetric` after the
/// kind keyword, each where the kind takes it.
static ParseResult parseFormatParams(AsmParser &parser, TensorFormat &format) {
  while (succeeded(parser.parseOptionalComma())) {
    SMLoc loc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key))
      return failure();
    if (key == "block" && format.kind == FormatKind::FP8Block) {
      if (parser.parseEqual() || parser.parseLSquare() ||
          parser.parseInteger(format.blockRows) || parser.parseComma() ||
          parser.parseInteger(format.blockCols) || parser.parseRSquare())
        return failure();
    } else if (key == "group" && format.kind == FormatKind::Int) {
      if (parser.parseEqual() || parser.parseInteger(format.group))
        return failure();
    } else if (key == "asymmetric" && format.kind == FormatKind::Int) {
      format.symmetric = false;
    } else {
      return parser.emitError(loc) << "format '" << format.name()
                                   << "' takes no parameter '" << key << "'";
    }
  }
  return success();
}

Attribute FormatAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef kind;
  if (parser.parseLess() || parser.parseKeyword(&kind))
    return {};
  TensorFormat format;
  if (std::optional<::llmq::Format> ggml = ::llmq::lookupFormat(kind)) {
    format = TensorFormat::ggmlFormat(*ggml);
  } else if (kind == "fp8_e4m3") {
    format = TensorFormat::fp8Block();
  } else if (kind == "int4" || kind == "int8") {
    format = TensorFormat::integer(kind == "int4" ? 4 : 8, 0, true);
  } else {
    parser.emitError(loc) << "unknown storage format '" << kind
                          << "' (a ggml type, fp8_e4m3, int4 or int8)";
    return {};
  }
  if (parseFormatParams(parser, format) || parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), format);
}

void FormatAttr::print(AsmPrinter &printer) const {
  const TensorFormat &f = getValue();
  printer << "<";
  switch (f.kind) {
  case FormatKind::Ggml:
    printer << ::llmq::getFormatTraits(f.ggml).name;
    break;
  case FormatKind::FP8Block:
    printer << "fp8_e4m3, block = [" << f.blockRows << ", " << f.blockCols
            << "]";
    break;
  case FormatKind::Int:
    printer << "int" << static_cast<unsigned>(f.bits);
    if (f.group)
      printer << ", group = " << f.group;
    if (!f.symmetric)
      printer << ", asymmetric";
    break;
  }
  printer << ">";
}

LogicalResult FormatAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 TensorFormat value) {
  std::string reason = value.invalidReason();
  if (!reason.empty())
    return emitError() << "invalid storage format '" << value.name()
                       << "': " << reason;
  return success();
}

LogicalResult SourceAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef file, StringRef key, uint64_t,
                                 FormatAttr stored, StringRef scale,
                                 StringRef zeroPoint) {
  bool grouped = stored && stored.getValue().isGrouped();
  if (grouped && scale.empty())
    return emitError() << "source '" << key << "' in '" << file
                       << "' is stored as " << stored.getValue().name()
                       << " and needs the key of its scale tensor";
  if (!grouped && !scale.empty())
    return emitError() << "source '" << key << "' in '" << file
                       << "' has a scale tensor but no grouped format";
  bool wantsZero = grouped && !stored.getValue().symmetric;
  if (wantsZero != !zeroPoint.empty())
    return emitError() << "source '" << key << "' in '" << file << "': "
                       << (wantsZero ? "an asymmetric format needs"
                                     : "only an asymmetric format has")
                       << " a zero-point tensor";
  return success();
}
