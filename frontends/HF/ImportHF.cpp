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
#include "dialects/Llmq/RopeScaling.h"
#include "formats/TensorFormat.h"
#include "formats/files/JsonFile.h"
#include "formats/files/MappedFile.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/ReadFile.h"
#include "formats/files/Safetensors.h"
#include "frontends/ModelLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"

#include "formats/files/Json.h"

#include <cmath>
#include <cstdio>
#include <cstring>
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
/// One config_groups entry of a compressed-tensors checkpoint.
struct QuantGroup {
  std::string name;
  std::vector<std::string> targets;
  TensorFormat format;
};

/// config.json's quantization_config, in llmq's terms.
struct QuantConfig {
  enum Kind { None, FP8, CompressedTensors } kind = None;
  /// FP8: the block shape of `weight_scale_inv`.
  TensorFormat fp8;
  /// compressed-tensors: the weight schemes in the file's order.
  std::vector<QuantGroup> groups;
  /// FP8's modules_to_not_convert, compressed-tensors' ignore.
  std::vector<std::string> ignore;
};
} // namespace

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
  QuantConfig quant;
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

/// Whether `module` is named by `pattern`: the module itself, or a
/// compressed-tensors "re:" regular expression matched at its start (Python's
/// re.match); FP8's modules_to_not_convert also names modules by a part of
/// their name (transformers' should_convert_module).
static bool namesModule(StringRef pattern, StringRef module, bool bySubstring) {
  if (pattern.consume_front("re:"))
    return llvm::Regex(("^(" + pattern + ")").str()).match(module);
  if (bySubstring)
    return module.contains(pattern);
  return pattern == module;
}

/// A list of strings at `key` of `object` (missing or null: empty).
static llvm::Error readStringList(const Json &object, StringRef key,
                                  StringRef where,
                                  std::vector<std::string> &out) {
  auto it = object.find(key.str());
  if (it == object.end() || it->is_null())
    return llvm::Error::success();
  if (!it->is_array())
    return importError(where + " '" + key + "' is " + shown(*it) +
                       ", not a list of strings");
  for (const Json &entry : *it) {
    if (!entry.is_string())
      return importError(where + " '" + key + "' holds " + shown(entry) +
                         ", not a string");
    std::string text = entry.get<std::string>();
    if (StringRef(text).starts_with("re:")) {
      std::string error;
      if (!llvm::Regex(StringRef(text).drop_front(3)).isValid(error))
        return importError(where + " '" + key + "' holds '" + text +
                           "', not a valid regular expression (" + error + ")");
    }
    out.push_back(std::move(text));
  }
  return llvm::Error::success();
}

/// HF fine-grained FP8 (transformers' FineGrainedFP8Config, DeepSeek-V3 and
/// Qwen3-FP8 checkpoints): e4m3 weights with one scale per block.
static llvm::Error readFP8Config(const Json &q, StringRef where,
                                 QuantConfig &out) {
  out.kind = QuantConfig::FP8;
  std::string fmt = getString(q, "fmt", "e4m3");
  if (fmt != "e4m3" && fmt != "float8_e4m3fn")
    return importError(where + " 'fmt' is " + shown(member(q, "fmt")) +
                       " (supported: \"e4m3\")");
  const Json &scheme = member(q, "activation_scheme");
  if (!scheme.is_null() &&
      !(scheme.is_string() && scheme.get<std::string>() == "dynamic"))
    return importError(where + " 'activation_scheme' is " + shown(scheme) +
                       " (supported: \"dynamic\"; static activation scales "
                       "are not read)");
  const Json &block = member(q, "weight_block_size");
  if (block.is_null())
    return importError(where + " has no 'weight_block_size' (per-tensor FP8 "
                               "is not supported; expected blocks such as "
                               "[128, 128])");
  if (!block.is_array() || block.size() != 2 ||
      !block[0].is_number_unsigned() || !block[1].is_number_unsigned())
    return importError(where + " 'weight_block_size' is " + shown(block) +
                       ", not two positive integers");
  uint64_t rows = block[0].get<uint64_t>(), cols = block[1].get<uint64_t>();
  if (rows < 1 || rows > 4096 || cols < 1 || cols > 4096)
    return importError(where + " 'weight_block_size' is [" + Twine(rows) +
                       ", " + Twine(cols) +
                       "], block edges must lie in [1, 4096]");
  out.fp8 = TensorFormat::fp8Block(rows, cols);
  return readStringList(q, "modules_to_not_convert", where, out.ignore);
}

