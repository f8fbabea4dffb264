//===- SimulatedQuantizationTest.cpp - Formats the runtime evaluates ------===//
//===//
//
// A model whose weights carry formats, loaded with simulation, computes the
// same logits, bit for bit, as the same model run in f32 over a dequantized
// copy of each weight made by the codec's reference round trip
// (roundTripRows: quantize, then dequantize the whole tensor). The simulated
// path differs from that copy in everything but the rules: it quantizes in
// strips on several threads, packs int codes into words and reads rows back
// through GroupedView or the ggml dequantizer.
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/Model.h"
#include "runtime/exec/SimulatedWeight.h"
#include "runtime/exec/ThreadPool.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "formats/GroupFormats.h"
#include "frontends/HF/ImportHF.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace llmq;
using namespace llmq::runtime;

namespace {

/// Token ids of kjv-tiny's vocabulary, a short passage.
const std::vector<int32_t> kTokens = {0,    298, 397, 383, 320,  332, 14,
                                      1423, 86,  358, 41,  1027, 5,   77};

mlir::OwningOpRef<mlir::ModuleOp> importModel(mlir::MLIRContext &context,
                                              llvm::StringRef directory) {
  context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
  auto module = importHF(directory, context);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return nullptr;
  }
  return std::move(*module);
}

mlir::llmq::ModelOp modelOf(mlir::ModuleOp module) {
  return *module.getOps<mlir::llmq::ModelOp>().begin();
}

/// Gives every matrix `format`.
void assignFormat(mlir::llmq::ModelOp model, const TensorFormat &format) {
  for (auto weight : model.getBody().getOps<mlir::llmq::WeightOp>())
    if (weight.getTensorType().getRank() == 2)
      weight.setFormatAttr(
          mlir::llmq::FormatAttr::get(model.getContext(), format));
}

std::vector<float> logitsOf(const Model &model, unsigned threads) {
  ThreadPool pool(threads);
  auto decoder = model.newDecoder(pool, kTokens.size());
  EXPECT_TRUE(static_cast<bool>(decoder));
  std::vector<float> logits;
  llvm::Error err = (*decoder)->forward(kTokens, logits, true);
  EXPECT_FALSE(static_cast<bool>(err)) << llvm::toString(std::move(err));
  return logits;
}

std::unique_ptr<Model> load(mlir::llmq::ModelOp op, bool simulate,
                            unsigned threads = 1) {
  LoadOptions options;
  options.simulateFormats = simulate;
  options.threads = threads;
  auto model = Model::load(op, options);
  if (!model) {
    ADD_FAILURE() << llvm::toString(model.takeError());
    return nullptr;
  }
  return std::move(*model);
}

/// Logits of `op` run over f32 copies of its matrices, each passed through
/// roundTripRows in its format (no importance: none is named).
std::vector<float> dequantizedCopyLogits(mlir::llmq::ModelOp op) {
  std::unique_ptr<Model> model = load(op, /*simulate=*/false);
  std::vector<std::vector<float>> copies;
  for (auto weight : op.getBody().getOps<mlir::llmq::WeightOp>()) {
    std::optional<TensorFormat> format = mlir::llmq::chosenFormat(weight);
    if (!format)
      continue;
    llvm::SmallVector<WeightView *, 2> views =
        model->matrixViews(weight.getSymName());
    EXPECT_FALSE(views.empty()) << weight.getSymName().str();
    if (views.empty())
      continue;
    WeightView &view = *views.front();
    std::vector<float> values = view.toFloat();
    copies.emplace_back(values.size());
    roundTripRows(*format, values.data(), view.rows, view.cols, nullptr,
                  copies.back().data());
    WeightView f32;
    f32.data = reinterpret_cast<const uint8_t *>(copies.back().data());
    f32.rows = view.rows;
    f32.cols = view.cols;
    for (WeightView *v : views)
      *v = f32;
  }
  return logitsOf(*model, 1);
}

void expectBitIdentical(const std::vector<float> &a,
                        const std::vector<float> &b, const char *what) {
  ASSERT_EQ(a.size(), b.size());
  size_t differing = 0;
  for (size_t i = 0; i < a.size(); ++i)
    differing += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  EXPECT_EQ(differing, 0u) << what << ": " << differing << " of " << a.size()
                           << " logits differ";
}

class SimulatedFormat : public ::testing::TestWithParam<const char *> {};

} // namespace

