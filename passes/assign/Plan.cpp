//===- Plan.cpp - The formats a preset, type= or tensor-type= gives -------===//

#include "passes/assign/Plan.h"

#include "formats/CheckedArith.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
using namespace mlir::llmq::llamacpp;
using ::llmq::Format;
using ::llmq::TensorFormat;

char TensorError::ID = 0;

const char *const assign::kFormatExamples =
    "a ggml type such as q4_K or q8_0, fp8_block, fp8_block_64x128, "
    "int4_g128, int4_g128_asym, int8_g32 or int8";

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
}

static llvm::Error tensorError(size_t index, const llvm::Twine &message) {
  return llvm::make_error<TensorError>(index, message.str());
}

Plan assign::presetPlan(AssignBitsPreset preset) {
  static constexpr std::pair<AssignBitsPreset, FileType> fileTypes[] = {
      {AssignBitsPreset::Q2_K, FileType::Q2_K},
      {AssignBitsPreset::Q3_K_S, FileType::Q3_K_S},
      {AssignBitsPreset::Q3_K_M, FileType::Q3_K_M},
      {AssignBitsPreset::Q3_K_L, FileType::Q3_K_L},
      {AssignBitsPreset::Q4_0, FileType::Q4_0},
      {AssignBitsPreset::Q4_K_S, FileType::Q4_K_S},
      {AssignBitsPreset::Q4_K_M, FileType::Q4_K_M},
      {AssignBitsPreset::Q5_K_S, FileType::Q5_K_S},
      {AssignBitsPreset::Q5_K_M, FileType::Q5_K_M},
      {AssignBitsPreset::Q6_K, FileType::Q6_K},
      {AssignBitsPreset::Q8_0, FileType::Q8_0},
  };
  static constexpr const char *names[] = {
      "",       "q2_k",   "q3_k_s", "q3_k_m", "q3_k_l", "q4_0", "q4_k_s",
      "q4_k_m", "q5_k_s", "q5_k_m", "q6_k",   "q8_0",   "fp8",  "w4a16"};
  static_assert(std::size(names) ==
                static_cast<size_t>(AssignBitsPreset::W4A16) + 1);
  Plan plan;
  plan.option = std::string("preset=") + names[static_cast<int>(preset)];
  for (auto [p, fileType] : fileTypes)
    if (p == preset)
      plan.fileType = fileType;
  if (preset == AssignBitsPreset::FP8)
    plan.uniform = TensorFormat::fp8Block(128, 128);
  else if (preset == AssignBitsPreset::W4A16)
    plan.uniform = TensorFormat::integer(4, 128, /*symmetric=*/true);
  return plan;
}

std::optional<Plan> assign::uniformPlan(llvm::StringRef typeName) {
  std::optional<TensorFormat> format = TensorFormat::parse(typeName);
  if (!format)
    return std::nullopt;
  Plan plan;
  plan.uniform = *format;
  plan.option = ("type=" + typeName).str();
  return plan;
}

llvm::Expected<Overrides>
Overrides::parse(llvm::ArrayRef<std::string> specs) {
  Overrides result;
  for (const std::string &spec : specs) {
    auto fail = [&](const llvm::Twine &message) {
      return error("tensor-type '" + spec + "' " + message);
    };
    size_t eq = llvm::StringRef(spec).rfind('=');
    if (eq == llvm::StringRef::npos || eq == 0 || eq + 1 == spec.size())
      return fail("is not REGEX=FORMAT");
    llvm::StringRef pattern = llvm::StringRef(spec).take_front(eq);
    llvm::StringRef formatName = llvm::StringRef(spec).drop_front(eq + 1);
    std::optional<TensorFormat> format = TensorFormat::parse(formatName);
    if (!format)
      return fail("names no storage format '" + formatName + "' (" +
                  kFormatExamples + ")");
    std::string message;
    std::string posix = toPosixRegex(pattern, message);
    auto regex = std::make_shared<llvm::Regex>(posix, llvm::Regex::IgnoreCase);
    if (message.empty())
      regex->isValid(message);
    if (!message.empty())
      return fail("has an invalid regex '" + pattern + "': " + message);
    result.overrides.push_back({spec, std::move(regex), *format, false});
  }
  return result;
}

Overrides::Override *Overrides::match(llvm::StringRef ggufName) {
  for (Override &o : overrides)
    if (o.regex->match(ggufName)) {
      o.used = true;
      return &o;
    }
  return nullptr;
}

std::vector<std::string> Overrides::unused() const {
  std::vector<std::string> specs;
  for (const Override &o : overrides)
    if (!o.used)
      specs.push_back(o.spec);
  return specs;
}

std::string assign::shapeText(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return text;
}

