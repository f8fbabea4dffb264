//===- AssignBits.cpp - A storage format for every weight -----------------===//
//
// `preset=q4_k_m` (and the other llama.cpp file types) sets `format` on every
// weight to the ggml type llama-quantize would write for that tensor in a
// file of that type (the rules: assign/LlamaCppTypes.h); `preset=fp8`,
// `preset=w4a16` and `type=T` put one format on every quantizable matrix;
// `tensor-type=REGEX=FORMAT` overrides per tensor as llama-quantize's
// --tensor-type; `target-bpw` / `target-bytes` choose by measured error
// under a size budget. See docs/passes/assign-bits.md.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/CheckedArith.h"
#include "formats/Formats.h"
#include "formats/TensorFormat.h"
#include "formats/files/Imatrix.h"
#include "passes/assign/LlamaCppTypes.h"
#include "passes/assign/Sensitivity.h"
#include "passes/assign/Timing.h"
#include "runtime/exec/Kernels.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Debug.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>
#include <memory>
#include <thread>

#define DEBUG_TYPE "llmq-assign-bits"

namespace mlir::llmq {
#define GEN_PASS_DEF_ASSIGNBITS
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::Format;
using namespace mlir::llmq::llamacpp;

namespace {
struct Item;

/// What `preset=` or `type=` asks for: llama.cpp's rules for a file type, or
/// one format on every quantizable matrix.
struct Plan {
  std::optional<FileType> fileType; ///< a llama.cpp preset
  ::llmq::TensorFormat uniform;     ///< otherwise: the one format
  std::string option;               ///< "preset=q4_k_m", "type=int4_g128"
  /// llama.cpp's world: never-quantized tensors get f32 and the output and
  /// embeddings are quantized. Otherwise (FP8 blocks, integer groups) they
  /// keep their source format.
  bool ggml() const { return fileType || uniform.isGgml(); }
};

/// One `tensor-type` pattern, REGEX=FORMAT.
struct Override {
  std::string spec; ///< as given, for diagnostics
  /// Shared so the pass stays copyable (llvm::Regex is not).
  std::shared_ptr<llvm::Regex> regex;
  ::llmq::TensorFormat format;
  bool used = false;
};

struct AssignBitsPass
    : public mlir::llmq::impl::AssignBitsBase<AssignBitsPass> {
  using AssignBitsBase::AssignBitsBase;
  void runOnOperation() override;

private:
  LogicalResult apply(ModelOp model, const Plan &plan);
  LogicalResult optimize(ModelOp model);
  LogicalResult weighBySensitivity(ModelOp model, std::vector<Item> &items,
                                   ::llmq::runtime::ThreadPool &pool);
  /// print-timing: the optimizer's phases.
  assign::PhaseTimer errorTime, baseTime, probeTime;
  LogicalResult parseOverrides();
  Override *matchOverride(StringRef ggufName);
  LogicalResult writeTotals(ModelOp model, StringRef mode);

  std::vector<Override> overrides;
};
} // namespace

static constexpr const char *kPresetNames =
    "q2_k, q3_k_s, q3_k_m, q3_k_l, q4_0, q4_k_s, q4_k_m, q5_k_s, q5_k_m, "
    "q6_k, q8_0, fp8, w4a16";
static constexpr const char *kFormatExamples =
    "a ggml type such as q4_K or q8_0, fp8_block, fp8_block_64x128, "
    "int4_g128, int4_g128_asym, int8_g32 or int8";

/// The plan of `preset=` (a llama.cpp file type, `fp8`: FP8 e4m3 in
/// 128x128 blocks, `w4a16`: int4 in symmetric groups of 128), if it names
/// one.
static std::optional<Plan> parsePreset(StringRef preset) {
  Plan plan;
  plan.option = ("preset=" + preset).str();
  std::string lower = preset.lower();
  if ((plan.fileType = parseFileType(lower)))
    return plan;
  if (lower == "fp8")
    plan.uniform = ::llmq::TensorFormat::fp8Block(128, 128);
  else if (lower == "w4a16")
    plan.uniform = ::llmq::TensorFormat::integer(4, 128, /*symmetric=*/true);
  else
    return std::nullopt;
  return plan;
}

/// Compiles every `tensor-type=REGEX=FORMAT` (split at the last '=': no
/// format name has one).
LogicalResult AssignBitsPass::parseOverrides() {
  overrides.clear();
  for (const std::string &spec : tensorTypes) {
    auto fail = [&](const Twine &message) {
      getOperation().emitError("llmq-assign-bits: tensor-type '")
          << spec << "' " << message;
      return failure();
    };
    size_t eq = StringRef(spec).rfind('=');
    if (eq == StringRef::npos || eq == 0 || eq + 1 == spec.size())
      return fail("is not REGEX=FORMAT");
    StringRef pattern = StringRef(spec).take_front(eq);
    StringRef formatName = StringRef(spec).drop_front(eq + 1);
    std::optional<::llmq::TensorFormat> format =
        ::llmq::TensorFormat::parse(formatName);
    if (!format)
      return fail("names no storage format '" + formatName + "' (" +
                  kFormatExamples + ")");
    std::string error;
    std::string posix = toPosixRegex(pattern, error);
    auto regex = std::make_shared<llvm::Regex>(posix, llvm::Regex::IgnoreCase);
    if (error.empty())
      regex->isValid(error);
    if (!error.empty())
      return fail("has an invalid regex '" + pattern + "': " + error);
    overrides.push_back({spec, std::move(regex), *format, false});
  }
  return success();
}

/// llama.cpp's manual override: the first pattern found in `name`.
Override *AssignBitsPass::matchOverride(StringRef name) {
  for (Override &o : overrides)
    if (o.regex->match(name)) {
      o.used = true;
      return &o;
    }
  return nullptr;
}

/// "16x48".
static std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return text;
}

