//===- JsonFile.cpp - Reading an untrusted JSON file ----------------------===//

#include "formats/files/JsonFile.h"

#include "formats/files/ReadFile.h"

using namespace llmq;

llvm::Expected<json::Json> llmq::readJsonFile(llvm::StringRef path,
                                              uint64_t limit,
                                              llvm::StringRef what) {
  llvm::Expected<std::string> text = readSmallFile(path, limit, what);
  if (!text)
    return text.takeError();
  std::optional<std::string> duplicate;
  json::Json parsed = json::parseNoDuplicateKeys(*text, duplicate);
  if (duplicate)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": key '" + *duplicate +
                                       "' appears twice");
  if (parsed.is_discarded())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": not valid JSON");
  return parsed;
}
