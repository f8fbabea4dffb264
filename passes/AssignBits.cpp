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
#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/Formats.h"
#include "formats/files/Imatrix.h"
#include "runtime/eval/Corpus.h"
#include "runtime/eval/Evaluate.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <thread>

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

struct Item;

struct AssignBitsPass
    : public mlir::llmq::impl::AssignBitsBase<AssignBitsPass> {
  using AssignBitsBase::AssignBitsBase;
  void runOnOperation() override;

private:
  LogicalResult apply(ModelOp model);
  LogicalResult optimize(ModelOp model);
  LogicalResult weighBySensitivity(ModelOp model, std::vector<Item> &items,
                                   ::llmq::runtime::ThreadPool &pool);
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

/// tensor_type_fallback (formats/TensorFormat.h), counting the tensors
/// that needed one as llama.cpp does.
static Format fallback(QuantizeState &qs, Format type, int64_t cols) {
  Format result = ::llmq::ggmlFallback(type, cols);
  if (result != type)
    ++qs.nFallback;
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
  qs.hasImatrix = !importanceFile(model).empty();
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
        FormatAttr::get(model.getContext(), chosen));
  }
  numFallbacks += qs.nFallback;
  return success();
}

//===----------------------------------------------------------------------===//
// target-bpw / target-bytes: measured error, multiple-choice knapsack
//===----------------------------------------------------------------------===//

namespace {
/// One choice for one weight: its format, bytes, measured error and the
/// cost the knapsack minimises (the error, or the error scaled by the
/// weight's measured sensitivity).
struct Candidate {
  Format format;
  uint64_t bytes = 0;
  double error = 0;
  double cost = 0;
};

/// A weight the optimizer assigns.
struct Item {
  WeightOp weight;
  std::string name;
  int64_t rows = 0, cols = 0;
  bool quantizable = false;
  std::vector<Candidate> candidates; ///< one (f32) when not quantizable
  size_t chosen = 0;
  /// The source rows, as stored, and how they are quantized: importance per
  /// column (empty: 1) and the logit mask's row scale.
  ::llmq::runtime::WeightView view;
  std::vector<float> importance;
  llvm::DenseSet<int64_t> scaled;
  float rowScale = 1.0f;
  double sensitivity = 0; ///< measured KLD per unit of error; 0: unmeasured
};
} // namespace

/// The candidate formats of a quantizable weight with rows of `cols`: the
/// K types, each replaced by llama.cpp's 32-element fallback where its
/// 256-element blocks do not fit, plus q8_0; duplicates dropped.
static std::vector<Format> candidateFormats(int64_t cols) {
  std::vector<Format> formats;
  for (Format f : {Format::Q2_K, Format::Q3_K, Format::Q4_K, Format::Q5_K,
                   Format::Q6_K, Format::Q8_0}) {
    QuantizeState unused;
    Format g = fallback(unused, f, cols);
    if (llvm::find(formats, g) == formats.end())
      formats.push_back(g);
  }
  return formats;
}

/// Measures sum_r sum_c imp[c] * (x - x')^2 of every candidate of `item`,
/// streaming rows from `view`. Rows are split over the pool; per-row errors
/// are summed in row order, so the result does not depend on the threads.
static void measure(Item &item, ::llmq::runtime::ThreadPool &pool) {
  const ::llmq::runtime::WeightView &view = item.view;
  const llvm::DenseSet<int64_t> &scaled = item.scaled;
  float rowScale = item.rowScale;
  size_t k = item.candidates.size();
  int64_t rows = item.rows, cols = item.cols;
  std::vector<double> rowError(k * rows, 0.0);
  const float *imp =
      item.importance.empty() ? nullptr : item.importance.data();
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> x(cols), y(cols);
    std::vector<uint8_t> packed(cols * sizeof(float) + 64);
    for (int64_t r = begin; r < end; ++r) {
      view.dequantizeRow(r, x.data());
      if (scaled.contains(r))
        for (float &v : x)
          v *= rowScale;
      for (size_t i = 0; i < k; ++i) {
        const ::llmq::FormatTraits &t =
            ::llmq::getFormatTraits(item.candidates[i].format);
        t.quantizeRow(x.data(), packed.data(), cols, imp);
        t.dequantizeRow(packed.data(), y.data(), cols);
        double e = 0;
        for (int64_t c = 0; c < cols; ++c) {
          double d = static_cast<double>(x[c]) - y[c];
          e += (imp ? imp[c] : 1.0) * d * d;
        }
        rowError[i * rows + r] = e;
      }
    }
  });
  for (size_t i = 0; i < k; ++i) {
    double sum = 0;
    for (int64_t r = 0; r < rows; ++r)
      sum += rowError[i * rows + r];
    item.candidates[i].error = sum;
    item.candidates[i].cost = sum;
  }
}

