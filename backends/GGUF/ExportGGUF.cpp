//===- ExportGGUF.cpp - GGUF backend ---------------------------------------===//

#include "backends/GGUF/ExportGGUF.h"

#include "backends/GGUF/GGUFTokenizer.h"
#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/LocatedError.h"
#include "dialects/Llmq/ModelFiles.h"
#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/RopeScaling.h"
#include "dialects/Llmq/Threading.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/GGUFReader.h"
#include "formats/files/GGUFWriter.h"
#include "formats/files/Imatrix.h"
#include "formats/files/MappedFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/Progress.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Threading.h"

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

using namespace llmq;
using namespace mlir;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error exportError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// llama.cpp's llama_ftype for a model whose 2-D weights are in `format`.
/// For K-quants the uniform "_S" variant is the closest name.
static uint32_t fileType(::llmq::Format format) {
  switch (format) {
  case ::llmq::Format::F32:
    return 0;
  case ::llmq::Format::F16:
    return 1;
  case ::llmq::Format::Q4_0:
    return 2;
  case ::llmq::Format::Q4_1:
    return 3;
  case ::llmq::Format::Q8_0:
    return 7;
  case ::llmq::Format::Q5_0:
    return 8;
  case ::llmq::Format::Q5_1:
    return 9;
  case ::llmq::Format::Q2_K:
    return 10;
  case ::llmq::Format::Q3_K:
    return 11;
  case ::llmq::Format::Q4_K:
    return 14;
  case ::llmq::Format::Q5_K:
    return 16;
  case ::llmq::Format::Q6_K:
    return 18;
  case ::llmq::Format::IQ4_NL:
    return 25;
  case ::llmq::Format::IQ4_XS:
    return 30;
  case ::llmq::Format::BF16:
    return 32;
  }
  llvm_unreachable("unknown format");
}

namespace {
/// One tensor of the output file, planned before anything is written.
struct PlannedTensor {
  // Ops are handles; their accessors are not const.
  std::string name;
  SmallVector<int64_t, 2> ne; ///< ggml order
  ::llmq::Format format;
  uint64_t bytes = 0;
  mutable WeightOp weight;    ///< null for generated tensors
  int64_t permuteHeads = 0;   ///< >0: undo HF's rotate-half row order
  std::vector<float> importance; ///< per column, from the model's imatrix
  std::vector<float> values;  ///< generated tensors' data
};
} // namespace

/// The GGUF name of a weight symbol: biases keep their suffix, the rest get
/// ".weight".
static std::string ggufTensorName(StringRef symbol) {
  if (symbol.ends_with(".bias"))
    return symbol.str();
  return symbol.str() + ".weight";
}

/// Whether `weight`'s bytes lie in a GGUF file: quantized there, or in the
/// GGUF file the model was imported from.
static bool isGGUFSourced(WeightOp weight, ModelOp model) {
  if (FormatAttr stored = weight.getSource().getStored())
    return stored.getValue().isGgml();
  StringAttr imported = model.getGgufMetadataAttr();
  return imported && imported.getValue() == weight.getSource().getFile();
}

/// The storage format of `weight` in the output: its own; else the default
/// for open 2-D weights (`--type`); else, without one, the format its bytes
/// already have in a GGUF source, or f32. llama.cpp's fallback applies where
/// rows do not split into blocks (a warning, or an error under `strict`).
static llvm::Expected<::llmq::Format>
chooseFormat(WeightOp weight, ModelOp model, const GGUFExportOptions &options) {
  RankedTensorType type = weight.getTensorType();
  ::llmq::Format wanted = options.defaultFormat.value_or(::llmq::Format::F32);
  if (std::optional<::llmq::TensorFormat> chosen = chosenFormat(weight)) {
    if (!chosen->isGgml())
      return errorAt(weight, "export-gguf: '" + weight.getSymName() +
                                 "' has format " + chosen->name() +
                                 ", which GGUF cannot hold (a ggml type is "
                                 "needed)");
    wanted = chosen->ggml;
  } else if (!options.defaultFormat && isGGUFSourced(weight, model)) {
    return sourceFormat(weight).ggml;
  } else if (type.getRank() == 1) {
    return ::llmq::Format::F32;
  }
  int64_t cols = type.getShape().back();
  ::llmq::Format format = ::llmq::ggmlFallback(wanted, cols);
  if (format == wanted)
    return format;
  std::string message = "'" + weight.getSymName().str() + "' has " +
                        std::to_string(cols) + " columns, not a multiple of " +
                        std::to_string(getFormatTraits(wanted).blockElems) +
                        " as " + getFormatTraits(wanted).name.str() + " needs";
  if (options.strict)
    return errorAt(weight, "export-gguf: " + message + " (--strict)");
  weight.emitWarning() << message << "; writing "
                       << getFormatTraits(format).name;
  return format;
}

