//===- Translations.cpp - quant-translate's translations ------------------===//

#include "tools/quant-translate/Translations.h"

#include "backends/GGUF/ExportGGUF.h"
#include "backends/HF/ExportHF.h"
#include "backends/NPU/ExportNPUArtifact.h"
#include "frontends/GGUF/ImportGGUF.h"
#include "frontends/HF/ImportHF.h"
#include "dialects/Llmq/LocatedError.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/CommandLine.h"

using namespace llmq;
namespace cl = llvm::cl;

static cl::OptionCategory exportCategory("Export options");

static cl::opt<std::string> ggufType(
    "type",
    cl::desc("Format of 2-D weights without a chosen format: f32, f16, bf16, "
             "q8_0, q4_0, q4_1, q5_0, q5_1, q2_K..q6_K, iq4_nl, iq4_xs "
             "(export-gguf; default: a weight read from a GGUF file keeps "
             "its format and bytes, any other is f32); f32, f16 or bf16 "
             "(export-hf; default: the source's dtype, bf16 for GGUF "
             "quantized weights)"),
    cl::cat(exportCategory));

static cl::opt<bool> strict(
    "strict",
    cl::desc("Refuse, rather than fall back, where a weight's rows do not "
             "split into its format's blocks (export-gguf)"),
    cl::cat(exportCategory));

static cl::opt<double> repeatPenalty(
    "repeat-penalty",
    cl::desc("llama.cpp's repeat penalty, > 0 (1: off), written into the "
             "GGUF as llmq.sampling.repeat_penalty and into the logit-bias "
             "sidecars (export-gguf)"),
    cl::value_desc("penalty"), cl::cat(exportCategory));

static cl::opt<int64_t> repeatLastN(
    "repeat-last-n",
    cl::desc("How many last tokens the repeat penalty looks at (-1: the "
             "context size, 0: off), written as llmq.sampling.repeat_last_n "
             "and into the logit-bias sidecars (export-gguf)"),
    cl::value_desc("tokens"), cl::cat(exportCategory));

static cl::opt<bool> force(
    "force",
    cl::desc("Replace an existing output directory, once the new one is "
             "complete (export-npu-artifact, export-hf); output files are always "
             "replaced atomically"),
    cl::cat(exportCategory));

static cl::OptionCategory hfCategory("Hugging Face checkpoint options");

static cl::opt<std::string> zipFile(
    "zip",
    cl::desc("Also write the checkpoint as a zip whose only top-level entry "
             "is model/; without -o, only the zip (export-hf)"),
    cl::value_desc("file"), cl::cat(hfCategory));

static cl::opt<std::string> maxShardSize(
    "max-shard-size",
    cl::desc("Largest safetensors shard: 5GB (default, as transformers), "
             "500MB, 2GiB or bytes (export-hf)"),
    cl::init("5GB"), cl::cat(hfCategory));

static cl::opt<double> repetitionPenalty(
    "repetition-penalty",
    cl::desc("transformers' repetition_penalty, > 0 (1: off), written into "
             "generation_config.json and the vLLM sidecar (export-hf)"),
    cl::value_desc("penalty"), cl::cat(hfCategory));

static cl::opt<int64_t> noRepeatNgramSize(
    "no-repeat-ngram-size",
    cl::desc("transformers' no_repeat_ngram_size, >= 0 (0: off), written "
             "into generation_config.json (export-hf)"),
    cl::value_desc("n"), cl::cat(hfCategory));

static cl::OptionCategory npuCategory("NPU artifact options");

static cl::opt<int64_t> tensorParallel(
    "tp",
    cl::desc("Tensor-parallel ranks (processing elements; 8 per NPU)"),
    cl::init(1), cl::cat(npuCategory));

static cl::opt<int64_t> pipelineParallel(
    "pp", cl::desc("Pipeline stages the blocks are split into"), cl::init(1),
    cl::cat(npuCategory));

static cl::opt<std::string> prefillBuckets(
    "prefill-buckets",
    cl::desc("Prefill graphs to build, BATCHxTOKENS,... (e.g. 1x64,1x256)"),
    cl::cat(npuCategory));

