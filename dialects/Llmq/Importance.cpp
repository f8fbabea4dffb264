//===- Importance.cpp - The importance a weight's attribute names ---------===//

#include "dialects/Llmq/Importance.h"

#include "dialects/Llmq/LlmqOps.h"

using namespace mlir;
using namespace mlir::llmq;

static ImportanceAttr importanceOf(WeightOp weight) {
  auto *dialect = cast<LlmqDialect>(weight->getDialect());
  return dyn_cast_or_null<ImportanceAttr>(
      dialect->getImportanceAttrHelper().getAttr(weight));
}

llvm::Expected<const ::llmq::ImatrixEntry *>
ImportanceReader::lookup(WeightOp weight) {
  ImportanceAttr attr = importanceOf(weight);
  if (!attr)
    return nullptr;
  StringRef file = attr.getFile();
  auto it = files.find(file);
  if (it == files.end()) {
    llvm::Expected<::llmq::Imatrix> read = ::llmq::readImatrix(file);
    if (!read)
      return read.takeError();
    it = files.try_emplace(file, std::move(*read)).first;
  }
  const ::llmq::ImatrixEntry *entry = it->second.find(attr.getKey());
  if (!entry)
    return llvm::createStringError(
        file + ": no entry '" + attr.getKey() + "' (the importance of '" +
        weight.getSymName() + "')");
  RankedTensorType type = weight.getTensorType();
  int64_t cols = type.getShape().back();
  if (type.getRank() != 2 || entry->nmat != 1 || entry->cols != cols)
    return llvm::createStringError(
        file + ": entry '" + attr.getKey() + "' has " +
        llvm::Twine(entry->cols) + " x " + llvm::Twine(entry->nmat) +
        " values, but '" + weight.getSymName() + "' has " +
        llvm::Twine(cols) + " columns");
  return entry;
}

std::string mlir::llmq::importanceFile(ModelOp model) {
  for (WeightOp weight : model.getBody().getOps<WeightOp>())
    if (ImportanceAttr attr = importanceOf(weight))
      return attr.getFile().str();
  return "";
}