/// Why a matrix with rows of `cols` values cannot be stored as integer
/// format `format` ("" when it can): compressed-tensors packs 32/bits codes
/// per int32 along a row, and groups must split a row.
static std::string intMisfit(const ::llmq::TensorFormat &format, int64_t cols) {
  if (format.group && cols % format.group != 0)
    return "rows of " + std::to_string(cols) +
           " values do not split into groups of " +
           std::to_string(format.group);
  unsigned perWord = 32 / format.bits;
  if (cols % perWord != 0)
    return "rows of " + std::to_string(cols) +
           " values do not pack into int32 words of " +
           std::to_string(perWord) + " codes";
  return "";
}

/// `format` for `weight`, whose rows have `cols` values: a ggml type
/// through llama.cpp's row fallback (counted in `qs`); FP8 blocks always
/// (blocks at the edges may be partial); an integer format only when its
/// groups and packing split a row, else an error naming the weight and
/// `origin`, the option that asked for it.
static FailureOr<::llmq::TensorFormat>
fitFormat(QuantizeState &qs, const ::llmq::TensorFormat &format,
          WeightOp weight, int64_t cols, StringRef origin) {
  if (format.isGgml())
    return ::llmq::TensorFormat::ggmlFormat(fallback(qs, format.ggml, cols));
  if (format.kind != ::llmq::FormatKind::Int)
    return format;
  std::string why = intMisfit(format, cols);
  if (why.empty())
    return format;
  weight.emitError("llmq-assign-bits: cannot store '")
      << weight.getSymName() << "' ("
      << shapeText(weight.getTensorType().getShape()) << ") as "
      << format.name() << " (" << origin << "): " << why;
  return failure();
}