std::string assign::intMisfit(const TensorFormat &format, int64_t cols) {
  // compressed-tensors packs 32/bits codes per int32 along a row, and
  // groups must split a row.
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

llvm::Expected<TensorFormat>
assign::fitFormat(QuantizeState &qs, const TensorFormat &format,
                  llvm::ArrayRef<Tensor> tensors, size_t index,
                  llvm::StringRef origin) {
  const Tensor &tensor = tensors[index];
  // The shapes are in HF order; ggml's ne[0] is the last dimension.
  int64_t cols = tensor.shape.empty() ? 1 : tensor.shape.back();
  if (format.isGgml())
    return TensorFormat::ggmlFormat(fallback(qs, format.ggml, cols));
  if (format.kind != ::llmq::FormatKind::Int)
    return format;
  std::string why = intMisfit(format, cols);
  if (why.empty())
    return format;
  return tensorError(index, "cannot store '" + tensor.symbol + "' (" +
                                shapeText(tensor.shape) + ") as " +
                                format.name() + " (" + origin + "): " + why);
}

std::optional<uint64_t> assign::tensorBytes(llvm::ArrayRef<int64_t> shape,
                                            const TensorFormat &format) {
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

/// The token embedding(s) and the output head, which FP8 and integer-group
/// checkpoints leave unquantized (`ignore: [lm_head]`; embeddings are no
/// Linear layer).
static bool isHeadOrEmbedding(Category category) {
  return category == Category::Output || category == Category::TokenEmbd;
}

llvm::Expected<std::vector<TensorFormat>>
assign::applyPlan(const Plan &plan, const ModelFacts &model,
                  llvm::ArrayRef<Tensor> tensors, Overrides &overrides,
                  PlanCounts &counts) {
  Format defaultFormat =
      plan.fileType ? defaultType(*plan.fileType) : plan.uniform.ggml;

  std::vector<size_t> order(tensors.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  llvm::stable_sort(order, [&](size_t a, size_t b) {
    return precedes(tensors[a].name, tensors[b].name);
  });

  // init_quantize_state_counters.
  QuantizeState qs;
  qs.hasImatrix = model.hasImatrix;
  qs.nGqa = model.numKvHeads > 0 ? model.numHeads / model.numKvHeads : 1;
  for (const Tensor &tensor : tensors) {
    Category category = categoryOf(tensor.name);
    if (isAttnVLike(category))
      ++qs.nAttentionWv;
    if (category == Category::Output)
      qs.tiedEmbeddings = false;
  }
  qs.nFfnDown = static_cast<int>(model.numLayers);

  std::vector<TensorFormat> formats(tensors.size());
  for (size_t i : order) {
    const Tensor &tensor = tensors[i];
    TensorFormat &chosen = formats[i];
    if (!allowsQuantization(tensor.name, tensor.shape.size())) {
      // Never quantized: f32 as llama.cpp writes them, or as stored.
      chosen = plan.ggml() ? TensorFormat::ggmlFormat(Format::F32)
                           : tensor.source;
      continue;
    }
    int64_t cols = tensor.shape.back();
    Category category = categoryOf(tensor.name);
    auto choose = [&]() -> llvm::Expected<TensorFormat> {
      if (Overrides::Override *o = overrides.match(tensor.name)) {
        // llama.cpp skips its rules for a manual override, so the attn_v
        // and ffn_down counters do not advance either.
        ++counts.overridden;
        return fitFormat(qs, o->format, tensors, i,
                         "tensor-type '" + o->spec + "'");
      }
      if (plan.fileType)
        return TensorFormat::ggmlFormat(fallback(
            qs,
            chooseType(qs, *plan.fileType, defaultFormat, category, cols,
                       model.arch),
            cols));
      // llama-quantize --pure: the default type everywhere, output and
      // embeddings included, with the row fallback.
      if (plan.uniform.isGgml())
        return TensorFormat::ggmlFormat(fallback(qs, defaultFormat, cols));
      if (isHeadOrEmbedding(category))
        return tensor.source;
      return fitFormat(qs, plan.uniform, tensors, i, plan.option);
    };
    llvm::Expected<TensorFormat> f = choose();
    if (!f)
      return f.takeError();
    chosen = *f;
    if (!chosen.isFloat())
      ++counts.quantized;
  }
  counts.fallbacks += qs.nFallback;
  return formats;
}

llvm::Expected<Totals> assign::totals(llvm::ArrayRef<Tensor> tensors,
                                      llvm::ArrayRef<TensorFormat> formats) {
  Totals t;
  for (size_t i = 0; i < tensors.size(); ++i) {
    std::optional<uint64_t> b = tensorBytes(tensors[i].shape, formats[i]);
    std::optional<uint64_t> n = ::llmq::checkedProduct(tensors[i].shape);
    std::optional<uint64_t> sumBytes =
        b ? ::llmq::checkedAdd(t.bytes, *b) : std::nullopt;
    std::optional<uint64_t> sumElements =
        n ? ::llmq::checkedAdd(t.elements, *n) : std::nullopt;
    if (!sumBytes || !sumElements || *sumBytes > uint64_t(INT64_MAX))
      return tensorError(i, "'" + tensors[i].symbol + "' (" +
                                shapeText(tensors[i].shape) +
                                ") makes the model's size overflow 64 bits");
    t.bytes = *sumBytes;
    t.elements = *sumElements;
  }
  return t;
}
