//===- AssignBits.cpp - llama-quantize's per-tensor types -----------------===//
//
// `preset=q4_k_m` (and the other file types) sets `format` on every weight
// to the ggml type llama-quantize would write for that tensor in a file of
// that type. The rules are llama.cpp's src/llama-quant.cpp
// (llama_tensor_get_type, llama_tensor_get_type_impl, tensor_type_fallback,
// tensor_allows_quantization) at ggml-org/llama.cpp commit 007dbbf3fd17,
// restated for the file types llmq can write; see docs/passes/assign-bits.md.
// Only the branches these file types reach are kept: no IQ file types, no
// MXFP4, and no Falcon / 70B / 8-expert special cases except where written.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/Formats.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSwitch.h"

#include <cstdio>

#define DEBUG_TYPE "llmq-assign-bits"

namespace mlir::llmq {
#define GEN_PASS_DEF_ASSIGNBITS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::Format;

namespace {
/// llama_ftype values this pass knows (the presets).
enum class FileType {
  Q2_K,
  Q3_K_S,
  Q3_K_M,
  Q3_K_L,
  Q4_0,
  Q4_K_S,
  Q4_K_M,
  Q5_K_S,
  Q5_K_M,
  Q6_K,
  Q8_0,
};

/// llama.cpp's tensor_category: broad roles by GGUF tensor name.
enum class Category {
  TokenEmbd,
  AttnQ,
  AttnV,
  AttnK,
  AttnQKV,
  AttnKVB,
  AttnOutput,
  FfnUp,
  FfnGate,
  FfnDown,
  Output,
  Other,
};

/// The counters of llama.cpp's quantize_state_impl.
struct QuantizeState {
  bool tiedEmbeddings = true; ///< until a tensor named output.weight is seen
  bool hasImatrix = false;
  int64_t nGqa = 1;
  int nAttentionWv = 0, iAttentionWv = 0;
  int nFfnDown = 0, iFfnDown = 0;
  int nFallback = 0;
};

struct AssignBitsPass
    : public mlir::llmq::impl::AssignBitsBase<AssignBitsPass> {
  using AssignBitsBase::AssignBitsBase;
  void runOnOperation() override;

private:
  LogicalResult apply(ModelOp model);
};
} // namespace

static std::optional<FileType> parsePreset(StringRef preset) {
  return llvm::StringSwitch<std::optional<FileType>>(preset.lower())
      .Case("q2_k", FileType::Q2_K)
      .Case("q3_k_s", FileType::Q3_K_S)
      .Case("q3_k_m", FileType::Q3_K_M)
      .Case("q3_k_l", FileType::Q3_K_L)
      .Case("q4_0", FileType::Q4_0)
      .Case("q4_k_s", FileType::Q4_K_S)
      .Case("q4_k_m", FileType::Q4_K_M)
      .Case("q5_k_s", FileType::Q5_K_S)
      .Case("q5_k_m", FileType::Q5_K_M)
      .Case("q6_k", FileType::Q6_K)
      .Case("q8_0", FileType::Q8_0)
      .Default(std::nullopt);
}

/// llama_ftype_get_default_type.
static Format defaultType(FileType ftype) {
  switch (ftype) {
  case FileType::Q2_K:
    return Format::Q2_K;
  case FileType::Q3_K_S:
  case FileType::Q3_K_M:
  case FileType::Q3_K_L:
    return Format::Q3_K;
  case FileType::Q4_0:
    return Format::Q4_0;
  case FileType::Q4_K_S:
  case FileType::Q4_K_M:
    return Format::Q4_K;
  case FileType::Q5_K_S:
  case FileType::Q5_K_M:
    return Format::Q5_K;
  case FileType::Q6_K:
    return Format::Q6_K;
  case FileType::Q8_0:
    return Format::Q8_0;
  }
  llvm_unreachable("unknown file type");
}

/// The GGUF name the exporter gives a weight symbol.
static std::string ggufName(StringRef symbol) {
  if (symbol.ends_with(".bias"))
    return symbol.str();
  return symbol.str() + ".weight";
}

/// tensor_get_category.
static Category categoryOf(StringRef name) {
  if (name == "output.weight")
    return Category::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight")
    return Category::TokenEmbd;
  if (name.contains("attn_qkv.weight"))
    return Category::AttnQKV;
  if (name.contains("attn_kv_b.weight"))
    return Category::AttnKVB;
  if (name.contains("attn_v.weight"))
    return Category::AttnV;
  if (name.contains("attn_k.weight"))
    return Category::AttnK;
  if (name.contains("attn_q.weight"))
    return Category::AttnQ;
  if (name.contains("attn_output.weight"))
    return Category::AttnOutput;
  if (name.contains("ffn_up"))
    return Category::FfnUp;
  if (name.contains("ffn_gate"))
    return Category::FfnGate;
  if (name.contains("ffn_down"))
    return Category::FfnDown;
  return Category::Other;
}

/// category_is_attn_v: the V-like tensors that get more bits.
static bool isAttnVLike(Category category) {
  return category == Category::AttnV || category == Category::AttnQKV ||
         category == Category::AttnKVB;
}

/// tensor_allows_quantization, for the names llmq's architectures have:
/// 2-D (or more) tensors whose name ends in "weight", except norms.
static bool allowsQuantization(StringRef name, int64_t rank) {
  if (rank < 2)
    return false;
  if (!name.ends_with("weight"))
    return false;
  return !name.contains("_norm.weight") &&
         !name.contains("ffn_gate_inp.weight") &&
         !name.contains("attn_rel_b.weight");
}

/// use_more_bits: the first and last eighth of the layers and every third
/// layer in between.
static bool useMoreBits(int iLayer, int nLayers) {
  return iLayer < nLayers / 8 || iLayer >= 7 * nLayers / 8 ||
         (iLayer - nLayers / 8) % 3 == 2;
}

/// tensor_type_fallback: a type whose blocks do not fit a row of `cols`
/// elements is replaced by a 32-element type of similar size, or f16.
static Format fallback(QuantizeState &qs, Format type, int64_t cols) {
  if (::llmq::rowFits(type, cols))
    return type;
  ++qs.nFallback;
  Format result;
  switch (type) {
  case Format::IQ4_XS:
    result = Format::IQ4_NL;
    break;
  case Format::Q2_K:
  case Format::Q3_K:
    result = Format::Q4_0;
    break;
  case Format::Q4_K:
    result = Format::Q5_0;
    break;
  case Format::Q5_K:
    result = Format::Q5_1;
    break;
  case Format::Q6_K:
    result = Format::Q8_0;
    break;
  default:
    // llama.cpp throws here; no preset's type reaches this (all 32-element
    // types are only chosen where they fit or as fallbacks checked below).
    result = Format::F16;
    break;
  }
  if (!::llmq::rowFits(result, cols))
    result = Format::F16;
  return result;
}

/// llama_tensor_get_type_impl, for the file types of FileType and a dense
/// (non-expert), non-Falcon model of less than 70B parameters.
static Format chooseType(QuantizeState &qs, FileType ftype, Format type,
                         Category category, int64_t cols, StringRef arch) {
  bool falcon = arch == "falcon";
  if (category == Category::Output ||
      (qs.tiedEmbeddings && category == Category::TokenEmbd)) {
    // The output (or the tied embeddings that serve as it): q6_K unless the
    // file is q8_0, and q8_0 when a row does not split into the file type's
    // blocks.
    if (falcon || !::llmq::rowFits(type, cols))
      return Format::Q8_0;
    if (type != Format::Q8_0)
      return Format::Q6_K;
    return type;
  }
  if (category == Category::TokenEmbd)
    return type; // only IQ/TQ file types change untied embeddings
  if (isAttnVLike(category)) {
    if (ftype == FileType::Q2_K)
      type = qs.nGqa >= 4 ? Format::Q4_K : Format::Q3_K;
    else if (ftype == FileType::Q3_K_M)
      type = qs.iAttentionWv < 2 ? Format::Q5_K : Format::Q4_K;
    else if (ftype == FileType::Q3_K_L)
      type = Format::Q5_K;
    else if ((ftype == FileType::Q4_K_M || ftype == FileType::Q5_K_M) &&
             useMoreBits(qs.iAttentionWv, qs.nAttentionWv))
      type = Format::Q6_K;
    else if (ftype == FileType::Q4_K_S && qs.iAttentionWv < 4)
      type = Format::Q5_K;
    ++qs.iAttentionWv;
    return type;
  }
  if (category == Category::FfnDown) {
    // Dense models: the layer is the running count of ffn_down tensors,
    // which llama.cpp visits in layer order.
    int iLayer = qs.iFfnDown, nLayer = qs.nFfnDown;
    if (ftype == FileType::Q2_K)
      type = Format::Q3_K;
    else if (ftype == FileType::Q3_K_M)
      type = iLayer < nLayer / 16                       ? Format::Q5_K
             : !falcon || useMoreBits(iLayer, nLayer) ? Format::Q4_K
                                                        : Format::Q3_K;
    else if (ftype == FileType::Q3_K_L)
      type = falcon ? Format::Q4_K : Format::Q5_K;
    else if (ftype == FileType::Q4_K_M) {
      if (falcon)
        type = iLayer < nLayer / 16            ? Format::Q6_K
               : useMoreBits(iLayer, nLayer) ? Format::Q5_K
                                               : Format::Q4_K;
      else if (useMoreBits(iLayer, nLayer))
        type = Format::Q6_K;
    } else if (ftype == FileType::Q5_K_M && useMoreBits(iLayer, nLayer))
      type = Format::Q6_K;
    else if (ftype == FileType::Q4_K_S && !falcon && iLayer < nLayer / 8)
      type = Format::Q5_K;
    else if (ftype == FileType::Q4_0 && qs.hasImatrix && iLayer < nLayer / 8)
      type = Format::Q4_1;
    ++qs.iFfnDown;
    return type;
  }
  if (category == Category::AttnOutput) {
    if (!falcon) {
      if (ftype == FileType::Q2_K)
        type = Format::Q3_K;
      else if (ftype == FileType::Q3_K_M)
        type = Format::Q4_K;
      else if (ftype == FileType::Q3_K_L)
        type = Format::Q5_K;
    } else if (ftype == FileType::Q3_K_L) {
      type = Format::Q4_K;
    }
    return type;
  }
  // attn_q, attn_k, ffn_gate, ffn_up and the rest: only IQ file types
  // change them. (attn_qkv never gets here: it is V-like above.)
  return type;
}

/// llama.cpp's weights_map order: by layer ("blk.N.", -1 for the rest),
/// then by name.
static bool llamaCppOrder(const std::pair<std::string, WeightOp> &a,
                          const std::pair<std::string, WeightOp> &b) {
  auto layer = [](const std::string &name) {
    int l = -1;
    std::sscanf(name.c_str(), "blk.%d.", &l);
    return l;
  };
  int la = layer(a.first), lb = layer(b.first);
  if (la != lb)
    return la < lb;
  return a.first < b.first;
}

LogicalResult AssignBitsPass::apply(ModelOp model) {
  std::optional<FileType> ftype = parsePreset(preset);
  if (!ftype)
    return model.emitError("llmq-assign-bits: preset='")
           << preset
           << "', expected one of q2_k, q3_k_s, q3_k_m, q3_k_l, q4_0, "
              "q4_k_s, q4_k_m, q5_k_s, q5_k_m, q6_k, q8_0";
  Format defaultFormat = defaultType(*ftype);

  SmallVector<std::pair<std::string, WeightOp>> weights;
  for (WeightOp weight : model.getBody().getOps<WeightOp>())
    weights.emplace_back(ggufName(weight.getSymName()), weight);
  llvm::stable_sort(weights, llamaCppOrder);

  // init_quantize_state_counters.
  QuantizeState qs;
  qs.hasImatrix = static_cast<bool>(model->getAttr("imatrix"));
  int64_t kvHeads = model.getNumKvHeads();
  qs.nGqa = kvHeads > 0 ? model.getNumHeads() / kvHeads : 1;
  for (auto &[name, weight] : weights) {
    Category category = categoryOf(name);
    if (isAttnVLike(category))
      ++qs.nAttentionWv;
    if (category == Category::Output)
      qs.tiedEmbeddings = false;
  }
  qs.nFfnDown = static_cast<int>(model.getNumLayers());

  Builder builder(model.getContext());
  for (auto &[name, weight] : weights) {
    RankedTensorType type = weight.getTensorType();
    Format chosen = Format::F32;
    if (allowsQuantization(name, type.getRank())) {
      // The shapes are in HF order; ggml's ne[0] is the last dimension.
      int64_t cols = type.getShape().back();
      chosen = chooseType(qs, *ftype, defaultFormat, categoryOf(name), cols,
                          model.getArch());
      chosen = fallback(qs, chosen, cols);
      ++numQuantized;
    }
    weight.setFormatAttr(
        StorageFormatAttr::get(model.getContext(), toStorageFormat(chosen)));
  }
  numFallbacks += qs.nFallback;
  return success();
}

void AssignBitsPass::runOnOperation() {
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(apply(model)))
      return signalPassFailure();
}
