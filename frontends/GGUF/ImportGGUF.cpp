//===- ImportGGUF.cpp - GGUF importer -------------------------------------===//
//
// The architecture table is read backwards: general.architecture selects the
// row, "{arch}.*" keys give the hyperparameters, and each block role's GGUF
// name finds its tensor. llama-family Q/K rows in GGUF are in llama.cpp's
// permuted order, which the model records as rope_interleaved.
//
//===----------------------------------------------------------------------===//

#include "frontends/GGUF/ImportGGUF.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/RopeScaling.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/files/GGUFReader.h"
#include "frontends/ModelLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;

static llvm::Error importError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The element type and stored format of a GGUF tensor of ggml type `type`.
static std::optional<std::pair<Type, std::optional<::llmq::Format>>>
elementFor(uint32_t type, MLIRContext &context) {
  for (unsigned i = 0; i < ::llmq::NumFormats; ++i) {
    auto format = static_cast<::llmq::Format>(i);
    if (::llmq::getFormatTraits(format).ggmlType != type)
      continue;
    switch (format) {
    case ::llmq::Format::F32:
      return std::make_pair(Type(Float32Type::get(&context)), std::nullopt);
    case ::llmq::Format::F16:
      return std::make_pair(Type(Float16Type::get(&context)), std::nullopt);
    case ::llmq::Format::BF16:
      return std::make_pair(Type(BFloat16Type::get(&context)), std::nullopt);
    default:
      return std::make_pair(Type(Float32Type::get(&context)),
                            std::optional(format));
    }
  }
  return std::nullopt;
}

namespace {
class GGUFImporter {
public:
  GGUFImporter(const ::llmq::GGUFFile &file, MLIRContext &context)
      : file(file), context(context), builder(&context) {}

  llvm::Expected<OwningOpRef<ModuleOp>> run();

private:
  /// The unsigned integer `{arch}.key`, which must lie in [lo, hi];
  /// `fallback` when missing (an error if there is none).
  llvm::Expected<int64_t> integer(StringRef key, int64_t lo, int64_t hi,
                                  std::optional<int64_t> fallback = {}) {
    std::string name = prefix + key.str();
    const ::llmq::GGUFValue *value = file.lookup(name);
    if (!value) {
      if (fallback)
        return *fallback;
      return importError(file.path() + ": missing key '" + name + "'");
    }
    std::optional<uint64_t> number = value->getUInt();
    if (!value->isInteger())
      return importError(file.path() + ": key '" + name + "' has type " +
                         ::llmq::ggufValueTypeName(value->getType()) +
                         ", expected an integer");
    if (!number || *number > uint64_t(hi) || *number < uint64_t(lo)) {
      std::string shown = number ? std::to_string(*number)
                                 : std::to_string(*value->getInt());
      return importError(file.path() + ": key '" + name + "' is " + shown +
                         ", outside [" + Twine(lo) + ", " + Twine(hi) + "]");
    }
    return int64_t(*number);
  }
  /// Emits weight `symbol` from tensor `name`, which must have `shape`
  /// (Hugging Face order).
  llvm::Error emitWeight(StringRef symbol, StringRef name,
                         ArrayRef<int64_t> shape);

  const ::llmq::GGUFFile &file;
  MLIRContext &context;
  OpBuilder builder;
  std::string prefix;
};
} // namespace

llvm::Error GGUFImporter::emitWeight(StringRef symbol, StringRef name,
                                     ArrayRef<int64_t> shape) {
  const ::llmq::GGUFTensorInfo *tensor = file.findTensor(name);
  if (!tensor)
    return importError(file.path() + ": tensor '" + name + "' is missing");
  SmallVector<int64_t, 2> actual(tensor->ne.rbegin(), tensor->ne.rend());
  if (ArrayRef<int64_t>(actual) != shape) {
    std::string want, got;
    for (int64_t d : shape)
      want += (want.empty() ? "" : "x") + std::to_string(d);
    for (int64_t d : actual)
      got += (got.empty() ? "" : "x") + std::to_string(d);
    return importError(file.path() + ": tensor '" + name + "' has shape " +
                       got + ", but the metadata implies " + want);
  }
  auto element = elementFor(tensor->ggmlType, context);
  if (!element)
    return importError(file.path() + ": tensor '" + name + "' has ggml type " +
                       Twine(tensor->ggmlType) +
                       ", which llmq does not read yet");
  auto [type, stored] = *element;
  auto source = SourceAttr::get(
      &context, file.path(), name, tensor->offset,
      stored ? FormatAttr::get(&context, *stored) : FormatAttr(), "", "");
  WeightOp::create(builder, FileLineColLoc::get(&context, file.path(), 0, 0),
                   symbol, RankedTensorType::get(shape, type), source,
                   FormatAttr(), DenseI64ArrayAttr(), FloatAttr());
  return llvm::Error::success();
}

