//===- JsonFile.h - Reading an untrusted JSON file --------------*- C++ -*-===//
//
// config.json, tokenizer.json, index files and manifests are read the same
// way: a regular file within its size limit (ReadFile.h), valid JSON, and no
// object that repeats a key (which would silently bind a name to the last
// value).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_JSONFILE_H
#define LLMQ_FORMATS_FILES_JSONFILE_H

#include "formats/files/Json.h"

#include "llvm/Support/Error.h"

namespace llmq {

/// The JSON value in the file at `path`, of at most `limit` bytes (`what`
/// names the kind of file in the size message). Errors name the file:
/// those of readSmallFile, "key 'K' appears twice", "not valid JSON".
llvm::Expected<json::Json> readJsonFile(llvm::StringRef path, uint64_t limit,
                                        llvm::StringRef what);

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_JSONFILE_H