/// compressed-tensors' pack-quantized int4/int8 weights (W4A16, W8A16).
static llvm::Error readCompressedTensorsConfig(const Json &q, StringRef where,
                                               QuantConfig &out) {
  out.kind = QuantConfig::CompressedTensors;
  std::string format = getString(q, "format");
  if (format != "pack-quantized")
    return importError(where + " 'format' is " + shown(member(q, "format")) +
                       " (supported: \"pack-quantized\")");
  const Json &sparsity = member(q, "sparsity_config");
  if (!sparsity.is_null() && !(sparsity.is_object() && sparsity.empty()))
    return importError(where + " has a 'sparsity_config' (sparse weights are "
                               "not supported)");
  const Json &groups = member(q, "config_groups");
  if (!groups.is_object() || groups.empty())
    return importError(where + " has no 'config_groups' object");
  for (auto &[name, group] : groups.items()) {
    std::string at = where.str() + " config group '" + name + "'";
    if (!group.is_object())
      return importError(at + " is " + shown(group) + ", not an object");
    for (const char *activations : {"input_activations", "output_activations"})
      if (!member(group, activations).is_null())
        return importError(at + " quantizes '" + activations +
                           "' (supported: weight-only schemes such as W4A16)");
    std::string groupFormat = getString(group, "format", "pack-quantized");
    if (groupFormat != "pack-quantized")
      return importError(at + " 'format' is " + shown(member(group, "format")) +
                         " (supported: \"pack-quantized\")");
    const Json &w = member(group, "weights");
    if (!w.is_object())
      return importError(at + " has no 'weights' object");
    std::string type = getString(w, "type", "int");
    if (type != "int")
      return importError(at + " weights 'type' is " + shown(member(w, "type")) +
                         " (supported: \"int\")");
    const Json &bits = member(w, "num_bits");
    if (!bits.is_number_integer() ||
        (bits.get<int64_t>() != 4 && bits.get<int64_t>() != 8))
      return importError(at + " weights 'num_bits' is " + shown(bits) +
                         " (supported: 4, 8)");
    const Json &dynamic = member(w, "dynamic");
    if (!dynamic.is_null() && !(dynamic.is_boolean() && !dynamic.get<bool>()))
      return importError(at + " weights 'dynamic' is " + shown(dynamic) +
                         " (weights must be quantized statically)");
    const Json &actorder = member(w, "actorder");
    if (actorder.is_string() && actorder.get<std::string>() == "group")
      return importError(at + " weights 'actorder' is \"group\" (grouped "
                              "activation order with g_idx is not supported)");
    const Json &symmetric = member(w, "symmetric");
    if (!symmetric.is_null() && !symmetric.is_boolean())
      return importError(at + " weights 'symmetric' is " + shown(symmetric) +
                         ", not a boolean");
    bool sym = symmetric.is_null() || symmetric.get<bool>();
    std::string strategy = getString(w, "strategy");
    uint32_t groupSize = 0;
    if (strategy == "group") {
      const Json &size = member(w, "group_size");
      if (!size.is_number_unsigned() || size.get<uint64_t>() > 4096)
        return importError(at + " weights 'group_size' is " + shown(size) +
                           ", not a group size");
      groupSize = static_cast<uint32_t>(size.get<uint64_t>());
    } else if (strategy != "channel") {
      return importError(at + " weights 'strategy' is " +
                         shown(member(w, "strategy")) +
                         " (supported: \"group\", \"channel\")");
    }
    QuantGroup entry{
        name,
        {},
        TensorFormat::integer(static_cast<uint8_t>(bits.get<int64_t>()),
                              groupSize, sym)};
    std::string invalid = entry.format.invalidReason();
    if (!invalid.empty())
      return importError(at + ": " + invalid);
    if (llvm::Error err = readStringList(group, "targets", at, entry.targets))
      return err;
    out.groups.push_back(std::move(entry));
  }
  return readStringList(q, "ignore", where, out.ignore);
}