/// llama.cpp describes sliding-window attention by one window size and a
/// period: in each run of `period` layers all but the last are sliding.
static llvm::Error addSlidingWindowMetadata(GGUFWriter &writer, ModelOp model,
                                            const std::string &prefix) {
  SmallVector<int64_t> windows;
  for (BlockOp block : model.getBody().getOps<BlockOp>())
    windows.push_back(block.getSlidingWindow().value_or(0));
  int64_t window = 0;
  for (int64_t w : windows) {
    if (w && window && w != window)
      return errorAt(model, "export-gguf: layers use different sliding windows "
                         "(" + Twine(window) + " and " + Twine(w) +
                         "), which GGUF cannot describe");
    window = w ? w : window;
  }
  if (!window)
    return llvm::Error::success();
  writer.addUInt32(prefix + "attention.sliding_window", window);
  auto global = llvm::find(windows, 0);
  if (global == windows.end())
    return llvm::Error::success(); // every layer slides
  int64_t period = std::distance(windows.begin(), global) + 1;
  for (auto [i, w] : llvm::enumerate(windows))
    if ((w == 0) != ((static_cast<int64_t>(i) + 1) % period == 0))
      return errorAt(model, "export-gguf: the sliding-window layers do not "
                         "repeat with a period of " + Twine(period) +
                         " layers, which GGUF cannot describe");
  writer.addUInt32(prefix + "attention.sliding_window_pattern", period);
  return llvm::Error::success();
}

/// A ban has no place in llama.cpp's graph, so it travels as llmq keys in the
/// file (for tools that read them) and as sidecars llama.cpp's tools take.
static void addMaskMetadata(GGUFWriter &writer, LogitMaskOp mask) {
  auto toInt32 = [](ArrayRef<int64_t> ids) {
    return std::vector<int32_t>(ids.begin(), ids.end());
  };
  writer.addInt32Array("llmq.logit_mask.banned", toInt32(mask.getBanned()));
  if (!mask.getAmplified().empty()) {
    writer.addInt32Array("llmq.logit_mask.biased",
                         toInt32(mask.getAmplified()));
    writer.addFloat32("llmq.logit_mask.bias",
                      mask.getFactor().convertToDouble());
  }
}

/// The repetition settings as llama.cpp's sampler takes them, in the file so
/// that they travel with it.
static void addSamplingMetadata(GGUFWriter &writer,
                                const GGUFExportOptions &options) {
  if (options.repeatPenalty)
    writer.addFloat32("llmq.sampling.repeat_penalty",
                      static_cast<float>(*options.repeatPenalty));
  if (options.repeatLastN)
    writer.addInt32("llmq.sampling.repeat_last_n",
                    static_cast<int32_t>(*options.repeatLastN));
}

/// A repeat penalty as the user would write it: the shortest decimal that
/// reads back as the same double for any value typed with up to 15 digits.
static std::string formatPenalty(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%.15g", value);
  return text;
}