/// The bytes of `weight` stored as `format`, every tensor of it (codes,
/// scales, zero points) counted; nullopt when they overflow.
static std::optional<uint64_t> weightBytes(WeightOp weight,
                                           const ::llmq::TensorFormat &format) {
  ArrayRef<int64_t> shape = weight.getTensorType().getShape();
  // No format takes more than 5 bytes per value (f32: 4; fp8 in 1x1
  // blocks: 1 + 4), so this bound keeps storageBytes from overflowing.
  uint64_t limit = uint64_t(INT64_MAX) / 8;
  if (shape.empty())
    return format.storageBytes(1, 1);
  std::optional<uint64_t> rows =
      ::llmq::checkedProduct(shape.drop_back(), limit);
  if (!::llmq::checkedProduct(shape, limit) || !rows)
    return std::nullopt;
  return format.storageBytes(static_cast<int64_t>(*rows), shape.back());
}

/// Sets `assigned_bytes` and `assigned_bpw` from the formats now on the
/// weights and prints them on one line; `mode` says how they were chosen.
LogicalResult AssignBitsPass::writeTotals(ModelOp model, StringRef mode) {
  uint64_t bytes = 0, elements = 0;
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    std::optional<::llmq::TensorFormat> format = chosenFormat(weight);
    std::optional<uint64_t> b =
        weightBytes(weight, format ? *format : sourceFormat(weight));
    std::optional<uint64_t> n =
        ::llmq::checkedProduct(weight.getTensorType().getShape());
    std::optional<uint64_t> sumBytes =
        b ? ::llmq::checkedAdd(bytes, *b) : std::nullopt;
    std::optional<uint64_t> sumElements =
        n ? ::llmq::checkedAdd(elements, *n) : std::nullopt;
    if (!sumBytes || !sumElements || *sumBytes > uint64_t(INT64_MAX))
      return weight.emitError("llmq-assign-bits: '")
             << weight.getSymName() << "' ("
             << shapeText(weight.getTensorType().getShape())
             << ") makes the model's size overflow 64 bits";
    bytes = *sumBytes;
    elements = *sumElements;
  }
  double bpw = elements ? 8.0 * static_cast<double>(bytes) /
                              static_cast<double>(elements)
                        : 0.0;
  MLIRContext *ctx = model.getContext();
  auto *dialect = ctx->getLoadedDialect<LlmqDialect>();
  Builder builder(ctx);
  dialect->getAssignedBytesAttrHelper().setAttr(
      model, builder.getI64IntegerAttr(static_cast<int64_t>(bytes)));
  dialect->getAssignedBpwAttrHelper().setAttr(model,
                                              builder.getF64FloatAttr(bpw));
  llvm::errs() << llvm::formatv(
      "llmq-assign-bits: {0}: {1}, assigned {2} bytes ({3:F4} bpw)\n",
      model.getSymName(), mode, bytes, bpw);
  return success();
}

/// The token embedding(s) and the output head, which FP8 and integer-group
/// checkpoints leave unquantized (`ignore: [lm_head]`; embeddings are no
/// Linear layer).
static bool isHeadOrEmbedding(Category category) {
  return category == Category::Output || category == Category::TokenEmbd;
}