/// Reads quantization_config; an unquantized checkpoint has none.
static llvm::Expected<QuantConfig> readQuantConfig(const Json &config,
                                                   StringRef path) {
  QuantConfig out;
  const Json &q = member(config, "quantization_config");
  if (q.is_null())
    return out;
  std::string where = path.str() + ": quantization_config";
  if (!q.is_object())
    return importError(where + " is " + shown(q) + ", not an object");
  std::string method = getString(q, "quant_method");
  if (method == "fp8") {
    if (llvm::Error err = readFP8Config(q, where, out))
      return std::move(err);
  } else if (method == "compressed-tensors") {
    if (llvm::Error err = readCompressedTensorsConfig(q, where, out))
      return std::move(err);
  } else {
    return importError(where + " 'quant_method' is " +
                       shown(member(q, "quant_method")) +
                       " (supported: \"fp8\", \"compressed-tensors\")");
  }
  return out;
}

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
  llvm::Expected<QuantConfig> quant = readQuantConfig(*json, path);
  if (!quant)
    return quant.takeError();
  out.quant = std::move(*quant);

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

static llvm::Expected<TensorIndex> readTensorIndex(StringRef directory,
                                                   bool quantized) {
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
        readSafetensorsHeader(absoluteShard(name), /*anyDType=*/quantized);
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
  WeightEmitter(const TensorIndex &index, const QuantConfig &quant,
                OpBuilder &builder, StringRef directory)
      : index(index), quant(quant), builder(builder), directory(directory) {}

  /// Emits `symbol` for HF tensor `key`, which must have `shape`; a matrix
  /// of a quantized checkpoint may be stored in the checkpoint's format.
  llvm::Error emit(StringRef symbol, StringRef key,
                   llvm::ArrayRef<int64_t> shape) {
    StringRef module = key;
    if (quant.kind != QuantConfig::None && shape.size() == 2 &&
        module.consume_back(".weight")) {
      if (quant.kind == QuantConfig::FP8)
        return emitFP8(symbol, module, shape);
      if (index.tensors.count((module + ".weight_packed").str()))
        return emitPacked(symbol, module, shape);
    }
    const Entry *found = lookup(key);
    if (!found)
      return importError(directory + ": tensor '" + key +
                         "' is missing from the checkpoint");
    auto [file, tensor] = *found;
    if (llvm::Error err = checkShape(*found, key, shape))
      return err;
    if (tensor->dtypeName != "F32" && tensor->dtypeName != "F16" &&
        tensor->dtypeName != "BF16")
      return importError(file->path + ": tensor '" + key + "' has dtype " +
                         tensor->dtypeName + ", expected F32, F16 or BF16" +
                         (shape.size() == 2 && quant.kind != QuantConfig::None
                              ? " (or the checkpoint's quantized layout)"
                              : ""));
    create(symbol, *found, key, shape, tensor->dtype, FormatAttr(), "", "");
    return llvm::Error::success();
  }

private:
  using Entry = std::pair<const SafetensorsHeader *, const SafetensorsTensor *>;

  const Entry *lookup(StringRef key) const {
    auto found = index.tensors.find(key);
    return found == index.tensors.end() ? nullptr : &found->getValue();
  }

  llvm::Error checkShape(const Entry &entry, StringRef key,
                         llvm::ArrayRef<int64_t> shape) const {
    if (llvm::ArrayRef<int64_t>(entry.second->shape) == shape)
      return llvm::Error::success();
    return importError(entry.first->path + ": tensor '" + key + "' has shape " +
                       shapeText(entry.second->shape) +
                       ", but config.json implies " + shapeText(shape));
  }

  /// The component `key` of the weight in `codes`' file: present, in the
  /// same file, of one of `dtypes` and of `shape`.
  llvm::Expected<const Entry *> component(const Entry &codes, StringRef key,
                                          StringRef weightKey,
                                          llvm::ArrayRef<StringRef> dtypes,
                                          llvm::ArrayRef<int64_t> shape,
                                          StringRef what) const {
    const Entry *found = lookup(key);
    if (!found)
      return importError(codes.first->path + ": tensor '" + key +
                         "' is missing (the " + what + " of '" + weightKey +
                         "')");
    if (found->first != codes.first)
      return importError(found->first->path + ": tensor '" + key +
                         "' is not in the file of '" + weightKey + "' (" +
                         codes.first->path + ")");
    if (!llvm::is_contained(dtypes, StringRef(found->second->dtypeName))) {
      std::string expected;
      for (StringRef d : dtypes)
        expected += (expected.empty() ? "" : " or ") + d.str();
      return importError(found->first->path + ": tensor '" + key +
                         "' has dtype " + found->second->dtypeName +
                         ", expected " + expected);
    }
    if (llvm::ArrayRef<int64_t>(found->second->shape) != shape)
      return importError(found->first->path + ": tensor '" + key +
                         "' has shape " + shapeText(found->second->shape) +
                         ", expected " + shapeText(shape) + " (the " + what +
                         " of '" + weightKey + "')");
    return found;
  }

  bool ignored(StringRef module, bool bySubstring) const {
    return llvm::any_of(quant.ignore, [&](const std::string &pattern) {
      return namesModule(pattern, module, bySubstring);
    });
  }

  /// An FP8 checkpoint's `<m>.weight` (F8_E4M3) and `<m>.weight_scale_inv`
  /// (one dequantization multiplier per block).
  llvm::Error emitFP8(StringRef symbol, StringRef module,
                      llvm::ArrayRef<int64_t> shape) {
    std::string key = (module + ".weight").str();
    const Entry *codes = lookup(key);
    if (!codes)
      return importError(directory + ": tensor '" + key +
                         "' is missing from the checkpoint");
    if (llvm::Error err = checkShape(*codes, key, shape))
      return err;
    std::string scaleKey = (module + ".weight_scale_inv").str();
    StringRef dtype = codes->second->dtypeName;
    if (dtype != "F8_E4M3") {
      if (dtype != "F32" && dtype != "F16" && dtype != "BF16")
        return importError(codes->first->path + ": tensor '" + key +
                           "' has dtype " + dtype +
                           ", expected F8_E4M3 (or F32, F16, BF16 for a "
                           "module not converted)");
      if (!ignored(module, /*bySubstring=*/true) && lookup(scaleKey))
        return importError(codes->first->path + ": tensor '" + key +
                           "' has dtype " + dtype + " but has a '" + scaleKey +
                           "', expected F8_E4M3");
      return emitPlain(symbol, key, shape);
    }
    if (ignored(module, /*bySubstring=*/true))
      return importError(codes->first->path + ": tensor '" + key +
                         "' is F8_E4M3 but quantization_config's "
                         "modules_to_not_convert names '" +
                         module + "'");
    const TensorFormat &f = quant.fp8;
    int64_t scaleShape[] = {
        (shape[0] + int64_t(f.blockRows) - 1) / int64_t(f.blockRows),
        (shape[1] + int64_t(f.blockCols) - 1) / int64_t(f.blockCols)};
    auto scale = component(*codes, scaleKey, key, {"F32", "BF16", "F16"},
                           scaleShape, "block scales");
    if (!scale)
      return scale.takeError();
    create(symbol, *codes, key, shape, Format::F32,
           FormatAttr::get(builder.getContext(), f), scaleKey, "");
    return llvm::Error::success();
  }

  /// A compressed-tensors pack-quantized module: `<m>.weight_packed` (I32
  /// words of 32/bits levels), `<m>.weight_scale`, `<m>.weight_zero_point`
  /// when asymmetric (packed along the output dimension), `<m>.weight_shape`.
  llvm::Error emitPacked(StringRef symbol, StringRef module,
                         llvm::ArrayRef<int64_t> shape) {
    std::string key = (module + ".weight_packed").str();
    const Entry &codes = *lookup(key);
    StringRef path = codes.first->path;
    if (ignored(module, /*bySubstring=*/false))
      return importError(
          path + ": tensor '" + key +
          "' is packed but quantization_config's ignore names '" + module +
          "'");
    const QuantGroup *group = nullptr;
    for (const QuantGroup &g : quant.groups) {
      bool matches = llvm::any_of(g.targets, [&](const std::string &t) {
        return t == "Linear" || namesModule(t, module, /*bySubstring=*/false);
      });
      if (matches) {
        group = &g;
        break;
      }
    }
    if (!group)
      return importError(path + ": tensor '" + key +
                         "' is packed but no quantization_config group "
                         "targets '" +
                         module + "'");
    const TensorFormat &f = group->format;
    int64_t perWord = 32 / f.bits;
    if (codes.second->dtypeName != "I32")
      return importError(path + ": tensor '" + key + "' has dtype " +
                         codes.second->dtypeName + ", expected I32");
    if (shape[1] % perWord != 0 || (f.group && shape[1] % f.group != 0))
      return importError(path + ": tensor '" + key + "' packs rows of " +
                         Twine(shape[1]) + " values, not whole " +
                         (f.group ? "groups of " + Twine(f.group)
                                  : "words of " + Twine(perWord)) +
                         " (" + f.name() + ")");
    int64_t packedShape[] = {shape[0], shape[1] / perWord};
    if (llvm::Error err = checkShape(codes, key, packedShape))
      return err;
    // weight_shape records the unpacked [out, in].
    std::string shapeKey = (module + ".weight_shape").str();
    int64_t two[] = {2};
    auto recorded =
        component(codes, shapeKey, key, {"I64", "I32"}, two, "shape");
    if (!recorded)
      return recorded.takeError();
    auto mapped = MappedFile::open(path);
    if (!mapped)
      return mapped.takeError();
    const SafetensorsTensor &st = *(*recorded)->second;
    int64_t dims[2];
    for (int i = 0; i < 2; ++i) {
      if (st.dtypeName == "I64") {
        std::memcpy(&dims[i], (*mapped)->data() + st.offset + 8 * i, 8);
      } else {
        int32_t d;
        std::memcpy(&d, (*mapped)->data() + st.offset + 4 * i, 4);
        dims[i] = d;
      }
    }
    if (llvm::ArrayRef<int64_t>(dims) != shape)
      return importError(path + ": tensor '" + shapeKey + "' says " +
                         shapeText(dims) + ", but config.json implies " +
                         shapeText(shape));
    std::string scaleKey = (module + ".weight_scale").str();
    int64_t scaleShape[] = {shape[0], f.group ? shape[1] / f.group : 1};
    auto scale = component(codes, scaleKey, key, {"F32", "BF16", "F16"},
                           scaleShape, "scales");
    if (!scale)
      return scale.takeError();
    std::string zeroKey;
    if (!f.symmetric) {
      zeroKey = (module + ".weight_zero_point").str();
      const Entry *zero = lookup(zeroKey);
      bool unpacked = zero && zero->second->dtypeName == "I8";
      int64_t zeroShape[] = {unpacked ? shape[0]
                                      : (shape[0] + perWord - 1) / perWord,
                             scaleShape[1]};
      auto zeros = component(codes, zeroKey, key, {"I32", "I8"}, zeroShape,
                             "zero points");
      if (!zeros)
        return zeros.takeError();
    }
    create(symbol, codes, key, shape, Format::F32,
           FormatAttr::get(builder.getContext(), f), scaleKey, zeroKey);
    return llvm::Error::success();
  }

  /// A module kept in high precision in a quantized checkpoint.
  llvm::Error emitPlain(StringRef symbol, StringRef key,
                        llvm::ArrayRef<int64_t> shape) {
    const Entry &entry = *lookup(key);
    create(symbol, entry, key, shape, entry.second->dtype, FormatAttr(), "",
           "");
    return llvm::Error::success();
  }

  void create(StringRef symbol, const Entry &entry, StringRef key,
              llvm::ArrayRef<int64_t> shape, Format element, FormatAttr stored,
              StringRef scale, StringRef zeroPoint) {
    MLIRContext &context = *builder.getContext();
    auto type = RankedTensorType::get(shape, elementType(element, context));
    auto source =
        SourceAttr::get(&context, entry.first->path, key, entry.second->offset,
                        stored, scale, zeroPoint);
    WeightOp::create(
        builder, FileLineColLoc::get(&context, entry.first->path, 0, 0), symbol,
        type, source, FormatAttr(), DenseI64ArrayAttr(), FloatAttr());
  }

  const TensorIndex &index;
  const QuantConfig &quant;
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
  llvm::Expected<TensorIndex> index =
      readTensorIndex(directory, config->quant.kind != QuantConfig::None);
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

  WeightEmitter weights(*index, config->quant, builder, directory);
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