/// OUTPUT.logit-bias.args: one `--logit-bias ID-inf` (or `ID+BIAS`) per line,
/// then `--repeat-penalty P` and `--repeat-last-n N` where given, for
/// llama-cli and llama-server's command line; OUTPUT.logit-bias.json:
/// `{"logit_bias": [[ID, false], [ID, BIAS]], "repeat_penalty": P,
/// "repeat_last_n": N}` for llama-server requests (`logit_bias` only with a
/// mask, the others only where given). Without repetition settings the
/// files are what they were before those settings existed.
/// They are returned written but not committed: they appear with the GGUF.
static llvm::Expected<std::vector<std::unique_ptr<AtomicOutputFile>>>
writeLogitBiasSidecars(LogitMaskOp mask, const GGUFExportOptions &options,
                       StringRef outputPath) {
  std::vector<std::unique_ptr<AtomicOutputFile>> files;
  if (outputPath == "-")
    return std::move(files);
  std::string args, json = "{";
  std::string separator;
  if (mask) {
    json += "\"logit_bias\": [";
    bool first = true;
    auto entry = [&](int64_t id, const std::string &argBias,
                     const std::string &jsonBias) {
      args += "--logit-bias " + std::to_string(id) + argBias + "\n";
      json += (first ? "" : ", ") +
              ("[" + std::to_string(id) + ", " + jsonBias + "]");
      first = false;
    };
    for (int64_t id : mask.getBanned())
      entry(id, "-inf", "false");
    double bias = mask.getFactor().convertToDouble();
    std::string biasText = llvm::formatv("{0}", bias).str();
    for (int64_t id : mask.getAmplified())
      entry(id, (bias >= 0 ? "+" : "") + biasText, biasText);
    json += "]";
    separator = ", ";
  }
  if (options.repeatPenalty) {
    std::string text = formatPenalty(*options.repeatPenalty);
    args += "--repeat-penalty " + text + "\n";
    json += separator + "\"repeat_penalty\": " + text;
    separator = ", ";
  }
  if (options.repeatLastN) {
    std::string text = std::to_string(*options.repeatLastN);
    args += "--repeat-last-n " + text + "\n";
    json += separator + "\"repeat_last_n\": " + text;
  }
  json += "}\n";
  for (auto [suffix, text] : {std::make_pair(".logit-bias.args", &args),
                              std::make_pair(".logit-bias.json", &json)}) {
    auto file = AtomicOutputFile::create((outputPath + suffix).str());
    if (!file)
      return file.takeError();
    (*file)->os() << *text;
    files.push_back(std::move(*file));
  }
  return std::move(files);
}

/// Copies the keys of the GGUF file `path` that start with `prefix` and that
/// the writer does not hold yet, byte for byte. The alignment is the
/// writer's own.
static llvm::Error carryMetadata(GGUFWriter &writer, StringRef path,
                                 StringRef prefix) {
  auto file = GGUFFile::open(path);
  if (!file)
    return file.takeError();
  for (const GGUFKeyValue &kv : (*file)->keyValues())
    if (kv.key.starts_with(prefix) && kv.key != "general.alignment" &&
        !writer.contains(kv.key))
      writer.addEncoded(kv.key, kv.value.getType(), kv.encoded);
  return llvm::Error::success();
}

static llvm::Error addModelMetadata(GGUFWriter &writer, ModelOp model,
                                    const ArchInfo &arch,
                                    std::optional<::llmq::Format> format) {
  std::string prefix = arch.ggufArch.str() + ".";
  writer.addString("general.architecture", arch.ggufArch);
  writer.addString("general.name", model.getSymName());
  // Without --type, a model imported from GGUF keeps its formats and so its
  // file type, which is carried through with the rest of its metadata.
  if (format || !model.getGgufMetadataAttr())
    writer.addUInt32("general.file_type",
                     fileType(format.value_or(::llmq::Format::F32)));
  writer.addUInt32("general.quantization_version", 2);
  writer.addUInt32(prefix + "context_length", model.getContextLength());
  writer.addUInt32(prefix + "embedding_length", model.getHiddenSize());
  writer.addUInt32(prefix + "block_count", model.getNumLayers());
  writer.addUInt32(prefix + "feed_forward_length", model.getFfnSize());
  writer.addUInt32(prefix + "attention.head_count", model.getNumHeads());
  writer.addUInt32(prefix + "attention.head_count_kv", model.getNumKvHeads());
  writer.addUInt32(prefix + "attention.key_length", model.getHeadDim());
  writer.addUInt32(prefix + "attention.value_length", model.getHeadDim());
  writer.addUInt32(prefix + "rope.dimension_count", model.getHeadDim());
  writer.addFloat32(prefix + "rope.freq_base",
                    model.getRopeTheta().convertToDouble());
  writer.addFloat32(prefix + "attention.layer_norm_rms_epsilon",
                    model.getNormEps().convertToDouble());
  writer.addUInt32(prefix + "vocab_size", model.getVocabSize());
  if (llvm::Error err = addSlidingWindowMetadata(writer, model, prefix))
    return err;
  if (RopeScalingAttr scaling = model.getRopeScalingAttr()) {
    if (scaling.getType() == "linear") {
      writer.addString(prefix + "rope.scaling.type", "linear");
      writer.addFloat32(prefix + "rope.scaling.factor",
                        scaling.getFactor().getValueAsDouble());
    }
  }
  return llvm::Error::success();
}