/// `item` quantized to `format` in memory, for the runtime to run: rows as
/// the runtime reads them (the LM head's row scale is applied by the runtime
/// itself, so it is left out here); `error` receives the weighted squared
/// error of exactly these rows, summed in row order.
static std::vector<uint8_t> quantizeTensor(const Item &item, Format format,
                                           ::llmq::runtime::ThreadPool &pool,
                                           double &error) {
  const ::llmq::FormatTraits &t = ::llmq::getFormatTraits(format);
  int64_t rows = item.rows, cols = item.cols;
  size_t rowBytes = ::llmq::rowBytes(format, cols);
  std::vector<uint8_t> packed(rowBytes * rows);
  std::vector<double> rowError(rows, 0.0);
  const float *imp =
      item.importance.empty() ? nullptr : item.importance.data();
  pool.parallelFor(rows, [&](int64_t begin, int64_t end) {
    std::vector<float> x(cols), y(cols);
    for (int64_t r = begin; r < end; ++r) {
      item.view.dequantizeRow(r, x.data());
      uint8_t *out = packed.data() + r * rowBytes;
      t.quantizeRow(x.data(), out, cols, imp);
      t.dequantizeRow(out, y.data(), cols);
      double e = 0;
      for (int64_t c = 0; c < cols; ++c) {
        double d = static_cast<double>(x[c]) - y[c];
        e += (imp ? imp[c] : 1.0) * d * d;
      }
      rowError[r] = e;
    }
  });
  error = 0;
  for (double e : rowError)
    error += e;
  return packed;
}

/// Exact multiple-choice knapsack by dynamic programming over sizes in units
/// of `unit` bytes, each candidate's size rounded up (so the true total never
/// exceeds the budget). Returns false when even the smallest choice of every
/// item does not fit.
static bool solveKnapsack(std::vector<Item *> &items, uint64_t budget,
                          uint64_t unit) {
  int64_t capacity = static_cast<int64_t>(budget / unit);
  auto units = [&](uint64_t bytes) {
    return static_cast<int64_t>((bytes + unit - 1) / unit);
  };
  const double inf = std::numeric_limits<double>::infinity();
  // best[b]: least error of the items so far with at most b units.
  std::vector<double> best(capacity + 1, 0.0), next(capacity + 1);
  std::vector<std::vector<uint8_t>> choice(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::vector<Candidate> &cands = items[i]->candidates;
    choice[i].assign(capacity + 1, 0);
    for (int64_t b = 0; b <= capacity; ++b) {
      double v = inf;
      uint8_t arg = 0;
      for (size_t c = 0; c < cands.size(); ++c) {
        int64_t u = units(cands[c].bytes);
        if (u > b || best[b - u] == inf)
          continue;
        double e = best[b - u] + cands[c].cost;
        if (e < v) {
          v = e;
          arg = static_cast<uint8_t>(c);
        }
      }
      next[b] = v;
      choice[i][b] = arg;
    }
    std::swap(best, next);
  }
  if (best[capacity] == inf)
    return false;
  int64_t b = capacity;
  for (size_t i = items.size(); i-- > 0;) {
    uint8_t c = choice[i][b];
    items[i]->chosen = c;
    b -= units(items[i]->candidates[c].bytes);
  }
  return true;
}