LogicalResult AssignBitsPass::apply(ModelOp model, const Plan &plan) {
  Format defaultFormat =
      plan.fileType ? defaultType(*plan.fileType) : plan.uniform.ggml;

  SmallVector<std::pair<std::string, WeightOp>> weights;
  for (WeightOp weight : model.getBody().getOps<WeightOp>())
    weights.emplace_back(ggufName(weight.getSymName()), weight);
  llvm::stable_sort(weights, [](const auto &a, const auto &b) {
    return precedes(a.first, b.first);
  });

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

  MLIRContext *ctx = model.getContext();
  for (auto &[name, weight] : weights) {
    RankedTensorType type = weight.getTensorType();
    ::llmq::TensorFormat chosen;
    if (!allowsQuantization(name, type.getRank())) {
      // Never quantized: f32 as llama.cpp writes them, or as stored.
      chosen = plan.ggml() ? ::llmq::TensorFormat::ggmlFormat(Format::F32)
                           : sourceFormat(weight);
      weight.setFormatAttr(FormatAttr::get(ctx, chosen));
      continue;
    }
    // The shapes are in HF order; ggml's ne[0] is the last dimension.
    int64_t cols = type.getShape().back();
    Category category = categoryOf(name);
    if (Override *o = matchOverride(name)) {
      // llama.cpp skips its rules for a manual override, so the attn_v and
      // ffn_down counters do not advance either.
      FailureOr<::llmq::TensorFormat> f = fitFormat(
          qs, o->format, weight, cols, "tensor-type '" + o->spec + "'");
      if (failed(f))
        return failure();
      chosen = *f;
      ++numOverridden;
    } else if (plan.fileType) {
      chosen = ::llmq::TensorFormat::ggmlFormat(
          fallback(qs,
                   chooseType(qs, *plan.fileType, defaultFormat, category, cols,
                              model.getArch()),
                   cols));
    } else if (plan.uniform.isGgml()) {
      // llama-quantize --pure: the default type everywhere, output and
      // embeddings included, with the row fallback.
      chosen =
          ::llmq::TensorFormat::ggmlFormat(fallback(qs, defaultFormat, cols));
    } else if (isHeadOrEmbedding(category)) {
      chosen = sourceFormat(weight);
    } else {
      FailureOr<::llmq::TensorFormat> f =
          fitFormat(qs, plan.uniform, weight, cols, plan.option);
      if (failed(f))
        return failure();
      chosen = *f;
    }
    if (!chosen.isFloat())
      ++numQuantized;
    weight.setFormatAttr(FormatAttr::get(ctx, chosen));
  }
  numFallbacks += qs.nFallback;
  return writeTotals(model, plan.option);
}

//===----------------------------------------------------------------------===//
// target-bpw / target-bytes: measured error, multiple-choice knapsack
//===----------------------------------------------------------------------===//

