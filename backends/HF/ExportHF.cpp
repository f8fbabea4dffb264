//===- ExportHF.cpp - Hugging Face checkpoint backend ---------------------===//

#include "backends/HF/ExportHF.h"

#include "backends/HF/HFConfig.h"
#include "backends/HF/HFNames.h"
#include "backends/HF/HFTensors.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/LocatedError.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/CheckedArith.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/Progress.h"
#include "formats/files/ReadFile.h"
#include "formats/files/SafetensorsWriter.h"
#include "formats/files/StagingDirectory.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Threading.h"

using namespace llmq;
using namespace llmq::hf;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error exportError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<uint64_t> llmq::parseShardSize(StringRef text) {
  StringRef number = text.trim();
  StringRef digits = number.take_while(llvm::isDigit);
  StringRef unit = number.drop_front(digits.size()).trim();
  static const std::pair<StringRef, uint64_t> kUnits[] = {{"", 1},
                                                          {"B", 1},
                                                          {"KB", 1000},
                                                          {"MB", 1000'000},
                                                          {"GB", 1000'000'000},
                                                          {"KIB", 1ull << 10},
                                                          {"MIB", 1ull << 20},
                                                          {"GIB", 1ull << 30}};
  uint64_t value = 0;
  if (!digits.empty() && !digits.getAsInteger(10, value))
    for (auto [name, scale] : kUnits)
      if (unit.equals_insensitive(name))
        if (std::optional<uint64_t> bytes = checkedMul(value, scale);
            bytes && *bytes > 0)
          return *bytes;
  return exportError("--max-shard-size: '" + text +
                     "' is not a size > 0 (e.g. 5GB, 500MB, 2GiB or bytes)");
}

/// The torch dtype name of a float format.
static StringRef torchDType(Format format) {
  switch (format) {
  case Format::F16:
    return "float16";
  case Format::BF16:
    return "bfloat16";
  default:
    return "float32";
  }
}

/// The format `named` is written in: its chosen format where a checkpoint
/// can hold it; else `--type`; else its source's float dtype, and bf16 for
/// bytes quantized in a GGUF source (checkpoints hold no ggml blocks).
static llvm::Expected<TensorFormat>
chooseFormat(const NamedWeight &named, const HFExportOptions &options) {
  WeightOp weight = named.weight;
  auto refuse = [&](const TensorFormat &format, const Twine &why) {
    return errorAt(weight, "export-hf: '" + weight.getSymName() + "' (" +
                               named.name + ") has format " + format.name() +
                               ", " + why);
  };
  if (std::optional<TensorFormat> chosen = chosenFormat(weight)) {
    if (chosen->isFloat())
      return *chosen;
    if (chosen->isGgml())
      return refuse(*chosen, "which a Hugging Face checkpoint cannot hold "
                             "(f32, f16, bf16, fp8_block or an int4/int8 "
                             "group format)");
    if (!named.isLinear || named.module() == "lm_head")
      return refuse(*chosen, "but checkpoints keep embeddings, norms and the "
                             "LM head unquantized (quantization_config "
                             "targets a block's linear layers)");
    std::string invalid = chosen->invalidReason();
    if (!invalid.empty())
      return refuse(*chosen, "which is invalid: " + invalid);
    return *chosen;
  }
  if (options.type)
    return TensorFormat::ggmlFormat(*options.type);
  TensorFormat source = sourceFormat(weight);
  if (source.isGgml() && !source.isFloat())
    return TensorFormat::ggmlFormat(Format::BF16);
  return source;
}

/// Splits the plan into shards of at most `maxBytes` tensor bytes, in
/// order, as transformers' sharding does; a weight's tensors stay together.
static std::vector<std::vector<const PlannedTensor *>>
shardPlan(llvm::ArrayRef<PlannedTensor> plan, uint64_t maxBytes) {
  std::vector<std::vector<const PlannedTensor *>> shards(1);
  uint64_t size = 0;
  for (const PlannedTensor &t : plan) {
    uint64_t bytes = t.bytes();
    if (!shards.back().empty() &&
        (size + bytes > maxBytes || size + bytes < size)) {
      shards.emplace_back();
      size = 0;
    }
    shards.back().push_back(&t);
    size += bytes;
  }
  return shards;
}

static std::string shardName(size_t index, size_t count) {
  if (count == 1)
    return "model.safetensors";
  char name[64];
  snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", index + 1,
           count);
  return name;
}

static llvm::Error writeText(const std::string &path, StringRef text) {
  auto file = AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  (*file)->os() << text;
  return (*file)->commit();
}

