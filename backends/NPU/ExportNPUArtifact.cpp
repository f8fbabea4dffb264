//===- ExportNPUArtifact.cpp - NPU artifact backend -----------------------===//

#include "backends/NPU/ExportNPUArtifact.h"

#include "backends/NPU/BuildGraphs.h"
#include "backends/NPU/Manifest.h"
#include "backends/NPU/WriteShards.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/LocatedError.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/ReadFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/StagingDirectory.h"

#include "conversion/Passes.h"
#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

using namespace llmq;
using namespace llmq::npu;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error exportError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Writes `text` to `path` and returns its SHA-256 (hex).
static llvm::Expected<std::string> writeFile(const std::string &path,
                                             StringRef text) {
  auto file = AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  (*file)->os() << text;
  if (llvm::Error err = (*file)->commit())
    return std::move(err);
  std::array<uint8_t, 32> hash =
      llvm::SHA256::hash(llvm::arrayRefFromStringRef(text));
  return llvm::toHex(llvm::ArrayRef<uint8_t>(hash), /*LowerCase=*/true);
}

/// Writes `module` as text to `text` and as bytecode to `bytecode` (paths
/// under `dir`), returning both files' SHA-256.
static llvm::Expected<std::pair<std::string, std::string>>
writeModule(mlir::ModuleOp module, StringRef dir, StringRef textPath,
            StringRef bytecodePath, StringRef name) {
  std::string text;
  llvm::raw_string_ostream os(text);
  module.print(os);
  auto hash = writeFile(pathIn(dir, textPath), text);
  if (!hash)
    return hash.takeError();
  std::string bytes;
  llvm::raw_string_ostream bos(bytes);
  if (mlir::failed(mlir::writeBytecodeToFile(module, bos)))
    return exportError("export-npu-artifact: cannot write bytecode of '" +
                       name + "'");
  auto bytecodeHash = writeFile(pathIn(dir, bytecodePath), bytes);
  if (!bytecodeHash)
    return bytecodeHash.takeError();
  return std::make_pair(*hash, *bytecodeHash);
}

/// `module` lowered by --llmq-graph-to-linalg, in a copy.
static llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
lowerGraph(mlir::ModuleOp module, StringRef name) {
  mlir::OwningOpRef<mlir::ModuleOp> lowered = module.clone();
  mlir::PassManager pm(module.getContext());
  pm.addPass(mlir::llmq::createGraphToLinalg());
  if (mlir::failed(pm.run(*lowered)) || mlir::failed(mlir::verify(*lowered)))
    return exportError("export-npu-artifact: graph '" + name +
                       "' cannot be lowered to linalg (a backend bug)");
  return std::move(lowered);
}

/// Writes each graph as text and bytecode under graphs/, and with
/// `lowered` also its --llmq-graph-to-linalg form (NAME.linalg.mlir[bc]).
static llvm::Expected<std::vector<GraphFiles>>
writeGraphs(std::vector<BuiltGraph> &graphs, StringRef dir, bool lowered) {
  std::vector<GraphFiles> files;
  for (BuiltGraph &g : graphs) {
    if (mlir::failed(mlir::verify(*g.module)))
      return exportError("export-npu-artifact: graph '" + g.info.name +
                         "' does not verify (a backend bug)");
    GraphFiles f{&g.info, "graphs/" + g.info.name + ".mlir",
                 "graphs/" + g.info.name + ".mlirbc", "", "", "", "", "",
                 ""};
    auto hashes = writeModule(*g.module, dir, f.text, f.bytecode, g.info.name);
    if (!hashes)
      return hashes.takeError();
    std::tie(f.sha256, f.bytecodeSha256) = *hashes;
    if (lowered) {
      auto linalg = lowerGraph(*g.module, g.info.name);
      if (!linalg)
        return linalg.takeError();
      f.loweredText = "graphs/" + g.info.name + ".linalg.mlir";
      f.loweredBytecode = "graphs/" + g.info.name + ".linalg.mlirbc";
      auto loweredHashes = writeModule(**linalg, dir, f.loweredText,
                                       f.loweredBytecode, g.info.name);
      if (!loweredHashes)
        return loweredHashes.takeError();
      std::tie(f.loweredSha256, f.loweredBytecodeSha256) = *loweredHashes;
    }
    files.push_back(std::move(f));
  }
  return files;
}

/// Copies the model's tokenizer.json and returns its SHA-256; GGUF-embedded
/// vocabularies have no file to copy (empty: the manifest then says none).
static llvm::Expected<std::string> copyTokenizer(mlir::llmq::ModelOp model,
                                                 StringRef dir) {
  mlir::llmq::TokenizerAttr t = model.getTokenizerAttr();
  if (!t || !t.getFile().ends_with(".json"))
    return std::string();
  // A FIFO or a device would hang or exhaust memory: refused at once.
  llvm::Expected<std::string> text = ::llmq::readSmallFile(
      t.getFile(), ::llmq::kMaxTokenizerFileBytes, "tokenizer file");
  if (!text)
    return text.takeError();
  return writeFile(pathIn(dir, "tokenizer.json"), *text);
}

namespace llmq {
llvm::Error exportNPUArtifact(mlir::ModuleOp module, StringRef outputDir,
                              const ArtifactOptions &options,
                              bool replaceExisting) {
  auto models = module.getOps<mlir::llmq::ModelOp>();
  if (std::distance(models.begin(), models.end()) != 1)
    return mlir::llmq::errorAt(
        module, "export-npu-artifact: expected exactly one llmq.model");
  mlir::llmq::ModelOp model = *models.begin();
  // The output may neither be nor contain a file the model reads, nor
  // replace an existing directory unasked: refused before any work.
  mlir::llmq::protectModelFiles(module);
  if (llvm::Error err = checkOutputDirectory(outputDir, replaceExisting))
    return err;
  auto plan = planArtifact(model, options);
  if (!plan)
    return mlir::llmq::errorAt(model, "export-npu-artifact: " +
                                          llvm::toString(plan.takeError()));

  auto staging = StagingDirectory::create(outputDir, replaceExisting);
  if (!staging)
    return staging.takeError();
  StringRef dir = (*staging)->path();
  for (StringRef sub : {"weights", "graphs"})
    if (std::error_code ec = llvm::sys::fs::create_directory(pathIn(dir, sub)))
      return exportError(pathIn(dir, sub) + ": cannot create: " +
                         ec.message());
  ManifestInput manifest{model, &*plan, {}, {}, {}};
  auto ranks = writeShards(
      model, *plan, dir,
      mlir::llmq::getWorkerThreads(model, options.threads,
                                   "export-npu-artifact"));
  if (!ranks)
    return ranks.takeError();
  manifest.ranks = std::move(*ranks);
  std::vector<BuiltGraph> graphs = buildGraphs(model, *plan);
  auto graphFiles = writeGraphs(graphs, dir, options.linalgGraphs);
  if (!graphFiles)
    return graphFiles.takeError();
  manifest.graphs = std::move(*graphFiles);
  auto tokenizer = copyTokenizer(model, dir);
  if (!tokenizer)
    return tokenizer.takeError();
  if (!tokenizer->empty()) {
    manifest.tokenizerFile = "tokenizer.json";
    manifest.tokenizerSha256 = *tokenizer;
  }
  auto config = writeFile(pathIn(dir, "config.json"),
                          renderConfig(model));
  if (!config)
    return config.takeError();
  manifest.configSha256 = *config;
  if (auto err = writeFile(pathIn(dir, "manifest.json"),
                           renderManifest(manifest));
      !err)
    return err.takeError();
  return (*staging)->commit();
}
} // namespace llmq