/// The checks of one model and format: simulated logits equal those over
/// dequantized copies, differ from the sources', and do not depend on the
/// threads; `blocks` is the model's block count.
void checkFormat(llvm::StringRef directory, const char *name, unsigned blocks) {
  SCOPED_TRACE(directory.str() + " " + name);
  std::optional<TensorFormat> format = TensorFormat::parse(name);
  ASSERT_TRUE(format.has_value());
  mlir::MLIRContext context;
  auto module = importModel(context, directory);
  ASSERT_TRUE(module);
  mlir::llmq::ModelOp op = modelOf(*module);

  std::vector<float> plain = logitsOf(*load(op, false), 1);
  assignFormat(op, *format);
  std::unique_ptr<Model> simulated = load(op, true, 2);
  ASSERT_TRUE(simulated);
  // Every matrix: 7 a block, the embedding and the head.
  EXPECT_EQ(simulated->numSimulated(), 7 * blocks + 2);
  // It holds the matrices' storage bytes (zero points a level a byte).
  uint64_t storage = 0;
  for (auto weight : op.getBody().getOps<mlir::llmq::WeightOp>()) {
    llvm::ArrayRef<int64_t> shape = weight.getTensorType().getShape();
    if (shape.size() == 2)
      storage += format->storageBytes(shape[0], shape[1]) +
                 (format->kind == FormatKind::Int && !format->symmetric
                      ? shape[0] * (shape[1] / format->group) *
                            (8 - format->bits) / 8
                      : 0);
  }
  EXPECT_EQ(simulated->simulatedBytes(), storage);
  std::vector<float> logits = logitsOf(*simulated, 1);

  expectBitIdentical(logits, dequantizedCopyLogits(op), name);
  // Quantization changed the function...
  size_t changed = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    changed += logits[i] != plain[i];
  EXPECT_GT(changed, logits.size() / 2);
  // ...but --ignore-formats runs the sources.
  expectBitIdentical(plain, logitsOf(*load(op, false), 1), "ignored");
  // Threads change neither the quantized bytes nor the logits.
  expectBitIdentical(logits, logitsOf(*load(op, true, 1), 2), "threads");
}

TEST_P(SimulatedFormat, EqualsRunOverDequantizedCopy) {
  checkFormat(LLMQ_TEST_MODELS_DIR "/kjv-tiny", GetParam(), 4);
}

/// Issue 13's model, where the checkout has the shared models beside it (as
/// lit's `shared` feature).
TEST(SimulatedFormatKjvLlama5m, EqualsRunOverDequantizedCopy) {
  std::string directory =
      LLMQ_TEST_MODELS_DIR "/../../../shared/models/kjv-llama-5m";
  if (!llvm::sys::fs::is_directory(directory))
    GTEST_SKIP() << directory << " is absent";
  for (const char *name : {"fp8_block", "int4_g128"})
    checkFormat(directory, name, 6);
}

INSTANTIATE_TEST_SUITE_P(Formats, SimulatedFormat,
                         ::testing::Values("fp8_block", "fp8_block_64x128",
                                           "int4_g128", "int4_g32_asym", "int8",
                                           "q8_0", "q4_0"));

/// What the memory claim rests on: a simulated weight holds its storage
/// bytes (codes, f32 scales, zero levels), not an f32 copy.
TEST(SimulatedWeight, HoldsStorageBytes) {
  const int64_t rows = 200, cols = 256;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> values(rows * cols);
  for (float &v : values)
    v = dist(rng);
  WeightView source;
  source.data = reinterpret_cast<const uint8_t *>(values.data());
  source.rows = rows;
  source.cols = cols;
  ThreadPool pool(2);
  for (const char *name :
       {"fp8_block", "int4_g128", "int4_g32_asym", "int8", "q4_K", "q8_0"}) {
    SimulationPlan plan;
    plan.format = *TensorFormat::parse(name);
    auto w = SimulatedWeight::quantize(source, plan, pool);
    uint64_t expected = plan.format.storageBytes(rows, cols);
    // Zero points are kept as one level a byte, not packed.
    if (plan.format.kind == FormatKind::Int && !plan.format.symmetric)
      expected +=
          rows * (cols / plan.format.group) * (8 - plan.format.bits) / 8;
    EXPECT_EQ(w->bytes(), expected) << name;
    EXPECT_LT(w->bytes(), values.size() * sizeof(float) / 3) << name;
  }
}

/// Scaled rows (the logit mask's amplified tokens) are multiplied before
/// quantizing, as the GGUF exporter does.
TEST(SimulatedWeight, ScalesRowsBeforeQuantizing) {
  const int64_t rows = 4, cols = 64;
  std::vector<float> values(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i)
    values[i] = 0.01f * static_cast<float>((i * 37) % 101 - 50);
  WeightView source;
  source.data = reinterpret_cast<const uint8_t *>(values.data());
  source.rows = rows;
  source.cols = cols;
  ThreadPool pool(1);
  SimulationPlan plan;
  plan.format = TensorFormat::ggmlFormat(Format::Q8_0);
  plan.scaledRows.insert(2);
  plan.rowScale = 3.0f;
  auto w = SimulatedWeight::quantize(source, plan, pool);
  std::vector<float> scaled = values;
  for (int64_t c = 0; c < cols; ++c)
    scaled[2 * cols + c] *= 3.0f;
  std::vector<float> expected(rows * cols), got = w->view().toFloat();
  roundTripRows(plan.format, scaled.data(), rows, cols, nullptr,
                expected.data());
  expectBitIdentical(got, expected, "scaled rows");
}