static cl::opt<std::string> decodeBuckets(
    "decode-buckets",
    cl::desc("Decode graphs to build, BATCHxCONTEXT,... (e.g. 1x256)"),
    cl::cat(npuCategory));

static cl::opt<std::string> partition(
    "partition",
    cl::desc("whole: one graph per stage; per-block: one per embedding, "
             "block and LM head"),
    cl::init("whole"), cl::cat(npuCategory));

static cl::opt<std::string> npuWeights(
    "weights",
    cl::desc("Format of the blocks' matrices: bf16, fp8-block, int8, "
             "int4-g128 or any GGUF type (default: each weight's IR format)"),
    cl::cat(npuCategory));

enum class GraphDialect { LlmqGraph, Linalg };
static cl::opt<GraphDialect> graphDialect(
    "graph-dialect",
    cl::desc("Dialects of the graphs written: llmq_graph (the interpreter's "
             "form) or linalg (that form and, beside it, the graphs lowered "
             "to func/linalg/tensor/arith/math for other MLIR compilers)"),
    cl::values(clEnumValN(GraphDialect::LlmqGraph, "llmq_graph",
                          "llmq_graph only"),
               clEnumValN(GraphDialect::Linalg, "linalg",
                          "llmq_graph and the lowered graphs")),
    cl::init(GraphDialect::LlmqGraph), cl::cat(npuCategory));

static cl::opt<bool> reblock(
    "reblock",
    cl::desc("Quantize each shard in blocks of its own where block scales "
             "would cross a shard boundary, instead of refusing"),
    cl::cat(npuCategory));

llvm::SmallVector<const cl::OptionCategory *> llmq::translationCategories() {
  return {&exportCategory, &hfCategory, &npuCategory};
}

/// Reports `error` through `module`'s context: at the op it names, else
/// without a location (an option, or a file the message names).
static mlir::LogicalResult report(llvm::Error error, mlir::ModuleOp module) {
  if (!error)
    return mlir::success();
  return mlir::llmq::emitError(std::move(error),
                               mlir::UnknownLoc::get(module.getContext()));
}

static llvm::Error exportGGUFWithOptions(mlir::ModuleOp module,
                                         llvm::StringRef output) {
  GGUFExportOptions options;
  if (ggufType.getNumOccurrences()) {
    std::optional<Format> format = lookupFormat(ggufType);
    if (!format) {
      std::string names;
      for (unsigned i = 0; i < NumFormats; ++i)
        names += (i ? ", " : "") +
                 getFormatTraits(static_cast<Format>(i)).name.str();
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--type: unknown format '" + ggufType +
                                         "' (expected one of " + names + ")");
    }
    options.defaultFormat = *format;
  }
  options.strict = strict;
  if (repeatPenalty.getNumOccurrences())
    options.repeatPenalty = repeatPenalty;
  if (repeatLastN.getNumOccurrences())
    options.repeatLastN = repeatLastN;
  if (llvm::Error err = checkRepetitionOptions(options))
    return err;
  return exportGGUF(module, output, options);
}

static llvm::Error exportHFWithOptions(mlir::ModuleOp module,
                                       llvm::StringRef output) {
  HFExportOptions options;
  if (ggufType.getNumOccurrences()) {
    std::optional<Format> format = lookupFormat(ggufType);
    if (!format || !TensorFormat::ggmlFormat(*format).isFloat())
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "--type: '" + ggufType +
                                         "' is not f32, f16 or bf16 "
                                         "(export-hf)");
    options.type = *format;
  }
  auto shardBytes = parseShardSize(maxShardSize);
  if (!shardBytes)
    return shardBytes.takeError();
  options.maxShardBytes = *shardBytes;
  options.replaceExisting = force;
  if (repetitionPenalty.getNumOccurrences())
    options.generation.repetitionPenalty = repetitionPenalty;
  if (noRepeatNgramSize.getNumOccurrences())
    options.generation.noRepeatNgramSize = noRepeatNgramSize;
  if (!zipFile.empty())
    return exportHFZip(module, output, zipFile, options);
  return exportHF(module, output, options);
}

