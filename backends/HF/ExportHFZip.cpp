//===- ExportHFZip.cpp - A checkpoint as a zip under model/ ---------------===//
//
// The EXAONE seed submits a checkpoint as a zip whose only top-level entry
// is `model/`. With -o DIR the checkpoint is written there and zipped; without
// it, it is written into a scratch directory beside the zip (a staging
// directory that is never committed, so it is removed on return and on
// SIGINT/SIGTERM) and only the zip remains. The zip itself is an atomic
// output: complete or absent.
//
//===----------------------------------------------------------------------===//

#include "backends/HF/ExportHF.h"

#include "dialects/Llmq/ModelFiles.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/StagingDirectory.h"
#include "formats/files/ZipWriter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

using namespace llmq;

llvm::Error llmq::exportHFZip(mlir::ModuleOp module, llvm::StringRef outputDir,
                              llvm::StringRef zipPath,
                              const HFExportOptions &options) {
  if (outputDir != "-" && !outputDir.empty()) {
    if (llvm::Error err = exportHF(module, outputDir, options))
      return err;
    return writeZipOfDirectory(outputDir, "model", zipPath);
  }
  // Refuse an unwritable or protected zip path before any work.
  mlir::llmq::protectModelFiles(module);
  auto scratch = StagingDirectory::create((zipPath + ".model").str(),
                                          /*replaceExisting=*/false);
  if (!scratch)
    return scratch.takeError();
  llvm::SmallString<256> dir((*scratch)->path());
  llvm::sys::path::append(dir, "model");
  if (llvm::Error err = exportHF(module, dir, options))
    return err;
  return writeZipOfDirectory(dir, "model", zipPath);
}
