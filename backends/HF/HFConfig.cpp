//===- HFConfig.cpp - config.json and generation_config.json --------------===//

#include "backends/HF/HFConfig.h"

#include "formats/files/JsonFile.h"
#include "formats/files/ReadFile.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::llmq;
using namespace ::llmq::json;
using ::llmq::FormatKind;
using ::llmq::TensorFormat;
using llvm::StringRef;
using llvm::Twine;

namespace llmq::hf {

static llvm::Error configError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// quantization_config
//===----------------------------------------------------------------------===//

/// The name transformers and vLLM match quantization targets against.
static std::string moduleName(const PlannedTensor &t) {
  return t.named.module();
}

llvm::Expected<Json> quantizationConfig(llvm::ArrayRef<PlannedTensor> plan) {
  const PlannedTensor *fp8 = nullptr, *integer = nullptr;
  for (const PlannedTensor &t : plan) {
    if (t.format.kind == FormatKind::FP8Block) {
      if (fp8 && fp8->format != t.format)
        return configError("export-hf: '" + fp8->named.weight.getSymName() +
                           "' is " + fp8->format.name() + " and '" +
                           t.named.weight.getSymName() + "' is " +
                           t.format.name() +
                           ": one checkpoint has one weight_block_size");
      fp8 = fp8 ? fp8 : &t;
    } else if (t.format.kind == FormatKind::Int && !integer) {
      integer = &t;
    }
  }
  if (fp8 && integer)
    return configError("export-hf: '" + fp8->named.weight.getSymName() +
                       "' is " + fp8->format.name() + " and '" +
                       integer->named.weight.getSymName() + "' is " +
                       integer->format.name() +
                       ": no quantization_config describes FP8 and int "
                       "weights together");
  if (!fp8 && !integer)
    return Json();
  // Linear layers left in a float format.
  Json unconverted = Json::array();
  bool headListed = false;
  for (const PlannedTensor &t : plan)
    if (t.named.isLinear && t.format.isFloat()) {
      std::string name = moduleName(t);
      headListed |= name == "lm_head";
      unconverted.push_back(name);
    }
  // The head stays unquantized even where it is tied (not in the plan).
  if (!headListed)
    unconverted.insert(unconverted.begin(), "lm_head");

  if (fp8) {
    // transformers' FineGrainedFP8Config (quantizer_finegrained_fp8.py) and
    // vLLM's Fp8Config.from_config.
    Json config = Json::object();
    config["quant_method"] = "fp8";
    config["activation_scheme"] = "dynamic";
    config["fmt"] = "e4m3";
    config["weight_block_size"] = {fp8->format.blockRows,
                                   fp8->format.blockCols};
    config["modules_to_not_convert"] = unconverted;
    return config;
  }

  // compressed-tensors: one config group per int format, the most common
  // one targeting every Linear, the others their modules by exact name
  // (matched before class names).
  std::vector<std::pair<TensorFormat, std::vector<std::string>>> groups;
  for (const PlannedTensor &t : plan) {
    if (t.format.kind != FormatKind::Int)
      continue;
    auto it = llvm::find_if(groups,
                            [&](const auto &g) { return g.first == t.format; });
    if (it == groups.end()) {
      groups.push_back({t.format, {}});
      it = std::prev(groups.end());
    }
    it->second.push_back(moduleName(t));
  }
  // Most weights first; equal counts keep model order.
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::sort(order, [&](size_t a, size_t b) {
    if (groups[a].second.size() != groups[b].second.size())
      return groups[a].second.size() > groups[b].second.size();
    return a < b;
  });
  std::vector<std::pair<TensorFormat, std::vector<std::string>>> sorted;
  for (size_t i : order)
    sorted.push_back(std::move(groups[i]));
  groups = std::move(sorted);
  Json configGroups = Json::object();
  for (auto [index, group] : llvm::enumerate(groups)) {
    const TensorFormat &format = group.first;
    Json weights = Json::object();
    weights["num_bits"] = format.bits;
    weights["type"] = "int";
    weights["symmetric"] = format.symmetric;
    weights["strategy"] = format.group ? "group" : "channel";
    weights["group_size"] = format.group ? Json(format.group) : Json();
    weights["block_structure"] = nullptr;
    weights["dynamic"] = false;
    weights["actorder"] = nullptr;
    weights["observer"] = "minmax";
    weights["observer_kwargs"] = Json::object();
    Json targets = Json::array();
    if (index == 0)
      targets.push_back("Linear");
    else
      for (const std::string &name : group.second)
        targets.push_back(name);
    Json entry = Json::object();
    entry["targets"] = targets;
    entry["weights"] = weights;
    entry["input_activations"] = nullptr;
    entry["output_activations"] = nullptr;
    entry["format"] = "pack-quantized";
    configGroups["group_" + std::to_string(index)] = entry;
  }
  Json config = Json::object();
  config["quant_method"] = "compressed-tensors";
  config["format"] = "pack-quantized";
  config["quantization_status"] = "compressed";
  config["config_groups"] = configGroups;
  config["ignore"] = unconverted;
  config["kv_cache_scheme"] = nullptr;
  config["global_compression_ratio"] = nullptr;
  config["sparsity_config"] = Json::object();
  return config;
}

//===----------------------------------------------------------------------===//
// config.json
//===----------------------------------------------------------------------===//

/// transformers' model class of each architecture, for configs written
/// without a source.
static StringRef modelClass(StringRef arch) {
  static const std::map<std::string, std::string> classes = {
      {"llama", "LlamaForCausalLM"},
      {"mistral", "MistralForCausalLM"},
      {"qwen2", "Qwen2ForCausalLM"},
      {"qwen3", "Qwen3ForCausalLM"},
      {"exaone4", "Exaone4ForCausalLM"}};
  auto it = classes.find(arch.str());
  return it == classes.end() ? StringRef() : StringRef(it->second);
}

/// Sets `key` to `value` unless it already holds that number (so a source's
/// spelling, 10000 or 10000.0, is kept where nothing changed).
template <typename T>
static void setNumber(Json &object, const char *key, T value) {
  const Json &old = member(object, key);
  if (old.is_number() && old.get<double>() == static_cast<double>(value))
    return;
  object[key] = value;
}

/// Reads the source config.json the model names, or an empty object.
static llvm::Expected<Json> sourceConfig(ModelOp model) {
  StringAttr path = model.getHfConfigAttr();
  if (!path)
    return Json::object();
  llvm::Expected<Json> json = ::llmq::readJsonFile(
      path.getValue(), ::llmq::kMaxConfigFileBytes, "Hugging Face config");
  if (!json)
    return json.takeError();
  if (!json->is_object())
    return configError(path.getValue() + ": not a JSON object");
  return json;
}

/// Whether `pattern` (EXAONE's sliding_window_pattern: a string of L =
/// sliding and G = global, or every n-th layer global) gives `sliding`.
static bool patternGives(const Json &pattern, llvm::ArrayRef<bool> sliding) {
  for (auto [i, s] : llvm::enumerate(sliding)) {
    bool given;
    if (pattern.is_string() && !pattern.get<std::string>().empty()) {
      const std::string &text = pattern.get_ref<const std::string &>();
      given = text[i % text.size()] == 'L';
    } else if (pattern.is_number_integer() && pattern.get<int64_t>() > 0) {
      given = (static_cast<int64_t>(i) + 1) % pattern.get<int64_t>() != 0;
    } else {
      return false;
    }
    if (given != s)
      return false;
  }
  return true;
}

/// The shortest L/G string whose repetition gives `sliding`.
static std::string shortestPattern(llvm::ArrayRef<bool> sliding) {
  size_t n = sliding.size();
  for (size_t period = 1; period <= n; ++period) {
    bool repeats = true;
    for (size_t i = period; i < n && repeats; ++i)
      repeats = sliding[i] == sliding[i % period];
    if (!repeats)
      continue;
    std::string text;
    for (size_t i = 0; i < period; ++i)
      text += sliding[i] ? 'L' : 'G';
    return text;
  }
  return "";
}

/// layer_types, sliding_window and EXAONE's sliding_window_pattern from the
/// blocks the model has now.
static llvm::Error setLayerTypes(Json &config, ModelOp model,
                                 const ArchInfo &arch, bool fromSource) {
  llvm::SmallVector<bool> sliding;
  int64_t window = 0;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    int64_t w = block.getSlidingWindow().value_or(0);
    if (w && window && w != window)
      return configError("export-hf: blocks use sliding windows of " +
                         Twine(window) + " and " + Twine(w) +
                         ", but config.json has one 'sliding_window'");
    window = w ? w : window;
    sliding.push_back(w != 0);
  }
  bool hadTypes = config.contains("layer_types");
  if (window == 0 && !hadTypes)
    return llvm::Error::success();
  Json types = Json::array();
  for (bool s : sliding)
    types.push_back(s ? "sliding_attention" : "full_attention");
  config["layer_types"] = types;
  if (window == 0)
    return llvm::Error::success();
  setNumber(config, "sliding_window", window);
  if (member(config, "use_sliding_window").is_boolean())
    config["use_sliding_window"] = true;
  bool hadPattern = config.contains("sliding_window_pattern");
  if ((hadPattern || arch.ropeOnlyOnSlidingLayers || !fromSource) &&
      !patternGives(member(config, "sliding_window_pattern"), sliding))
    config["sliding_window_pattern"] = shortestPattern(sliding);
  return llvm::Error::success();
}