llvm::Expected<OwningOpRef<ModuleOp>> GGUFImporter::run() {
  std::optional<StringRef> archName = file.getString("general.architecture");
  if (!archName)
    return importError(file.path() + ": missing 'general.architecture'");
  const ArchInfo *arch = nullptr;
  for (const ArchInfo &candidate : getArchitectures())
    if (candidate.ggufArch == *archName) {
      arch = &candidate;
      break;
    }
  if (!arch)
    return importError(file.path() + ": unknown architecture '" + *archName +
                       "' (supported: " + listArchitectures() + ")");
  prefix = archName->str() + ".";
  if (file.findTensor("rope_freqs.weight"))
    return importError(file.path() + ": tensor 'rope_freqs.weight' (llama3 "
                                     "rope scaling) is not supported yet");

  // Every size is bounded before anything is allocated or shaped by it.
  ModelDims dims;
  int64_t layers = 0, contextLength = 0;
  struct SizeKey {
    int64_t *target;
    StringRef key;
    int64_t max;
  } keys[] = {{&dims.hidden, "embedding_length", ::llmq::kMaxHidden},
              {&layers, "block_count", ::llmq::kMaxLayers},
              {&dims.ffn, "feed_forward_length", ::llmq::kMaxFfn},
              {&dims.numHeads, "attention.head_count", ::llmq::kMaxHeads},
              {&contextLength, "context_length", ::llmq::kMaxContext}};
  for (const SizeKey &size : keys) {
    auto value = integer(size.key, 1, size.max);
    if (!value)
      return value.takeError();
    *size.target = *value;
  }
  auto kvHeads =
      integer("attention.head_count_kv", 1, ::llmq::kMaxHeads, dims.numHeads);
  auto headDim = integer("attention.key_length", 1, ::llmq::kMaxHeadDim,
                         dims.hidden / dims.numHeads);
  if (!kvHeads)
    return kvHeads.takeError();
  if (!headDim)
    return headDim.takeError();
  dims.numKVHeads = *kvHeads;
  dims.headDim = *headDim;
  if (dims.headDim == 0)
    return importError(file.path() + ": key '" + prefix +
                       "attention.key_length' is missing and embedding_length " +
                       Twine(dims.hidden) + " is smaller than " +
                       Twine(dims.numHeads) + " heads");
  const ::llmq::GGUFTensorInfo *embedding = file.findTensor("token_embd.weight");
  if (!embedding || embedding->ne.size() != 2)
    return importError(file.path() +
                       ": tensor 'token_embd.weight' is missing or not 2-D");
  dims.vocab = embedding->ne[1];
  if (dims.vocab < 1 || dims.vocab > ::llmq::kMaxVocab)
    return importError(file.path() + ": tensor 'token_embd.weight' has " +
                       Twine(dims.vocab) + " rows (the vocabulary), outside [1, " +
                       Twine(::llmq::kMaxVocab) + "]");
  double theta = file.getFloat(prefix + "rope.freq_base").value_or(10000.0);
  double eps =
      file.getFloat(prefix + "attention.layer_norm_rms_epsilon").value_or(1e-5);
  NamedAttrList scaling;
  if (file.getString(prefix + "rope.scaling.type") == StringRef("linear")) {
    scaling.append("type", builder.getStringAttr("linear"));
    scaling.append("factor", builder.getF64FloatAttr(
                                 file.getFloat(prefix + "rope.scaling.factor")
                                     .value_or(1.0)));
  }

  // Tokenizer: the file itself holds it.
  // llama.cpp reads token ids as int32: 0xFFFFFFFF (and anything past
  // INT32_MAX) is its null token, -1 here, never a huge id the IR would
  // carry and a consumer truncate.
  auto tokenId = [&](StringRef key) -> int64_t {
    std::optional<uint64_t> id = file.getUInt(key);
    return id && *id <= uint64_t(INT32_MAX) ? int64_t(*id) : -1;
  };
  int64_t bos = tokenId("tokenizer.ggml.bos_token_id");
  int64_t eos = tokenId("tokenizer.ggml.eos_token_id");
  bool addBos = file.getBool("tokenizer.ggml.add_bos_token").value_or(true);
  TokenizerAttr tokenizer;
  if (file.lookup("tokenizer.ggml.tokens"))
    tokenizer = TokenizerAttr::get(&context, file.path(), bos, eos,
                                   builder.getBoolAttr(addBos));

  bool tied = !file.findTensor("output.weight");
  Location loc = FileLineColLoc::get(&context, file.path(), 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  builder.setInsertionPointToStart(module->getBody());
  std::string name = file.getString("general.name")
                         .value_or(llvm::sys::path::stem(file.path()))
                         .str();
  RopeScalingAttr ropeScaling;
  if (!scaling.empty()) {
    auto built = buildRopeScaling(&context, scaling.getDictionary(&context));
    if (!built)
      return importError(file.path() + ": " +
                         llvm::toString(built.takeError()));
    ropeScaling = *built;
  }
  auto model = ModelOp::create(
      builder, loc, name, arch->name, dims.hidden, layers, dims.numHeads,
      dims.numKVHeads, dims.headDim, dims.ffn, dims.vocab, contextLength,
      APFloat(theta), APFloat(eps), tied, ropeScaling,
      /*rope_interleaved=*/arch->permuteQK, tokenizer,
      builder.getStringAttr(file.path()), /*hf_config=*/nullptr);
  model.getBody().emplaceBlock();
  builder.setInsertionPointToStart(&model.getBody().front());

  int64_t vocabByHidden[] = {dims.vocab, dims.hidden};
  if (llvm::Error err =
          emitWeight(kEmbeddingName, "token_embd.weight", vocabByHidden))
    return std::move(err);
  SmallVector<NamedAttrList> blockWeights(layers);
  for (int64_t layer = 0; layer < layers; ++layer) {
    for (const BlockTensor &tensor : arch->blockTensors) {
      const RoleInfo &role = getRoleInfo(tensor.role);
      SmallVector<int64_t, 2> shape;
      for (unsigned i = 0; i < role.rank; ++i)
        shape.push_back(resolveDim(role.shape[i], dims));
      std::string symbol = blockWeightName(layer, tensor.role);
      std::string tensorName =
          "blk." + std::to_string(layer) + "." + role.ggufName.str();
      if (llvm::Error err = emitWeight(symbol, tensorName, shape))
        return std::move(err);
      blockWeights[layer].append(role.name,
                                 FlatSymbolRefAttr::get(&context, symbol));
    }
  }
  int64_t hiddenOnly[] = {dims.hidden};
  if (llvm::Error err =
          emitWeight(kFinalNormName, "output_norm.weight", hiddenOnly))
    return std::move(err);
  if (!tied)
    if (llvm::Error err =
            emitWeight(kLmHeadName, "output.weight", vocabByHidden))
      return std::move(err);

  // Sliding windows: one size, and a period whose last layer is global.
  auto window =
      integer("attention.sliding_window", 0, ::llmq::kMaxContext, int64_t(0));
  auto period = integer("attention.sliding_window_pattern", 0,
                        ::llmq::kMaxLayers, int64_t(0));
  if (!window)
    return window.takeError();
  if (!period)
    return period.takeError();
  EmbeddingOp::create(builder, loc, kEmbeddingName);
  for (int64_t layer = 0; layer < layers; ++layer) {
    bool sliding =
        *window > 0 && (*period == 0 || (layer + 1) % *period != 0);
    bool noRope = arch->ropeOnlyOnSlidingLayers && *window > 0 &&
                  *period > 0 && !sliding;
    BlockOp::create(builder, loc, builder.getI64IntegerAttr(layer),
                    blockWeights[layer].getDictionary(&context),
                    sliding ? builder.getI64IntegerAttr(*window) : IntegerAttr(),
                    noRope ? builder.getUnitAttr() : UnitAttr());
  }
  FinalNormOp::create(builder, loc, kFinalNormName);
  LmHeadOp::create(builder, loc, tied ? kEmbeddingName : kLmHeadName);
  if (failed(mlir::verify(*module)))
    return importError(file.path() + ": the imported model does not verify");
  return std::move(module);
}

namespace llmq {
llvm::Expected<OwningOpRef<ModuleOp>> importGGUF(StringRef path,
                                                 MLIRContext &context) {
  context.getOrLoadDialect<LlmqDialect>();
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  auto file = GGUFFile::open(absolute);
  if (!file)
    return file.takeError();
  return GGUFImporter(**file, context).run();
}
} // namespace llmq
