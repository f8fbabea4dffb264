//===- JsonOutput.h - One JSON file for the models of a run ------*- C++ -*-===//
//
// Analysis passes that write `json=FILE` write one file for all models of
// the module: the model's object alone, or {"models": [...]} when there are
// several, so no model's numbers replace another's. Atomic, as every output.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_JSONOUTPUT_H
#define LLMQ_PASSES_JSONOUTPUT_H

#include "formats/files/AtomicOutputFile.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

namespace llmq {

inline llvm::Error writeModelsJson(llvm::StringRef path,
                                   llvm::json::Array models) {
  auto file = AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  llvm::json::Value value =
      models.size() == 1
          ? std::move(models[0])
          : llvm::json::Value(llvm::json::Object{{"models", std::move(models)}});
  (*file)->os() << llvm::formatv("{0:2}\n", value);
  return (*file)->commit();
}

} // namespace llmq

#endif // LLMQ_PASSES_JSONOUTPUT_H
