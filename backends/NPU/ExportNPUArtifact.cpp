//===- ExportNPUArtifact.cpp - NPU artifact backend -----------------------===//

#include "backends/NPU/ExportNPUArtifact.h"

#include "backends/NPU/BuildGraphs.h"
#include "backends/NPU/Manifest.h"
#include "backends/NPU/WriteShards.h"
#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/ReadFile.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SHA256.h"

using namespace llmq;
using namespace llmq::npu;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error exportError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string pathIn(StringRef dir, StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
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

namespace {
/// The artifact being written: a sibling directory that replaces the
/// destination on commit and is removed otherwise.
class StagingDirectory {
public:
  explicit StagingDirectory(StringRef destination)
      : destination(destination.str()),
        path(destination.str() + ".partial-" +
             std::to_string(llvm::sys::Process::getProcessId())) {}
  ~StagingDirectory() {
    if (!committed)
      llvm::sys::fs::remove_directories(path);
  }
  llvm::Error create() {
    llvm::sys::fs::remove_directories(path);
    for (StringRef sub : {"", "weights", "graphs"})
      if (std::error_code ec =
              llvm::sys::fs::create_directories(pathIn(path, sub)))
        return exportError(pathIn(path, sub) + ": cannot create: " +
                           ec.message());
    return llvm::Error::success();
  }
  llvm::Error commit() {
    std::string old = destination + ".old-" +
                      std::to_string(llvm::sys::Process::getProcessId());
    bool replaced = llvm::sys::fs::exists(destination);
    if (replaced)
      if (std::error_code ec = llvm::sys::fs::rename(destination, old))
        return exportError(destination + ": cannot move aside: " +
                           ec.message());
    if (std::error_code ec = llvm::sys::fs::rename(path, destination))
      return exportError(destination + ": cannot rename into place: " +
                         ec.message());
    committed = true;
    if (replaced)
      llvm::sys::fs::remove_directories(old);
    return llvm::Error::success();
  }
  const std::string &dir() const { return path; }

private:
  std::string destination, path;
  bool committed = false;
};
} // namespace

/// Writes each graph as text and bytecode under graphs/.
static llvm::Expected<std::vector<GraphFiles>>
writeGraphs(std::vector<BuiltGraph> &graphs, StringRef dir) {
  std::vector<GraphFiles> files;
  for (BuiltGraph &g : graphs) {
    if (mlir::failed(mlir::verify(*g.module)))
      return exportError("export-npu-artifact: graph '" + g.info.name +
                         "' does not verify (a backend bug)");
    GraphFiles f{&g.info, "graphs/" + g.info.name + ".mlir",
                 "graphs/" + g.info.name + ".mlirbc", "", ""};
    std::string text;
    llvm::raw_string_ostream os(text);
    g.module->print(os);
    auto hash = writeFile(pathIn(dir, f.text), text);
    if (!hash)
      return hash.takeError();
    f.sha256 = *hash;
    std::string bytes;
    llvm::raw_string_ostream bos(bytes);
    if (mlir::failed(mlir::writeBytecodeToFile(*g.module, bos)))
      return exportError("export-npu-artifact: cannot write bytecode of '" +
                         g.info.name + "'");
    auto bytecodeHash = writeFile(pathIn(dir, f.bytecode), bytes);
    if (!bytecodeHash)
      return bytecodeHash.takeError();
    f.bytecodeSha256 = *bytecodeHash;
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
                              const ArtifactOptions &options) {
  auto models = module.getOps<mlir::llmq::ModelOp>();
  if (std::distance(models.begin(), models.end()) != 1)
    return exportError("export-npu-artifact: expected exactly one llmq.model");
  mlir::llmq::ModelOp model = *models.begin();
  auto plan = planArtifact(model, options);
  if (!plan)
    return exportError("export-npu-artifact: " +
                       llvm::toString(plan.takeError()));
  if (options.threads)
    llvm::parallel::strategy = llvm::hardware_concurrency(options.threads);

  StagingDirectory staging(outputDir);
  if (llvm::Error err = staging.create())
    return err;
  ManifestInput manifest{model, &*plan, {}, {}, {}};
  auto ranks = writeShards(model, *plan, staging.dir());
  if (!ranks)
    return ranks.takeError();
  manifest.ranks = std::move(*ranks);
  std::vector<BuiltGraph> graphs = buildGraphs(model, *plan);
  auto graphFiles = writeGraphs(graphs, staging.dir());
  if (!graphFiles)
    return graphFiles.takeError();
  manifest.graphs = std::move(*graphFiles);
  auto tokenizer = copyTokenizer(model, staging.dir());
  if (!tokenizer)
    return tokenizer.takeError();
  if (!tokenizer->empty()) {
    manifest.tokenizerFile = "tokenizer.json";
    manifest.tokenizerSha256 = *tokenizer;
  }
  auto config = writeFile(pathIn(staging.dir(), "config.json"),
                          renderConfig(model));
  if (!config)
    return config.takeError();
  manifest.configSha256 = *config;
  if (auto err = writeFile(pathIn(staging.dir(), "manifest.json"),
                           renderManifest(manifest));
      !err)
    return err.takeError();
  return staging.commit();
}
} // namespace llmq