static llvm::Error exportNPUWithOptions(mlir::ModuleOp module,
                                        llvm::StringRef output) {
  npu::ArtifactOptions options;
  options.tp = tensorParallel;
  options.pp = pipelineParallel;
  auto prefill = npu::parseBuckets(prefillBuckets, "prefill-buckets");
  if (!prefill)
    return prefill.takeError();
  auto decode = npu::parseBuckets(decodeBuckets, "decode-buckets");
  if (!decode)
    return decode.takeError();
  options.prefill = std::move(*prefill);
  options.decode = std::move(*decode);
  if (partition == "per-block")
    options.partition = npu::Partition::PerBlock;
  else if (partition != "whole")
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--partition: '" + partition +
                                       "' is neither whole nor per-block");
  if (!npuWeights.empty()) {
    options.weights = TensorFormat::parse(npuWeights);
    if (!options.weights)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "--weights: unknown format '" + npuWeights +
              "' (expected bf16, fp8-block, int8, int4-g128 or a GGUF type)");
  }
  options.reblock = reblock;
  options.linalgGraphs = graphDialect == GraphDialect::Linalg;
  return exportNPUArtifact(module, output, options, /*replaceExisting=*/force);
}

static std::vector<Translation> &registry() {
  static std::vector<Translation> translations;
  return translations;
}

llvm::ArrayRef<Translation> llmq::getRegisteredTranslations() {
  return registry();
}

ImportTranslationRegistration::ImportTranslationRegistration(
    llvm::StringRef flag, llvm::StringRef description,
    ImportFunction function) {
  registry().push_back(
      {flag.str(), description.str(), std::move(function), nullptr});
}

ExportTranslationRegistration::ExportTranslationRegistration(
    llvm::StringRef flag, llvm::StringRef description,
    ExportFunction function) {
  registry().push_back(
      {flag.str(), description.str(), nullptr, std::move(function)});
}

/// An importer that reports its llvm::Error through the context: the
/// message names the file, and the key or tensor at fault.
static ImportFunction
reportingImporter(llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>> (
    *import)(llvm::StringRef, mlir::MLIRContext &)) {
  return [import](llvm::StringRef input, mlir::MLIRContext &context)
             -> mlir::OwningOpRef<mlir::ModuleOp> {
    auto module = import(input, context);
    if (!module) {
      (void)mlir::llmq::emitError(module.takeError(),
                                  mlir::UnknownLoc::get(&context));
      return nullptr;
    }
    return std::move(*module);
  };
}

void llmq::registerImportHFTranslation() {
  ImportTranslationRegistration registration(
      "import-hf", "Import a Hugging Face checkpoint directory",
      reportingImporter(importHF));
}

void llmq::registerImportGGUFTranslation() {
  ImportTranslationRegistration registration(
      "import-gguf", "Import a GGUF file", reportingImporter(importGGUF));
}

void llmq::registerExportGGUFTranslation() {
  ExportTranslationRegistration registration(
      "export-gguf", "Export to a GGUF v3 file for llama.cpp",
      [](mlir::ModuleOp module, llvm::StringRef output) {
        return report(exportGGUFWithOptions(module, output), module);
      });
}

void llmq::registerExportHFTranslation() {
  ExportTranslationRegistration registration(
      "export-hf",
      "Export a Hugging Face checkpoint directory for transformers and vLLM",
      [](mlir::ModuleOp module, llvm::StringRef output) {
        return report(exportHFWithOptions(module, output), module);
      });
}

void llmq::registerExportNPUArtifactTranslation() {
  ExportTranslationRegistration registration(
      "export-npu-artifact",
      "Export a tensor/pipeline-parallel NPU artifact directory",
      [](mlir::ModuleOp module, llvm::StringRef output) {
        return report(exportNPUWithOptions(module, output), module);
      });
}

void llmq::registerAllTranslations() {
  static bool once = [] {
    registerImportHFTranslation();
    registerImportGGUFTranslation();
    registerExportGGUFTranslation();
    registerExportHFTranslation();
    registerExportNPUArtifactTranslation();
    return true;
  }();
  (void)once;
}
