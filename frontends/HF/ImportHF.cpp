//===- ImportHF.cpp - Hugging Face checkpoint importer --------------------===//
//
// Reads config.json in both transformers 4.x and 5.x spellings, locates every
// tensor the architecture table asks for in the safetensors headers, checks
// its shape against the config, and emits weight symbols that reference the
// tensors in place.
//
//===----------------------------------------------------------------------===//

#include "frontends/HF/ImportHF.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/JsonFile.h"
#include "formats/files/ReadFile.h"
#include "formats/files/OutputPaths.h"
#include "dialects/Llmq/RopeScaling.h"
#include "formats/files/Safetensors.h"
#include "frontends/ModelLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "formats/files/Json.h"

#include <cmath>
#include <cstdio>
#include <limits>

using namespace llmq;
using namespace mlir;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;
using namespace ::llmq::json;

static llvm::Error importError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string joinPath(StringRef directory, StringRef name) {
  llvm::SmallString<256> path(directory);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// Parses the JSON file at `path` (a regular file of at most `limit` bytes,
/// no key repeated); a missing file is an error only if `required`,
/// otherwise it yields null.
static llvm::Expected<Json> readJson(StringRef path, bool required,
                                     uint64_t limit = kMaxConfigFileBytes) {
  protectInput(path, "a checkpoint file");
  if (!required && !llvm::sys::fs::exists(path))
    return Json();
  llvm::Expected<Json> json = readJsonFile(path, limit, "JSON file");
  if (!json)
    return json.takeError();
  if (!json->is_object())
    return importError(path + ": not a JSON object");
  return json;
}

namespace {
/// The hyperparameters of config.json, in llmq's terms.
struct HFConfig {
  const ArchInfo *arch = nullptr;
  ModelDims dims;
  int64_t numLayers = 0, contextLength = 0;
  double ropeTheta = 10000.0, normEps = 1e-6;
  bool tied = false;
  NamedAttrList ropeScaling;
  int64_t bos = -1, eos = -1;
  /// Per layer: the sliding-window size (0 for global attention), and
  /// whether the layer skips RoPE.
  std::vector<int64_t> slidingWindow;
  std::vector<bool> noRope;
};

static std::string numberText(double value) {
  char text[32];
  snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// A JSON value as an error shows it: short, on one line.
static std::string shown(const Json &value) {
  if (value.is_array())
    return "an array";
  if (value.is_object())
    return "an object";
  std::string text = value.dump();
  if (text.size() > 40)
    text = text.substr(0, 37) + "...";
  return text;
}

/// Reads config.json keys with the file's name in every error.
class ConfigReader {
public:
  ConfigReader(const Json &json, std::string path)
      : json(json), path(std::move(path)) {}

  /// The integer at `key`, which must lie in [lo, hi]; `fallback` when it
  /// is missing or null.
  llvm::Expected<int64_t> integer(StringRef key, int64_t lo, int64_t hi,
                                  std::optional<int64_t> fallback = {}) const {
    auto it = json.find(key.str());
    if (it == json.end() || it->is_null()) {
      if (fallback)
        return *fallback;
      return importError(path + ": missing '" + key + "'");
    }
    if (!it->is_number_integer())
      return importError(path + ": '" + key + "' is " + shown(*it) +
                         ", not an integer");
    if (it->is_number_unsigned() &&
        it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
      return importError(path + ": '" + key + "' is " + shown(*it) +
                         ", outside [" + Twine(lo) + ", " + Twine(hi) + "]");
    int64_t value = it->get<int64_t>();
    if (llvm::Error err = checkLimit(path, key, value, lo, hi))
      return std::move(err);
    return value;
  }

  /// The number at `key`, or in the object at `parent` under `key`; nullopt
  /// when missing or null, an error when of another type.
  llvm::Expected<std::optional<double>> number(StringRef key,
                                               StringRef parent = {}) const {
    const Json *scope = &json;
    if (!parent.empty()) {
      auto p = json.find(parent.str());
      if (p == json.end() || p->is_null())
        return std::nullopt;
      if (!p->is_object())
        return importError(path + ": '" + parent + "' is " + shown(*p) +
                           ", not an object");
      scope = &*p;
    }
    auto it = scope->find(key.str());
    if (it == scope->end() || it->is_null())
      return std::nullopt;
    if (!it->is_number())
      return importError(path + ": '" + key + "' is " + shown(*it) +
                         ", not a number");
    return it->get<double>();
  }

  /// The boolean at `key`, `fallback` when missing or null.
  llvm::Expected<bool> boolean(StringRef key, bool fallback) const {
    auto it = json.find(key.str());
    if (it == json.end() || it->is_null())
      return fallback;
    if (!it->is_boolean())
      return importError(path + ": '" + key + "' is " + shown(*it) +
                         ", not a boolean");
    return it->get<bool>();
  }

  /// A token id: an integer, or the first of a list (eos may be several);
  /// -1 when missing or null.
  llvm::Expected<int64_t> tokenId(StringRef key) const {
    auto it = json.find(key.str());
    if (it == json.end() || it->is_null())
      return -1;
    if (it->is_array() && it->empty())
      return -1;
    const Json *id = &*it;
    if (it->is_array())
      id = &(*it)[0];
    if (!id->is_number_integer() || id->get<int64_t>() < 0 ||
        id->get<int64_t>() >= kMaxVocab)
      return importError(path + ": '" + key + "' is " + shown(*it) +
                         ", not a token id (an integer in [0, " +
                         Twine(kMaxVocab - 1) + "] or a list of them)");
    return id->get<int64_t>();
  }

  const Json &json;
  std::string path;
};
} // namespace

/// Reads the rope scaling block: transformers 5.x keeps it in
/// rope_parameters (with rope_theta), 4.x in rope_scaling.
static llvm::Error readRopeScaling(const ConfigReader &config,
                                   MLIRContext &context, HFConfig &out) {
  const Json *scaling = nullptr;
  for (const char *key : {"rope_parameters", "rope_scaling"}) {
    auto it = config.json.find(key);
    if (it == config.json.end() || it->is_null())
      continue;
    if (!it->is_object())
      return importError(config.path + ": '" + key + "' is " + shown(*it) +
                         ", not an object");
    scaling = &*it;
  }
  if (!scaling)
    return llvm::Error::success();
  std::string type;
  for (const char *key : {"rope_type", "type"}) {
    auto it = scaling->find(key);
    if (it == scaling->end() || it->is_null())
      continue;
    if (!it->is_string())
      return importError(config.path + ": rope scaling '" + key + "' is " +
                         shown(*it) + ", not a string");
    type = it->get<std::string>();
  }
  if (type.empty() || type == "default")
    return llvm::Error::success();
  // Each supported type and the numbers it needs.
  static const struct {
    const char *type;
    std::vector<const char *> keys;
  } kScalings[] = {
      {"linear", {"factor"}},
      {"llama3",
       {"factor", "low_freq_factor", "high_freq_factor",
        "original_max_position_embeddings"}},
  };
  for (const auto &known : kScalings) {
    if (type != known.type)
      continue;
    Builder b(&context);
    out.ropeScaling.append("type", b.getStringAttr(type));
    for (const char *key : known.keys) {
      auto it = scaling->find(key);
      if (it == scaling->end() || !it->is_number() ||
          !std::isfinite(it->get<double>()))
        return importError(config.path + ": rope scaling '" + type +
                           "' needs a number '" + key + "'");
      out.ropeScaling.append(key, b.getF64FloatAttr(it->get<double>()));
    }
    return llvm::Error::success();
  }
  return importError(config.path + ": unsupported rope scaling type '" + type +
                     "' (supported: default, linear, llama3)");
}

/// Which layers use sliding-window attention: `layer_types` (transformers 5),
/// else EXAONE's `sliding_window_pattern` string ("LLLG": L = sliding),
/// else every layer when a window is set and not switched off
/// (`use_sliding_window`, Qwen's flag).
static llvm::Error readLayerTypes(const ConfigReader &config, HFConfig &out) {
  // A window of 0 (or null) means none.
  llvm::Expected<int64_t> window =
      config.integer("sliding_window", 0, kMaxContext, int64_t(0));
  if (!window)
    return window.takeError();
  out.slidingWindow.assign(out.numLayers, 0);
  out.noRope.assign(out.numLayers, false);
  if (*window <= 0)
    return llvm::Error::success();
  const Json &types = member(config.json, "layer_types");
  if (!types.is_null() && !types.is_array())
    return importError(config.path + ": 'layer_types' is " + shown(types) +
                       ", not an array");
  std::string pattern = getString(config.json, "sliding_window_pattern");
  llvm::Expected<bool> useSliding = config.boolean("use_sliding_window", true);
  if (!useSliding)
    return useSliding.takeError();
  if (types.is_array() && static_cast<int64_t>(types.size()) != out.numLayers)
    return importError(config.path + ": layer_types has " +
                       Twine(types.size()) + " entries for " +
                       Twine(out.numLayers) + " layers");
  for (int64_t i = 0; i < out.numLayers; ++i) {
    bool sliding;
    if (types.is_array()) {
      if (!types[i].is_string())
        return importError(config.path + ": layer_types entry " + Twine(i) +
                           " is " + shown(types[i]) + ", not a string");
      sliding = types[i].get<std::string>() == "sliding_attention";
    } else if (!pattern.empty()) {
      sliding = pattern[i % pattern.size()] == 'L';
    } else {
      sliding = *useSliding;
    }
    out.slidingWindow[i] = sliding ? *window : 0;
  }
  bool anySliding = llvm::any_of(out.slidingWindow, [](int64_t w) { return w; });
  if (out.arch->ropeOnlyOnSlidingLayers && anySliding)
    for (int64_t i = 0; i < out.numLayers; ++i)
      out.noRope[i] = out.slidingWindow[i] == 0;
  return llvm::Error::success();
}

static llvm::Expected<HFConfig> readConfig(StringRef directory,
                                           MLIRContext &context) {
  std::string path = joinPath(directory, "config.json");
  if (!llvm::sys::fs::exists(path))
    return importError(path + ": missing (not a Hugging Face checkpoint?)");
  llvm::Expected<Json> json = readJson(path, /*required=*/true);
  if (!json)
    return json.takeError();
  ConfigReader config(*json, path);
  HFConfig out;
  auto type = json->find("model_type");
  if (type == json->end() || !type->is_string())
    return importError(path + ": missing 'model_type'");
  std::string modelType = type->get<std::string>();
  out.arch = lookupArch(modelType);
  if (!out.arch)
    return importError(path + ": unknown model_type '" + modelType +
                       "' (supported: " + listArchitectures() + ")");

  // Every size is bounded before anything is allocated or shaped by it.
  struct SizeKey {
    int64_t *target;
    const char *key;
    int64_t max;
  } sizes[] = {{&out.dims.hidden, "hidden_size", kMaxHidden},
               {&out.numLayers, "num_hidden_layers", kMaxLayers},
               {&out.dims.numHeads, "num_attention_heads", kMaxHeads},
               {&out.dims.ffn, "intermediate_size", kMaxFfn},
               {&out.dims.vocab, "vocab_size", kMaxVocab}};
  for (const SizeKey &size : sizes) {
    llvm::Expected<int64_t> value = config.integer(size.key, 1, size.max);
    if (!value)
      return value.takeError();
    *size.target = *value;
  }
  auto kvHeads = config.integer("num_key_value_heads", 1, kMaxHeads,
                                out.dims.numHeads);
  auto headDim = config.integer("head_dim", 1, kMaxHeadDim,
                                out.dims.hidden / out.dims.numHeads);
  auto context_ = config.integer("max_position_embeddings", 1, kMaxContext,
                                 int64_t(4096));
  for (auto *value : {&kvHeads, &headDim, &context_})
    if (!*value)
      return value->takeError();
  out.dims.numKVHeads = *kvHeads;
  out.dims.headDim = *headDim;
  if (out.dims.headDim == 0)
    return importError(path + ": 'head_dim' is missing and hidden_size " +
                       Twine(out.dims.hidden) + " is smaller than " +
                       Twine(out.dims.numHeads) + " heads");
  out.contextLength = *context_;
  auto theta = config.number("rope_theta");
  auto nestedTheta = config.number("rope_theta", "rope_parameters");
  auto eps = config.number("rms_norm_eps");
  for (auto *value : {&theta, &nestedTheta, &eps})
    if (!*value)
      return value->takeError();
  if (*theta)
    out.ropeTheta = **theta;
  else if (*nestedTheta)
    out.ropeTheta = **nestedTheta;
  if (*eps)
    out.normEps = **eps;
  if (!(out.ropeTheta > 0) || !std::isfinite(out.ropeTheta))
    return importError(path + ": 'rope_theta' is " + numberText(out.ropeTheta) +
                       ", not a positive number");
  if (!(out.normEps > 0) || !std::isfinite(out.normEps))
    return importError(path + ": 'rms_norm_eps' is " + numberText(out.normEps) +
                       ", not a positive number");
  llvm::Expected<bool> tied = config.boolean("tie_word_embeddings", false);
  if (!tied)
    return tied.takeError();
  out.tied = *tied;
  if (llvm::Error err = readRopeScaling(config, context, out))
    return std::move(err);

  if (llvm::Error err = readLayerTypes(config, out))
    return std::move(err);

  auto bos = config.tokenId("bos_token_id");
  auto eos = config.tokenId("eos_token_id");
  if (!bos)
    return bos.takeError();
  if (!eos)
    return eos.takeError();
  out.bos = *bos;
  out.eos = *eos;
  // generation_config.json fills in what config.json leaves out.
  std::string genPath = joinPath(directory, "generation_config.json");
  llvm::Expected<Json> gen = readJson(genPath, /*required=*/false);
  if (!gen)
    return gen.takeError();
  if (!gen->is_null()) {
    ConfigReader genConfig(*gen, genPath);
    for (auto [target, key] : {std::pair{&out.bos, "bos_token_id"},
                               std::pair{&out.eos, "eos_token_id"}}) {
      if (*target >= 0)
        continue;
      llvm::Expected<int64_t> id = genConfig.tokenId(key);
      if (!id)
        return id.takeError();
      *target = *id;
    }
  }
  return out;
}

namespace {
/// Where each tensor of the checkpoint lives, over all shards.
struct TensorIndex {
  std::vector<SafetensorsHeader> files;
  llvm::StringMap<std::pair<const SafetensorsHeader *, const SafetensorsTensor *>>
      tensors;
};
} // namespace

/// Checks that `name`, taken from index.json, names a file inside the
/// checkpoint directory.
static llvm::Error checkShardName(StringRef indexPath, StringRef name) {
  bool escapes = name.empty() || llvm::sys::path::is_absolute(name);
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(name),
                                         llvm::sys::path::end(name)))
    escapes |= part == "..";
  if (escapes)
    return importError(indexPath + ": shard path '" + name +
                       "' points outside the checkpoint directory");
  return llvm::Error::success();
}

static llvm::Expected<TensorIndex> readTensorIndex(StringRef directory) {
  TensorIndex index;
  std::string indexPath = joinPath(directory, "model.safetensors.index.json");
  llvm::SmallVector<std::string, 8> shardNames;
  llvm::StringMap<std::string> expectedShard; // tensor -> shard, from index
  if (llvm::sys::fs::exists(indexPath)) {
    llvm::Expected<Json> json = readJson(indexPath, /*required=*/true);
    if (!json)
      return json.takeError();
    auto map = json->find("weight_map");
    if (map == json->end() || !map->is_object())
      return importError(indexPath + ": missing 'weight_map'");
    for (auto &[tensor, file] : map->items()) {
      if (!file.is_string())
        return importError(indexPath + ": shard of tensor '" + tensor +
                           "' is not a string");
      std::string name = file.get<std::string>();
      if (llvm::Error err = checkShardName(indexPath, name))
        return std::move(err);
      if (!llvm::is_contained(shardNames, name)) {
        if (!llvm::sys::fs::exists(joinPath(directory, name)))
          return importError(indexPath + ": shard '" + name +
                             "' (holding tensor '" + tensor +
                             "') is missing from the checkpoint");
        shardNames.push_back(name);
      }
      expectedShard[tensor] = name;
    }
  } else {
    std::string single = joinPath(directory, "model.safetensors");
    if (!llvm::sys::fs::exists(single))
      return importError(directory +
                         ": no model.safetensors or "
                         "model.safetensors.index.json");
    shardNames.push_back("model.safetensors");
  }

  llvm::sort(shardNames); // headers are read in a fixed order
  index.files.reserve(shardNames.size());
  auto absoluteShard = [&](StringRef name) {
    llvm::SmallString<256> absolute(joinPath(directory, name));
    llvm::sys::fs::make_absolute(absolute);
    llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
    return std::string(absolute);
  };
  for (const std::string &name : shardNames) {
    llvm::Expected<SafetensorsHeader> header =
        readSafetensorsHeader(absoluteShard(name));
    if (!header)
      return header.takeError();
    index.files.push_back(std::move(*header));
  }
  for (const SafetensorsHeader &file : index.files)
    for (const auto &entry : file.tensors) {
      auto [it, inserted] =
          index.tensors.try_emplace(entry.getKey(), &file, &entry.getValue());
      if (!inserted)
        return importError(directory + ": tensor '" + entry.getKey() +
                           "' is in both '" + it->getValue().first->path +
                           "' and '" + file.path + "'");
    }
  for (const auto &entry : expectedShard) {
    auto found = index.tensors.find(entry.getKey());
    if (found == index.tensors.end())
      return importError(indexPath + ": tensor '" + entry.getKey() +
                         "' is listed in shard '" + entry.getValue() +
                         "' but is not in it");
    StringRef actual = found->getValue().first->path;
    if (actual != absoluteShard(entry.getValue()))
      return importError(indexPath + ": tensor '" + entry.getKey() +
                         "' is listed in shard '" + entry.getValue() +
                         "' but is in shard '" +
                         llvm::sys::path::filename(actual) + "'");
  }
  return index;
}

static Type elementType(Format dtype, MLIRContext &context) {
  switch (dtype) {
  case Format::F16:
    return Float16Type::get(&context);
  case Format::BF16:
    return BFloat16Type::get(&context);
  default:
    return Float32Type::get(&context);
  }
}

namespace {
/// Emits weight symbols for tensors found in the index.
class WeightEmitter {
public:
  WeightEmitter(const TensorIndex &index, OpBuilder &builder,
                StringRef directory)
      : index(index), builder(builder), directory(directory) {}

  /// Emits `symbol` for HF tensor `key`, which must have `shape`.
  llvm::Error emit(StringRef symbol, StringRef key,
                   llvm::ArrayRef<int64_t> shape) {
    auto found = index.tensors.find(key);
    if (found == index.tensors.end())
      return importError(directory + ": tensor '" + key +
                         "' is missing from the checkpoint");
    auto [file, tensor] = found->getValue();
    if (llvm::ArrayRef<int64_t>(tensor->shape) != shape)
      return importError(file->path + ": tensor '" + key + "' has shape " +
                         shapeText(tensor->shape) + ", but config.json implies " +
                         shapeText(shape));
    MLIRContext &context = *builder.getContext();
    auto type = RankedTensorType::get(shape, elementType(tensor->dtype, context));
    auto source = SourceAttr::get(&context, file->path, key, tensor->offset,
                                  FormatAttr(), "", "");
    WeightOp::create(builder, FileLineColLoc::get(&context, file->path, 0, 0),
                     symbol, type, source, FormatAttr(),
                     DenseI64ArrayAttr(), FloatAttr());
    return llvm::Error::success();
  }

  const TensorIndex &index;
  OpBuilder &builder;
  StringRef directory;
};
} // namespace

/// The tokenizer attribute, or null when the checkpoint has no tokenizer.json.
static llvm::Expected<TokenizerAttr> readTokenizer(StringRef directory,
                                                   const HFConfig &config,
                                                   MLIRContext &context) {
  std::string path = joinPath(directory, "tokenizer.json");
  if (!llvm::sys::fs::exists(path))
    return TokenizerAttr();
  // Everything that loads the tokenizer later refuses a FIFO or a device;
  // say so now rather than record it.
  if (!llvm::sys::fs::is_regular_file(path))
    return importError(path + ": not a regular file");
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  // add_bos: tokenizer_config.json says so explicitly; otherwise a template
  // post-processor that starts with the bos token implies it.
  bool addBos = false;
  std::string configPath = joinPath(directory, "tokenizer_config.json");
  llvm::Expected<Json> tokConfig = readJson(configPath, /*required=*/false);
  if (!tokConfig)
    return tokConfig.takeError();
  const Json &explicitBos = member(*tokConfig, "add_bos_token");
  if (explicitBos.is_boolean()) {
    addBos = explicitBos.get<bool>();
  } else if (config.bos >= 0) {
    llvm::Expected<Json> tokenizer =
        readJson(path, /*required=*/true, kMaxTokenizerFileBytes);
    if (!tokenizer)
      return tokenizer.takeError();
    const Json &post = member(*tokenizer, "post_processor");
    std::function<bool(const Json &)> startsWithBos = [&](const Json &p) {
      if (getString(p, "type") == "Sequence") {
        for (const Json &inner : getArray(p, "processors"))
          if (startsWithBos(inner))
            return true;
        return false;
      }
      const Json &single = getArray(p, "single");
      return getString(p, "type") == "TemplateProcessing" && !single.empty() &&
             member(single[0], "SpecialToken").is_object();
    };
    addBos = startsWithBos(post);
  }
  return TokenizerAttr::get(&context, std::string(absolute), config.bos,
                            config.eos, BoolAttr::get(&context, addBos));
}

static std::string absolutePath(StringRef path) {
  llvm::SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  return std::string(absolute);
}

static std::string modelName(StringRef directory) {
  llvm::SmallString<256> absolute(directory);
  llvm::sys::fs::make_absolute(absolute);
  llvm::sys::path::remove_dots(absolute, /*remove_dot_dot=*/true);
  while (absolute.size() > 1 && llvm::sys::path::is_separator(absolute.back()))
    absolute.pop_back();
  StringRef name = llvm::sys::path::filename(absolute);
  return name.empty() ? "model" : name.str();
}

namespace llmq {
llvm::Expected<OwningOpRef<ModuleOp>> importHF(StringRef directory,
                                               MLIRContext &context) {
  context.getOrLoadDialect<LlmqDialect>();
  if (!llvm::sys::fs::is_directory(directory))
    return importError(directory + ": not a directory");
  llvm::Expected<HFConfig> config = readConfig(directory, context);
  if (!config)
    return config.takeError();
  llvm::Expected<TensorIndex> index = readTensorIndex(directory);
  if (!index)
    return index.takeError();
  llvm::Expected<TokenizerAttr> tokenizer =
      readTokenizer(directory, *config, context);
  if (!tokenizer)
    return tokenizer.takeError();

  Location loc = FileLineColLoc::get(&context, joinPath(directory, "config.json"),
                                     0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder builder(module->getBodyRegion());
  const ModelDims &dims = config->dims;
  RopeScalingAttr ropeScaling;
  if (!config->ropeScaling.empty()) {
    auto scaling =
        buildRopeScaling(&context, config->ropeScaling.getDictionary(&context));
    if (!scaling)
      return importError(joinPath(directory, "config.json") + ": " +
                         llvm::toString(scaling.takeError()));
    ropeScaling = *scaling;
  }
  auto model = ModelOp::create(
      builder, loc, modelName(directory), config->arch->name,
      dims.hidden, config->numLayers, dims.numHeads, dims.numKVHeads,
      dims.headDim, dims.ffn, dims.vocab, config->contextLength,
      APFloat(config->ropeTheta), APFloat(config->normEps), config->tied,
      ropeScaling, /*rope_interleaved=*/false, *tokenizer,
      /*gguf_metadata=*/nullptr,
      builder.getStringAttr(absolutePath(joinPath(directory, "config.json"))));
  model.getBody().emplaceBlock();
  builder.setInsertionPointToStart(&model.getBody().front());

  WeightEmitter weights(*index, builder, directory);
  int64_t vocabByHidden[] = {dims.vocab, dims.hidden};
  if (llvm::Error err = weights.emit(kEmbeddingName, kHFEmbedding, vocabByHidden))
    return std::move(err);
  SmallVector<NamedAttrList> blockWeights(config->numLayers);
  for (int64_t layer = 0; layer < config->numLayers; ++layer) {
    for (const BlockTensor &tensor : config->arch->blockTensors) {
      const RoleInfo &role = getRoleInfo(tensor.role);
      SmallVector<int64_t, 2> shape;
      for (unsigned i = 0; i < role.rank; ++i)
        shape.push_back(resolveDim(role.shape[i], dims));
      std::string symbol = blockWeightName(layer, tensor.role);
      std::string key =
          "model.layers." + std::to_string(layer) + "." + tensor.hfName.str();
      if (llvm::Error err = weights.emit(symbol, key, shape))
        return std::move(err);
      blockWeights[layer].append(role.name,
                                 FlatSymbolRefAttr::get(&context, symbol));
    }
  }
  int64_t hiddenOnly[] = {dims.hidden};
  if (llvm::Error err = weights.emit(kFinalNormName, kHFFinalNorm, hiddenOnly))
    return std::move(err);
  StringRef headSymbol = kEmbeddingName;
  if (!config->tied) {
    headSymbol = kLmHeadName;
    if (llvm::Error err = weights.emit(kLmHeadName, kHFLmHead, vocabByHidden))
      return std::move(err);
  }

  EmbeddingOp::create(builder, loc, kEmbeddingName);
  for (int64_t layer = 0; layer < config->numLayers; ++layer) {
    int64_t window = config->slidingWindow[layer];
    BlockOp::create(builder, loc, builder.getI64IntegerAttr(layer),
                    blockWeights[layer].getDictionary(&context),
                    window ? builder.getI64IntegerAttr(window) : IntegerAttr(),
                    config->noRope[layer] ? builder.getUnitAttr() : UnitAttr());
  }
  FinalNormOp::create(builder, loc, kFinalNormName);
  LmHeadOp::create(builder, loc, headSymbol);

  if (failed(mlir::verify(*module)))
    return importError(directory + ": the imported model does not verify");
  return std::move(module);
}
} // namespace llmq