/// Scales every candidate's error of every quantizable weight by the
/// weight's measured sensitivity: the mean KL divergence on calibration text
/// between the unquantized model and the model with only that weight
/// quantized (to its smallest candidate), per unit of weighted squared error.
LogicalResult
AssignBitsPass::weighBySensitivity(ModelOp model, std::vector<Item> &items,
                                   ::llmq::runtime::ThreadPool &pool) {
  auto fail = [&](const Twine &message) {
    model.emitError("llmq-assign-bits: ") << message;
    return failure();
  };
  if (contextSize < 1 ||
      contextSize > static_cast<int64_t>(model.getContextLength()))
    return fail("ctx=" + Twine(contextSize.getValue()) + " is outside [1, " +
                Twine(model.getContextLength()) + "]");
  TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
  if (!tokenizerAttr)
    return fail("model '" + model.getSymName() +
                "' has no tokenizer to read the calibration text with");
  auto tokenizer = ::llmq::runtime::openTokenizer(tokenizerAttr.getFile());
  if (!tokenizer)
    return fail(llvm::toString(tokenizer.takeError()));
  auto stream = ::llmq::runtime::encodeFile(**tokenizer,
                                            tokenizerAttr.getBos(), textFile);
  if (!stream)
    return fail(llvm::toString(stream.takeError()));
  int64_t usable = std::min<int64_t>(stream->size(), sensitivityTokens);
  if (usable < contextSize)
    return fail("'" + textFile + "' holds " + Twine(stream->size()) +
                " tokens, fewer than one window of ctx=" +
                Twine(contextSize.getValue()));
  auto runtimeModel = ::llmq::runtime::Model::load(model);
  if (!runtimeModel)
    return fail(llvm::toString(runtimeModel.takeError()));
  auto probe = ::llmq::runtime::DivergenceProbe::create(
      **runtimeModel, pool, ArrayRef<int32_t>(*stream).take_front(usable),
      contextSize);
  if (!probe)
    return fail(llvm::toString(probe.takeError()));

  for (Item &item : items) {
    if (!item.quantizable)
      continue;
    llvm::SmallVector<::llmq::runtime::WeightView *, 2> views =
        (*runtimeModel)->matrixViews(item.weight.getSymName());
    if (views.empty())
      return fail("weight '" + item.weight.getSymName() +
                  "' is no matrix the runtime multiplies by");
    // The smallest candidate: the largest error, so the KLD it causes is
    // well above rounding and the ratio is measured where it matters most.
    Format probeFormat = item.candidates.front().format;
    double error = 0;
    std::vector<uint8_t> packed =
        quantizeTensor(item, probeFormat, pool, error);
    std::vector<::llmq::runtime::WeightView> saved;
    for (::llmq::runtime::WeightView *v : views) {
      saved.push_back(*v);
      v->data = packed.data();
      v->format = probeFormat;
    }
    auto kld = probe->meanKLD(**runtimeModel);
    for (size_t i = 0; i < views.size(); ++i)
      *views[i] = saved[i];
    if (!kld)
      return fail(llvm::toString(kld.takeError()));
    item.sensitivity = error > 0 ? *kld / error : 0.0;
    LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                   "{0}: {1} error {2:E4} kld {3:E4} sensitivity {4:E4}\n",
                   item.name, ::llmq::getFormatTraits(probeFormat).name,
                   error, *kld, item.sensitivity));
    for (Candidate &c : item.candidates)
      c.cost = c.error * item.sensitivity;
  }
  return success();
}