/// The tokenizer files that sit beside the model's tokenizer.json, each
/// copied byte for byte; none for a vocabulary that lives in a GGUF file.
static llvm::Error copyTokenizerFiles(ModelOp model, StringRef dir) {
  TokenizerAttr tokenizer = model.getTokenizerAttr();
  if (!tokenizer || !tokenizer.getFile().ends_with(".json")) {
    model.emitWarning() << "export-hf: model '" << model.getSymName()
                        << "' has no tokenizer.json to copy; the checkpoint "
                           "has no tokenizer";
    return llvm::Error::success();
  }
  StringRef from = llvm::sys::path::parent_path(tokenizer.getFile());
  static const char *const kFiles[] = {"tokenizer.json",
                                       "tokenizer_config.json",
                                       "special_tokens_map.json",
                                       "added_tokens.json",
                                       "chat_template.jinja",
                                       "chat_template.json",
                                       "tokenizer.model",
                                       "vocab.json",
                                       "merges.txt"};
  for (const char *name : kFiles) {
    std::string path = pathIn(from, name);
    // tokenizer.json is the model's own file: it must still be there.
    if (StringRef(name) != "tokenizer.json" && !llvm::sys::fs::exists(path))
      continue;
    protectInput(path, "the tokenizer");
    llvm::Expected<std::string> bytes =
        readSmallFile(path, kMaxTokenizerFileBytes, "tokenizer file");
    if (!bytes)
      return bytes.takeError();
    if (llvm::Error err = writeText(pathIn(dir, name), *bytes))
      return err;
  }
  return llvm::Error::success();
}

namespace llmq {
llvm::Error exportHF(mlir::ModuleOp module, StringRef outputDir,
                     const HFExportOptions &options) {
  auto models = module.getOps<ModelOp>();
  if (std::distance(models.begin(), models.end()) != 1)
    return errorAt(module, "export-hf: expected exactly one llmq.model");
  ModelOp model = *models.begin();
  if (outputDir == "-" || outputDir.empty())
    return exportError("export-hf: a checkpoint is a directory: name it "
                       "with -o DIR");
  if (llvm::Error err = checkGenerationOptions(options.generation))
    return err;
  if (options.type && !TensorFormat::ggmlFormat(*options.type).isFloat())
    return exportError("--type: '" + getFormatTraits(*options.type).name +
                       "' is not f32, f16 or bf16 (export-hf writes other "
                       "formats only where a weight's format says so)");
  // The output may neither be nor contain a file the model reads, nor
  // replace an existing directory unasked: refused before any work.
  protectModelFiles(module);
  if (llvm::Error err =
          checkOutputDirectory(outputDir, options.replaceExisting))
    return err;
  const ArchInfo *arch = lookupArch(model.getArch());
  if (!arch)
    return errorAt(model, "export-hf: unknown architecture '" +
                              model.getArch() + "'");

  // Everything that can be refused is planned before a byte is written.
  auto named = nameWeights(model, *arch);
  if (!named)
    return named.takeError();
  std::vector<PlannedTensor> plan;
  for (const NamedWeight &n : *named) {
    auto format = chooseFormat(n, options);
    if (!format)
      return format.takeError();
    auto planned = planTensor(n, *format);
    if (!planned)
      return planned.takeError();
    plan.push_back(std::move(*planned));
  }
  auto quantization = quantizationConfig(plan);
  if (!quantization)
    return quantization.takeError();
  // The dtype of the unquantized weights, which the embedding always is.
  Format floatFormat = options.type.value_or(plan.front().format.ggml);
  auto config =
      renderConfig(model, *arch, torchDType(floatFormat), *quantization);
  if (!config)
    return config.takeError();
  auto generation = renderGenerationConfig(model, options.generation);
  if (!generation)
    return generation.takeError();
  std::string sidecar = renderSamplingSidecar(model, options.generation);

  auto staging = StagingDirectory::create(outputDir, options.replaceExisting);
  if (!staging)
    return staging.takeError();
  StringRef dir = (*staging)->path();

  auto shards = shardPlan(plan, options.maxShardBytes);
  nlohmann::json weightMap = nlohmann::json::object();
  uint64_t totalSize = 0;
  TensorStreamer streamer(
      getWorkerThreads(model, options.threads, "export-hf"));
  Progress progress("export-hf", plan.size());
  size_t done = 0;
  for (auto [index, shard] : llvm::enumerate(shards)) {
    std::string name = shardName(index, shards.size());
    std::vector<SafetensorsEntry> entries;
    for (const PlannedTensor *t : shard)
      for (const Component &c : t->components) {
        entries.push_back({c.name, c.dtype, c.shape, c.bytes});
        weightMap[c.name] = name;
        totalSize += c.bytes;
      }
    // transformers refuses a safetensors file whose format is not "pt".
    auto writer = SafetensorsWriter::create(
        pathIn(dir, name), std::move(entries), {{"format", "pt"}});
    if (!writer)
      return writer.takeError();
    for (const PlannedTensor *t : shard) {
      progress.step(done++, t->named.name);
      if (llvm::Error err = streamer.write(*t, **writer))
        return err;
    }
    if (llvm::Error err = (*writer)->commit())
      return err;
  }
  if (shards.size() > 1) {
    nlohmann::json index = nlohmann::json::object();
    index["metadata"] = {{"total_size", totalSize}};
    index["weight_map"] = weightMap;
    if (llvm::Error err = writeText(pathIn(dir, "model.safetensors.index.json"),
                                    index.dump(2) + "\n"))
      return err;
  }
  if (llvm::Error err = writeText(pathIn(dir, "config.json"), *config))
    return err;
  if (llvm::Error err =
          writeText(pathIn(dir, "generation_config.json"), *generation))
    return err;
  if (!sidecar.empty())
    if (llvm::Error err =
            writeText(pathIn(dir, "llmq-sampling.vllm.json"), sidecar))
      return err;
  if (llvm::Error err = copyTokenizerFiles(model, dir))
    return err;
  return (*staging)->commit();
}
} // namespace llmq