llvm::Expected<std::string> renderConfig(ModelOp model, const ArchInfo &arch,
                                         StringRef dtype,
                                         const Json &quantization) {
  llvm::Expected<Json> source = sourceConfig(model);
  if (!source)
    return source.takeError();
  Json config = std::move(*source);
  bool fromSource = !config.empty();
  if (!fromSource) {
    config["architectures"] = Json::array({modelClass(arch.name).str()});
    config["hidden_act"] = "silu";
    config["attention_bias"] =
        llvm::any_of(arch.blockTensors, [](const BlockTensor &t) {
          return t.role == Role::AttnQBias;
        });
    if (TokenizerAttr tokenizer = model.getTokenizerAttr()) {
      if (tokenizer.getBos() >= 0)
        config["bos_token_id"] = tokenizer.getBos();
      if (tokenizer.getEos() >= 0)
        config["eos_token_id"] = tokenizer.getEos();
    }
    if (RopeScalingAttr scaling = model.getRopeScalingAttr()) {
      Json rope = Json::object();
      rope["rope_type"] = scaling.getType().str();
      auto add = [&](const char *key, FloatAttr value) {
        if (value)
          rope[key] = value.getValueAsDouble();
      };
      add("factor", scaling.getFactor());
      add("low_freq_factor", scaling.getLowFreqFactor());
      add("high_freq_factor", scaling.getHighFreqFactor());
      add("original_max_position_embeddings",
          scaling.getOriginalMaxPositionEmbeddings());
      config["rope_scaling"] = rope;
    }
  }
  config["model_type"] = arch.name.str();
  setNumber(config, "hidden_size", model.getHiddenSize());
  setNumber(config, "intermediate_size", model.getFfnSize());
  setNumber(config, "num_attention_heads", model.getNumHeads());
  setNumber(config, "num_key_value_heads", model.getNumKvHeads());
  setNumber(config, "head_dim", model.getHeadDim());
  setNumber(config, "num_hidden_layers", model.getNumLayers());
  setNumber(config, "vocab_size", model.getVocabSize());
  setNumber(config, "max_position_embeddings", model.getContextLength());
  setNumber(config, "rms_norm_eps", model.getNormEps().convertToDouble());
  double theta = model.getRopeTheta().convertToDouble();
  // transformers 5 nests rope_theta in rope_parameters, 4.x does not.
  auto parameters = config.find("rope_parameters");
  bool nested = parameters != config.end() && parameters->is_object();
  if (nested)
    setNumber(*parameters, "rope_theta", theta);
  if (!nested || config.contains("rope_theta"))
    setNumber(config, "rope_theta", theta);
  config["tie_word_embeddings"] = model.getTiedEmbeddings();
  // transformers 5 writes `dtype`, 4.x `torch_dtype`; both read either.
  bool spelled = false;
  for (const char *key : {"dtype", "torch_dtype"})
    if (config.contains(key)) {
      config[key] = dtype.str();
      spelled = true;
    }
  if (!spelled)
    config["torch_dtype"] = dtype.str();
  if (llvm::Error err = setLayerTypes(config, model, arch, fromSource))
    return std::move(err);
  config.erase("quantization_config");
  if (!quantization.is_null())
    config["quantization_config"] = quantization;
  return config.dump(2) + "\n";
}