/// Plans every tensor: name, ggml shape, format, size.
static llvm::Expected<std::vector<PlannedTensor>>
planTensors(ModelOp model, const ArchInfo &arch,
            const GGUFExportOptions &options) {
  // Which weights are Q and K projections, and of how many heads.
  llvm::StringMap<int64_t> permuted;
  if (arch.permuteQK && !model.getRopeInterleaved()) {
    for (BlockOp block : model.getBody().getOps<BlockOp>()) {
      DictionaryAttr weights = block.getWeights();
      auto q = weights.getAs<FlatSymbolRefAttr>(getRoleInfo(Role::AttnQ).name);
      auto k = weights.getAs<FlatSymbolRefAttr>(getRoleInfo(Role::AttnK).name);
      if (q)
        permuted[q.getValue()] = model.getNumHeads();
      if (k)
        permuted[k.getValue()] = model.getNumKvHeads();
    }
  }
  // The importance a weight names (llmq.importance, from llmq-imatrix)
  // weights the quantization error of its columns, as llama-quantize
  // --imatrix does.
  ImportanceReader importance;
  std::vector<PlannedTensor> plan;
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    PlannedTensor t;
    t.name = ggufTensorName(weight.getSymName());
    t.weight = weight;
    ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    t.ne.assign(shape.rbegin(), shape.rend());
    llvm::Expected<::llmq::Format> format =
        chooseFormat(weight, model, options);
    if (!format)
      return format.takeError();
    t.format = *format;
    t.bytes = rowBytes(t.format, shape.back()) *
              (shape.size() == 2 ? shape[0] : 1);
    auto it = permuted.find(weight.getSymName());
    if (it != permuted.end())
      t.permuteHeads = it->getValue();
    if (getFormatTraits(t.format).blockElems > 1) {
      llvm::Expected<const ImatrixEntry *> entry = importance.lookup(weight);
      if (!entry)
        return locateAt(weight, entry.takeError());
      if (*entry)
        for (int64_t c = 0; c < (*entry)->cols; ++c)
          t.importance.push_back((*entry)->mean2(c));
    }
    plan.push_back(std::move(t));
  }
  if (RopeScalingAttr scaling = model.getRopeScalingAttr()) {
    if (scaling.getType() == "llama3") {
      PlannedTensor t;
      t.name = "rope_freqs.weight";
      // llama.cpp reads llama3 scaling as per-frequency divisors.
      for (double divisor : ropeFrequencyDivisors(model))
        t.values.push_back(static_cast<float>(divisor));
      t.ne = {static_cast<int64_t>(t.values.size())};
      t.format = ::llmq::Format::F32;
      t.bytes = t.values.size() * sizeof(float);
      plan.push_back(std::move(t));
    }
  }
  return plan;
}

/// The source row that output row `row` comes from. HF orders each head's
/// rows as [first halves..., second halves...]; llama.cpp expects the pairs
/// interleaved.
static int64_t sourceRow(int64_t row, int64_t rows, int64_t heads) {
  if (heads <= 0)
    return row;
  int64_t headRows = rows / heads, half = headRows / 2;
  int64_t head = row / headRows, within = row % headRows;
  return head * headRows + (within % 2) * half + within / 2;
}

namespace {
/// Streams tensor bytes from mapped sources, converting as planned.
class TensorStreamer {
  /// Bytes of converted output held at once.
  static constexpr uint64_t kChunkBytes = 1 << 20;
  /// Weights converted by one parallel task (whole rows, at least one).
  static constexpr int64_t kElementsPerTask = 16384;

public:
  explicit TensorStreamer(unsigned threads) : pool(createWorkerPool(threads)) {}