namespace {
/// One choice for one weight: its format, bytes, measured error and the
/// cost the knapsack minimises (the error, or the error scaled by the
/// weight's measured sensitivity).
struct Candidate {
  ::llmq::TensorFormat format;
  uint64_t bytes = 0;
  double error = 0;
  double cost = 0;
};

/// A weight the optimizer assigns.
struct Item {
  WeightOp weight;
  std::string name;
  int64_t rows = 0, cols = 0;
  bool quantizable = false; ///< chosen by the knapsack (and probed)
  bool fixed = false;       ///< quantizable, but a tensor-type pattern chose
  bool measured = false;    ///< its candidates' errors are measured
  /// one (f32 or the override's format) when not chosen by the knapsack
  std::vector<Candidate> candidates;
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
  const float *imp = item.importance.empty() ? nullptr : item.importance.data();
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
            ::llmq::getFormatTraits(item.candidates[i].format.ggml);
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
  const float *imp = item.importance.empty() ? nullptr : item.importance.data();
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
  baseTime.start();
  auto probes = assign::SensitivityProbes::create(
      model, textFile, sensitivityTokens, contextSize, pool);
  baseTime.stop();
  if (!probes)
    return fail(llvm::toString(probes.takeError()));
  probeTime.start();
  for (Item &item : items) {
    if (!item.quantizable)
      continue;
    // The smallest candidate: the largest error, so the KLD it causes is
    // well above rounding and the ratio is measured where it matters most.
    Format probeFormat = item.candidates.front().format.ggml;
    double error = 0;
    std::vector<uint8_t> packed =
        quantizeTensor(item, probeFormat, pool, error);
    auto kld = (*probes)->kld(item.weight.getSymName(), probeFormat, packed);
    if (!kld)
      return fail(llvm::toString(kld.takeError()));
    item.sensitivity = error > 0 ? *kld / error : 0.0;
    LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                   "{0}: {1} error {2:E4} kld {3:E4} sensitivity {4:E4}\n",
                   item.name, ::llmq::getFormatTraits(probeFormat).name, error,
                   *kld, item.sensitivity));
    for (Candidate &c : item.candidates)
      c.cost = c.error * item.sensitivity;
    if (printTiming) {
      // Progress: cumulative probe time and evaluations after each probe.
      probeTime.stop();
      llvm::errs() << llvm::formatv(
          "llmq-assign-bits: timing: probe {0} '{1}': probes so far {2:F1} s "
          "(cpu {3:F1} s), {4} block x token evaluations\n",
          (*probes)->numProbes(), item.name, probeTime.wall(), probeTime.cpu(),
          (*probes)->blockTokens());
      probeTime.start();
    }
  }
  probeTime.stop();
  if (printTiming)
    llvm::errs() << llvm::formatv(
        "llmq-assign-bits: timing: base pass over {0} positions {1:F1} s "
        "(cpu {2:F1} s), {3} probes {4:F1} s (cpu {5:F1} s), {6} block x "
        "token evaluations\n",
        (*probes)->positions(), baseTime.wall(), baseTime.cpu(),
        (*probes)->numProbes(), probeTime.wall(), probeTime.cpu(),
        (*probes)->blockTokens());
  numProbes += (*probes)->numProbes();
  numProbeBlockTokens += (*probes)->blockTokens();
  LLVM_DEBUG(llvm::dbgs() << llvm::formatv(
                 "{0} probes over {1} positions: {2} block x token "
                 "evaluations ({3} as full forward passes), {4} bytes kept\n",
                 (*probes)->numProbes(), (*probes)->positions(),
                 (*probes)->blockTokens(),
                 (*probes)->fullForwardBlockTokens(), (*probes)->keptBytes()));
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
  QuantizeState overrideState;
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    Item item;
    item.weight = weight;
    item.name = ggufName(weight.getSymName());
    RankedTensorType type = weight.getTensorType();
    item.cols = type.getRank() == 0 ? 1 : type.getShape().back();
    item.rows = item.cols == 0 ? 0 : type.getNumElements() / item.cols;
    totalElements += type.getNumElements();
    item.quantizable = allowsQuantization(item.name, type.getRank());
    Override *override = item.quantizable ? matchOverride(item.name) : nullptr;
    if (override) {
      // Fixed by the pattern, outside the knapsack; its error is measured
      // when it is a ggml type (the only ones measure() quantizes).
      FailureOr<::llmq::TensorFormat> f =
          fitFormat(overrideState, override->format, weight, item.cols,
                    "tensor-type '" + override->spec + "'");
      if (failed(f))
        return failure();
      std::optional<uint64_t> bytes = weightBytes(weight, *f);
      if (!bytes)
        return fail("'" + weight.getSymName() + "' (" +
                    shapeText(type.getShape()) + ") is too large");
      item.quantizable = false;
      item.fixed = true;
      item.measured = f->isGgml();
      item.candidates.push_back({*f, *bytes, 0.0});
      ++numOverridden;
    } else if (item.quantizable) {
      // Rule without sensitivity probes: the output head (and tied
      // embeddings serving as it) keeps q6_K or better, as in every preset:
      // its error reaches the logits directly, which the per-tensor error
      // does not see. The probes measure exactly that, so they lift it.
      Category category = categoryOf(item.name);
      bool head = (category == Category::Output ||
                   (category == Category::TokenEmbd && !hasOutput)) &&
                  !probing;
      item.measured = true;
      for (Format f : candidateFormats(item.cols)) {
        if (head && ::llmq::bitsPerWeight(f) < 6.5)
          continue;
        ::llmq::TensorFormat t = ::llmq::TensorFormat::ggmlFormat(f);
        std::optional<uint64_t> bytes = weightBytes(weight, t);
        if (!bytes)
          return fail("'" + weight.getSymName() + "' (" +
                      shapeText(type.getShape()) + ") is too large");
        item.candidates.push_back({t, *bytes, 0.0});
      }
    } else {
      ::llmq::TensorFormat f32 = ::llmq::TensorFormat::ggmlFormat(Format::F32);
      std::optional<uint64_t> bytes = weightBytes(weight, f32);
      if (!bytes)
        return fail("'" + weight.getSymName() + "' (" +
                    shapeText(type.getShape()) + ") is too large");
      item.candidates.push_back({f32, *bytes, 0.0});
    }
    items.push_back(std::move(item));
  }
  numFallbacks += overrideState.nFallback;
  uint64_t budget =
      targetBytes > 0
          ? static_cast<uint64_t>(targetBytes)
          : static_cast<uint64_t>(std::floor(targetBpw * totalElements / 8.0));

  // Measure every candidate of every quantizable weight.
  unsigned numThreads =
      threads ? threads : std::max(1u, std::thread::hardware_concurrency());
  ::llmq::runtime::ThreadPool pool(numThreads);
  errorTime.start();
  auto sources = std::make_unique<WeightSources>();
  for (Item &item : items) {
    if (!item.measured)
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
    // An override's error counts in assigned_error; with no sensitivity of
    // its own it adds nothing to the cost the knapsack minimises.
    if (item.fixed)
      item.candidates[0].cost = 0;
    ++numQuantized;
  }
  errorTime.stop();
  if (printTiming)
    llvm::errs() << llvm::formatv("llmq-assign-bits: timing: error "
                                  "measurement {0:F1} s (cpu {1:F1} s), {2} "
                                  "threads\n",
                                  errorTime.wall(), errorTime.cpu(), numThreads);
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
                " bytes is below the smallest assignment, " + Twine(minBytes) +
                " bytes");
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
    item.weight.setFormatAttr(FormatAttr::get(ctx, c.format));
    if (item.measured)
      dialect->getQuantErrorAttrHelper().setAttr(
          item.weight, builder.getF64FloatAttr(c.error));
    if (!item.quantizable)
      continue;
    if (probing)
      dialect->getSensitivityAttrHelper().setAttr(
          item.weight, builder.getF64FloatAttr(item.sensitivity));
  }
  double bpw = totalElements ? 8.0 * bytes / totalElements : 0.0;
  dialect->getAssignedBytesAttrHelper().setAttr(
      model, builder.getI64IntegerAttr(static_cast<int64_t>(bytes)));
  dialect->getAssignedBpwAttrHelper().setAttr(model,
                                              builder.getF64FloatAttr(bpw));
  dialect->getAssignedErrorAttrHelper().setAttr(model,
                                                builder.getF64FloatAttr(error));
  if (probing)
    dialect->getEstimatedKldAttrHelper().setAttr(model,
                                                 builder.getF64FloatAttr(cost));
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
  int modes = !preset.empty() + !uniformType.empty() + (targetBpw != 0) +
              (targetBytes != 0);
  if (modes != 1)
    return refuse("give exactly one of preset, type, target-bpw and "
                  "target-bytes");
  std::optional<Plan> plan;
  if (!preset.empty()) {
    plan = parsePreset(preset);
    if (!plan)
      return refuse("unknown preset '" + preset + "' (one of " + kPresetNames +
                    ")");
  } else if (!uniformType.empty()) {
    std::optional<::llmq::TensorFormat> format =
        ::llmq::TensorFormat::parse(uniformType);
    if (!format)
      return refuse("type='" + uniformType + "' names no storage format (" +
                    kFormatExamples + ")");
    plan.emplace();
    plan->uniform = *format;
    plan->option = "type=" + uniformType;
  }
  if (failed(parseOverrides()))
    return signalPassFailure();
  for (ModelOp model : getOperation().getOps<ModelOp>())
    if (failed(plan ? apply(model, *plan) : optimize(model)))
      return signalPassFailure();
  // llama-quantize ignores a pattern that matches nothing; a warning says
  // so, since it is most often a misspelt name.
  for (const Override &o : overrides)
    if (!o.used)
      getOperation().emitWarning("llmq-assign-bits: tensor-type '")
          << o.spec << "' matches no quantizable weight";
}