//===----------------------------------------------------------------------===//
// generation_config.json and the vLLM sidecar
//===----------------------------------------------------------------------===//

llvm::Error checkGenerationOptions(const GenerationOptions &options) {
  if (options.repetitionPenalty &&
      (!std::isfinite(*options.repetitionPenalty) ||
       *options.repetitionPenalty <= 0))
    return configError(
        "--repetition-penalty: " +
        llvm::formatv("{0}", llvm::format("%.15g", *options.repetitionPenalty))
            .str() +
        " is not a finite number > 0 (1: off)");
  if (options.noRepeatNgramSize && *options.noRepeatNgramSize < 0)
    return configError(
        "--no-repeat-ngram-size: " + Twine(*options.noRepeatNgramSize) +
        " is negative (0: off)");
  return llvm::Error::success();
}

static LogitMaskOp logitMask(ModelOp model) {
  auto masks = model.getBody().getOps<LogitMaskOp>();
  return masks.empty() ? LogitMaskOp() : *masks.begin();
}

llvm::Expected<std::string>
renderGenerationConfig(ModelOp model, const GenerationOptions &options) {
  Json config = Json::object();
  if (StringAttr source = model.getHfConfigAttr()) {
    llvm::SmallString<256> path(llvm::sys::path::parent_path(source));
    llvm::sys::path::append(path, "generation_config.json");
    if (llvm::sys::fs::exists(path)) {
      llvm::Expected<Json> json = ::llmq::readJsonFile(
          path, ::llmq::kMaxConfigFileBytes, "generation config");
      if (!json)
        return json.takeError();
      if (!json->is_object())
        return configError(path + ": not a JSON object");
      config = std::move(*json);
    }
  }
  if (TokenizerAttr tokenizer = model.getTokenizerAttr()) {
    if (tokenizer.getBos() >= 0)
      setNumber(config, "bos_token_id", tokenizer.getBos());
    // A list of eos ids (the source's) is kept when it starts with ours.
    const Json &eos = member(config, "eos_token_id");
    bool listed = eos.is_array() && !eos.empty() && eos[0].is_number() &&
                  eos[0].get<int64_t>() == tokenizer.getEos();
    if (tokenizer.getEos() >= 0 && !listed)
      setNumber(config, "eos_token_id", tokenizer.getEos());
  }
  config.erase("suppress_tokens");
  config.erase("sequence_bias");
  if (LogitMaskOp mask = logitMask(model)) {
    if (!mask.getBanned().empty())
      config["suppress_tokens"] = Json(std::vector<int64_t>(
          mask.getBanned().begin(), mask.getBanned().end()));
    if (!mask.getAmplified().empty()) {
      // transformers' SequenceBiasLogitsProcessor takes [[ids], bias] pairs.
      Json bias = Json::array();
      for (int64_t id : mask.getAmplified())
        bias.push_back(Json::array(
            {Json::array({id}), mask.getFactor().convertToDouble()}));
      config["sequence_bias"] = bias;
    }
  }
  if (options.repetitionPenalty)
    config["repetition_penalty"] = *options.repetitionPenalty;
  if (options.noRepeatNgramSize)
    config["no_repeat_ngram_size"] = *options.noRepeatNgramSize;
  return config.dump(2) + "\n";
}

std::string renderSamplingSidecar(ModelOp model,
                                  const GenerationOptions &options) {
  Json sidecar = Json::object();
  if (LogitMaskOp mask = logitMask(model)) {
    // OpenAI-style logit_bias: string ids, -100 bans (vLLM clamps to it).
    Json bias = Json::object();
    for (int64_t id : mask.getBanned())
      bias[std::to_string(id)] = -100;
    for (int64_t id : mask.getAmplified())
      bias[std::to_string(id)] = mask.getFactor().convertToDouble();
    if (!bias.empty())
      sidecar["logit_bias"] = bias;
  }
  if (options.repetitionPenalty)
    sidecar["repetition_penalty"] = *options.repetitionPenalty;
  if (sidecar.empty())
    return "";
  return sidecar.dump(2) + "\n";
}

} // namespace llmq::hf