  llvm::Error write(const PlannedTensor &t, llvm::raw_ostream &os) {
    if (!t.weight) {
      os.write(reinterpret_cast<const char *>(t.values.data()), t.bytes);
      return llvm::Error::success();
    }
    auto source = sources.resolve(t.weight);
    if (!source)
      return locateAt(t.weight, source.takeError());
    ::llmq::Format from = source->format;
    int64_t cols = source->cols, rows = source->rows;
    uint64_t srcRowBytes = source->rowBytes;
    const uint8_t *base = source->data;
    const FormatTraits &out = getFormatTraits(t.format);
    // Rows the logit mask amplified are scaled while converting.
    llvm::SmallDenseSet<int64_t> scaled;
    float rowScale = 1.0f;
    if (auto rows = t.weight.getScaledRowsAttr()) {
      scaled.insert(rows.asArrayRef().begin(), rows.asArrayRef().end());
      rowScale = t.weight.getRowScaleAttr().getValueAsDouble();
    }
    // Bytes already in the output format are copied as they are (Q and K
    // rows in llama.cpp's order): re-rounding them (with or without
    // importance) could only lose precision, and would undo the choices of
    // a pass that wrote them (GPTQ's parameter file).
    bool copy = from == t.format && !source->grouped && scaled.empty();
    uint64_t dstRowBytes = rowBytes(t.format, cols);
    // Work through whole heads at a time when permuting, so each chunk
    // reads exactly its own source rows and can hand their pages back.
    int64_t align = t.permuteHeads > 0 ? rows / t.permuteHeads : 1;
    int64_t chunkRows = std::max<int64_t>(
        1, kChunkBytes / std::max<uint64_t>(dstRowBytes, 1) / align);
    chunkRows *= align;
    // Hands back the source pages of rows [first, first + count): resident
    // memory stays at a chunk or two.
    auto release = [&](int64_t first, int64_t count) {
      source->file->release(source->offset + first * srcRowBytes,
                            count * srcRowBytes);
    };
    if (copy) {
      for (int64_t first = 0; first < rows; first += chunkRows) {
        int64_t count = std::min(chunkRows, rows - first);
        if (t.permuteHeads == 0)
          os.write(reinterpret_cast<const char *>(base + first * srcRowBytes),
                   count * srcRowBytes);
        else // Q/K rows reordered whole (rotate-half to interleaved heads)
          for (int64_t r = 0; r < count; ++r)
            os.write(reinterpret_cast<const char *>(
                         base + sourceRow(first + r, rows, t.permuteHeads) *
                                    srcRowBytes),
                     srcRowBytes);
        release(first, count);
      }
      sources.release(*source);
      return llvm::Error::success();
    }
    // Converting. The worker threads quantize chunk k into one buffer while
    // this thread writes chunk k-1 from the other and releases its pages,
    // so reading, quantizing and writing overlap; the chunks are written
    // in order. Rows are independent, so the bytes do not depend on the
    // threads. A task takes several rows of a narrow matrix: one row of
    // 2048 weights quantizes in tens of microseconds, not much more than
    // scheduling a task costs.
    int64_t rowsPerTask = std::max<int64_t>(1, kElementsPerTask / cols);
    const float *importance =
        t.importance.empty() ? nullptr : t.importance.data();
    int64_t pendingFirst = 0, pendingCount = 0; // written after the next
    int slot = 0;
    for (int64_t first = 0; first < rows; first += chunkRows) {
      int64_t count = std::min(chunkRows, rows - first);
      std::vector<uint8_t> &buffer = buffers[slot];
      buffer.resize(dstRowBytes * count);
      uint8_t *dst = buffer.data();
      {
        // Without a pool (one worker thread) each task runs here, at once.
        std::optional<llvm::ThreadPoolTaskGroup> group;
        if (pool)
          group.emplace(*pool);
        for (int64_t begin = 0; begin < count; begin += rowsPerTask) {
          int64_t end = std::min(count, begin + rowsPerTask);
          auto task = [&, begin, end] {
            thread_local std::vector<float> row;
            row.resize(cols);
            for (int64_t r = begin; r < end; ++r) {
              int64_t src = sourceRow(first + r, rows, t.permuteHeads);
              source->dequantizeRow(src, row.data());
              if (scaled.contains(first + r))
                for (float &v : row)
                  v *= rowScale;
              out.quantizeRow(row.data(), dst + r * dstRowBytes, cols,
                              importance);
            }
          };
          if (group)
            group->async(task);
          else
            task();
        }
        if (pendingCount) {
          const std::vector<uint8_t> &done = buffers[slot ^ 1];
          os.write(reinterpret_cast<const char *>(done.data()), done.size());
          release(pendingFirst, pendingCount);
        }
      } // waits for the chunk's tasks
      pendingFirst = first;
      pendingCount = count;
      slot ^= 1;
    }
    if (pendingCount) {
      const std::vector<uint8_t> &done = buffers[slot ^ 1];
      os.write(reinterpret_cast<const char *>(done.data()), done.size());
      release(pendingFirst, pendingCount);
    }
    sources.release(*source);
    return llvm::Error::success();
  }

private:
  /// The workers converting rows; none when there is one.
  std::unique_ptr<llvm::ThreadPoolInterface> pool;
  WeightSources sources;
  /// Converted chunks: one being written, one being filled.
  std::vector<uint8_t> buffers[2];
};
} // namespace