LogicalResult AssignBitsPass::optimize(ModelOp model) {
  auto fail = [&](const Twine &message) {
    model.emitError("llmq-assign-bits: ") << message;
    return failure();
  };
  if (targetBpw < 0 || targetBytes < 0)
    return fail("target-bpw and target-bytes must be positive");
  if (sensitivityTokens < 0)
    return fail("sensitivity-tokens=" + Twine(sensitivityTokens.getValue()) +
                " is negative");
  ImportanceReader importanceReader;

  bool probing = sensitivityTokens > 0 && !textFile.empty();
  bool hasOutput = false;
  for (WeightOp weight : model.getBody().getOps<WeightOp>())
    hasOutput |= ggufName(weight.getSymName()) == "output.weight";
  std::vector<Item> items;
  uint64_t totalElements = 0;
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    Item item;
    item.weight = weight;
    item.name = ggufName(weight.getSymName());
    RankedTensorType type = weight.getTensorType();
    item.cols = type.getRank() == 0 ? 1 : type.getShape().back();
    item.rows = item.cols == 0 ? 0 : type.getNumElements() / item.cols;
    totalElements += type.getNumElements();
    item.quantizable = allowsQuantization(item.name, type.getRank());
    if (item.quantizable) {
      // Rule without sensitivity probes: the output head (and tied
      // embeddings serving as it) keeps q6_K or better, as in every preset:
      // its error reaches the logits directly, which the per-tensor error
      // does not see. The probes measure exactly that, so they lift it.
      Category category = categoryOf(item.name);
      bool head = (category == Category::Output ||
                  (category == Category::TokenEmbd && !hasOutput)) &&
                  !probing;
      for (Format f : candidateFormats(item.cols))
        if (!head || ::llmq::bitsPerWeight(f) >= 6.5)
          item.candidates.push_back(
            {f, ::llmq::rowBytes(f, item.cols) * item.rows, 0.0});
    } else {
      item.candidates.push_back(
          {Format::F32, uint64_t(type.getNumElements()) * 4, 0.0});
    }
    items.push_back(std::move(item));
  }
  uint64_t budget = targetBytes > 0
                        ? static_cast<uint64_t>(targetBytes)
                        : static_cast<uint64_t>(
                              std::floor(targetBpw * totalElements / 8.0));

  // Measure every candidate of every quantizable weight.
  unsigned numThreads =
      threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  ::llmq::runtime::ThreadPool pool(numThreads);
  auto sources = std::make_unique<WeightSources>();
  for (Item &item : items) {
    if (!item.quantizable)
      continue;
    auto source = sources->resolve(item.weight);
    if (!source)
      return fail(llvm::toString(source.takeError()));
    ::llmq::runtime::WeightView &view = item.view;
    view.format = source->format;
    view.rows = source->rows;
    view.cols = source->cols;
    view.data = source->data;
    view.grouped = source->grouped;
    if (auto rows = item.weight.getScaledRowsAttr()) {
      item.scaled.insert(rows.asArrayRef().begin(), rows.asArrayRef().end());
      if (auto s = item.weight.getRowScaleAttr())
        item.rowScale = s.getValueAsDouble();
    }
    // Importance: the mean squared input per column of the imatrix entry
    // the weight's llmq.importance names; 1 for a weight without one (the
    // untied token embedding, every weight without an imatrix).
    std::vector<float> &importance = item.importance;
    llvm::Expected<const ::llmq::ImatrixEntry *> entry =
        importanceReader.lookup(item.weight);
    if (!entry)
      return fail(llvm::toString(entry.takeError()));
    if (*entry)
      for (int64_t c = 0; c < (*entry)->cols; ++c)
        importance.push_back((*entry)->mean2(c));
    measure(item, pool);
    ++numQuantized;
  }
  if (probing)
    if (failed(weighBySensitivity(model, items, pool)))
      return failure();
  sources.reset();

  uint64_t fixedBytes = 0, maxBytes = 0;
  std::vector<Item *> choosing;
  for (Item &item : items) {
    if (!item.quantizable) {
      fixedBytes += item.candidates[0].bytes;
      continue;
    }
    uint64_t largest = 0;
    for (const Candidate &c : item.candidates)
      largest = std::max(largest, c.bytes);
    maxBytes += largest;
    choosing.push_back(&item);
  }
  uint64_t minBytes = fixedBytes;
  for (Item *item : choosing) {
    uint64_t smallest = std::numeric_limits<uint64_t>::max();
    for (const Candidate &c : item->candidates)
      smallest = std::min(smallest, c.bytes);
    minBytes += smallest;
  }
  if (budget < minBytes)
    return fail("budget of " + Twine(budget) +
                " bytes is below the smallest assignment, " +
                Twine(minBytes) + " bytes");
  // Units: the model's largest assignment in at most 2^17 units; they depend
  // on the model only, so a larger budget never has fewer feasible choices.
  uint64_t unit = std::max<uint64_t>(1, (maxBytes + (1u << 17) - 1) >> 17);
  uint64_t available = std::min(budget - fixedBytes, maxBytes + unit);
  if (!solveKnapsack(choosing, available, unit))
    return fail("budget of " + Twine(budget) +
                " bytes is below the smallest assignment after rounding to " +
                Twine(unit) + "-byte units");

  uint64_t bytes = 0;
  double error = 0, cost = 0;
  MLIRContext *ctx = model.getContext();
  auto *dialect = ctx->getLoadedDialect<LlmqDialect>();
  Builder builder(ctx);
  for (Item &item : items) {
    const Candidate &c = item.candidates[item.chosen];
    bytes += c.bytes;
    error += c.error;
    cost += c.cost;
    item.weight.setFormatAttr(
        FormatAttr::get(ctx, c.format));
    if (!item.quantizable)
      continue;
    dialect->getQuantErrorAttrHelper().setAttr(
        item.weight, builder.getF64FloatAttr(c.error));
    if (probing)
      dialect->getSensitivityAttrHelper().setAttr(
          item.weight, builder.getF64FloatAttr(item.sensitivity));
  }
  double bpw = totalElements ? 8.0 * bytes / totalElements : 0.0;
  dialect->getAssignedBytesAttrHelper().setAttr(
      model, builder.getI64IntegerAttr(static_cast<int64_t>(bytes)));
  dialect->getAssignedBpwAttrHelper().setAttr(model,
                                              builder.getF64FloatAttr(bpw));
  dialect->getAssignedErrorAttrHelper().setAttr(
      model, builder.getF64FloatAttr(error));
  if (probing)
    dialect->getEstimatedKldAttrHelper().setAttr(
        model, builder.getF64FloatAttr(cost));
  llvm::errs() << llvm::formatv(
      "llmq-assign-bits: {0}: budget {1} bytes, assigned {2} bytes "
      "({3:F4} bpw), error {4:E6}",
      model.getSymName(), budget, bytes, bpw, error);
  if (probing)
    llvm::errs() << llvm::formatv(", estimated KLD {0:E4}", cost);
  llvm::errs() << "\n";
  return success();
}

void AssignBitsPass::runOnOperation() {
  // Budgets first: NaN compares unequal to 0 and would pass for a mode.
  auto refuse = [&](const Twine &message) {
    getOperation().emitError("llmq-assign-bits: ") << message;
    signalPassFailure();
  };
  if (!std::isfinite(targetBpw) || targetBpw < 0 || targetBpw > 32)
    return refuse("target-bpw=" + formatOptionValue(targetBpw) +
                  " is outside (0, 32]");
  if (targetBytes < 0)
    return refuse("target-bytes=" + Twine(targetBytes.getValue()) +
                  " must be > 0");
  int modes = !preset.empty() + (targetBpw != 0) + (targetBytes != 0);
  if (modes != 1) {
    getOperation().emitError("llmq-assign-bits: give exactly one of preset, "
                             "target-bpw and target-bytes");
    return signalPassFailure();
  }
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(preset.empty() ? optimize(model) : apply(model)))
      return signalPassFailure();
}