namespace llmq {
llvm::Error checkRepetitionOptions(const GGUFExportOptions &options) {
  // The key is a float32: a value that overflows or underflows it is refused
  // as well (1e300 would be inf there, 1e-300 a penalty of 0).
  if (options.repeatPenalty &&
      (!std::isfinite(static_cast<float>(*options.repeatPenalty)) ||
       static_cast<float>(*options.repeatPenalty) <= 0))
    return exportError(
        "--repeat-penalty: " + formatPenalty(*options.repeatPenalty) +
        " is not a finite number > 0 (1: off)");
  if (options.repeatLastN &&
      (*options.repeatLastN < -1 ||
       *options.repeatLastN > std::numeric_limits<int32_t>::max()))
    return exportError("--repeat-last-n: " + Twine(*options.repeatLastN) +
                       " is outside [-1, " +
                       Twine(std::numeric_limits<int32_t>::max()) +
                       "] (-1: the context size, 0: off)");
  return llvm::Error::success();
}

llvm::Error exportGGUF(ModuleOp module, StringRef outputPath,
                       const GGUFExportOptions &options) {
  auto models = module.getOps<ModelOp>();
  if (std::distance(models.begin(), models.end()) != 1)
    return errorAt(module, "export-gguf: expected exactly one llmq.model");
  ModelOp model = *models.begin();
  if (llvm::Error err = checkRepetitionOptions(options))
    return err;
  // Neither the GGUF nor a sidecar may replace a file the model reads.
  protectModelFiles(module);
  if (llvm::Error err = checkOutputFile(outputPath))
    return err;
  const ArchInfo *arch = lookupArch(model.getArch());
  if (!arch)
    return errorAt(model, "export-gguf: unknown architecture '" +
                              model.getArch() + "'");
  TokenizerAttr tokenizer = model.getTokenizerAttr();
  if (!tokenizer)
    return errorAt(model, "export-gguf: model '" + model.getSymName() +
                              "' has no tokenizer; llama.cpp needs one");

  GGUFWriter writer;
  if (llvm::Error err =
          addModelMetadata(writer, model, *arch, options.defaultFormat))
    return err;
  // A tokenizer that lives in a GGUF file is carried through as its keys.
  if (!tokenizer.getFile().ends_with(".gguf")) {
    SpecialTokens special{tokenizer.getBos(), tokenizer.getEos(),
                          tokenizer.getAddBos().getValue()};
    if (llvm::Error err = addTokenizerMetadata(writer, tokenizer.getFile(),
                                               model.getVocabSize(), special))
      return err;
  } else if (llvm::Error err = carryMetadata(writer, tokenizer.getFile(),
                                             /*prefix=*/"tokenizer.")) {
    return err;
  }
  if (StringAttr source = model.getGgufMetadataAttr())
    if (llvm::Error err = carryMetadata(writer, source.getValue(), ""))
      return err;
  auto masks = model.getBody().getOps<LogitMaskOp>();
  LogitMaskOp mask = masks.empty() ? LogitMaskOp() : *masks.begin();
  if (mask)
    addMaskMetadata(writer, mask);
  addSamplingMetadata(writer, options);
  llvm::Expected<std::vector<PlannedTensor>> plan =
      planTensors(model, *arch, options);
  if (!plan)
    return plan.takeError();
  for (const PlannedTensor &t : *plan)
    writer.addTensor(t.name, t.ne, getFormatTraits(t.format).ggmlType, t.bytes);

  llvm::Expected<std::unique_ptr<AtomicOutputFile>> output =
      AtomicOutputFile::create(outputPath);
  if (!output)
    return output.takeError();
  std::vector<std::unique_ptr<AtomicOutputFile>> sidecars;
  if (mask || options.repeatPenalty || options.repeatLastN) {
    auto written = writeLogitBiasSidecars(mask, options, outputPath);
    if (!written)
      return written.takeError();
    sidecars = std::move(*written);
  }
  llvm::raw_ostream &os = (*output)->os();
  writer.writeHeader(os);
  TensorStreamer streamer(
      getWorkerThreads(model, options.threads, "export-gguf"));
  Progress progress("export-gguf", plan->size());
  for (auto [index, t] : llvm::enumerate(*plan)) {
    progress.step(index, t.name);
    if (llvm::Error err = streamer.write(t, os))
      return err;
    GGUFWriter::writeTensorPadding(os, t.bytes);
  }
  for (std::unique_ptr<AtomicOutputFile> &sidecar : sidecars)
    if (llvm::Error err = sidecar->commit())
      return err;
  return (*output)->commit();
}
} // namespace llmq
