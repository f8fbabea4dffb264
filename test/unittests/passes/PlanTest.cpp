//===- PlanTest.cpp - The formats preset=, type= and tensor-type= give ----===//
//
// The plans of the presets and type=, the tensor-type overrides (first
// match, errors naming the spec, unused patterns), the bytes of a format
// (scales counted, overflow refused), the integer-group fit, and applyPlan
// over a model described in plain structs: llama.cpp's rules with the row
// fallback, w4a16 leaving the head and embedding alone, an error naming the
// weight it is about.
//
//===----------------------------------------------------------------------===//

#include "passes/assign/Plan.h"

#include <gtest/gtest.h>

using namespace mlir::llmq;
using namespace mlir::llmq::assign;
using ::llmq::Format;
using ::llmq::TensorFormat;

namespace {

TensorFormat ggml(Format f) { return TensorFormat::ggmlFormat(f); }

/// A llama model of `layers` blocks: hidden 256, ffn `ffn`, vocab 64, bf16.
std::vector<Tensor> model(int layers, int64_t ffn) {
  std::vector<Tensor> tensors;
  auto add = [&](std::string symbol, std::vector<int64_t> shape) {
    tensors.push_back({symbol, llamacpp::ggufName(symbol),
                       {shape.begin(), shape.end()}, ggml(Format::BF16)});
  };
  add("token_embd", {64, 256});
  for (int l = 0; l < layers; ++l) {
    std::string b = "blk." + std::to_string(l) + ".";
    add(b + "attn_norm", {256});
    add(b + "attn_q", {256, 256});
    add(b + "attn_k", {128, 256});
    add(b + "attn_v", {128, 256});
    add(b + "attn_output", {256, 256});
    add(b + "ffn_norm", {256});
    add(b + "ffn_gate", {ffn, 256});
    add(b + "ffn_up", {ffn, 256});
    add(b + "ffn_down", {256, ffn});
  }
  add("output_norm", {256});
  add("output", {64, 256});
  return tensors;
}

ModelFacts facts(int layers) { return {"llama", layers, 4, 2, false}; }

/// The format applyPlan gave the tensor named `symbol`.
TensorFormat formatOf(const std::vector<Tensor> &tensors,
                      const std::vector<TensorFormat> &formats,
                      llvm::StringRef symbol) {
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].symbol == symbol)
      return formats[i];
  ADD_FAILURE() << "no tensor " << symbol.str();
  return {};
}

std::string message(llvm::Error error) { return llvm::toString(std::move(error)); }

TEST(Plan, Presets) {
  Plan q4km = presetPlan(AssignBitsPreset::Q4_K_M);
  EXPECT_EQ(q4km.fileType, llamacpp::FileType::Q4_K_M);
  EXPECT_EQ(q4km.option, "preset=q4_k_m");
  EXPECT_TRUE(q4km.ggml());
  Plan fp8 = presetPlan(AssignBitsPreset::FP8);
  EXPECT_FALSE(fp8.fileType);
  EXPECT_EQ(fp8.uniform, TensorFormat::fp8Block(128, 128));
  EXPECT_FALSE(fp8.ggml());
  EXPECT_EQ(presetPlan(AssignBitsPreset::W4A16).uniform,
            TensorFormat::integer(4, 128, /*symmetric=*/true));
  EXPECT_EQ(presetPlan(AssignBitsPreset::Q8_0).fileType,
            llamacpp::FileType::Q8_0);
  std::optional<Plan> q4k = uniformPlan("q4_K");
  ASSERT_TRUE(q4k);
  EXPECT_EQ(q4k->uniform, ggml(Format::Q4_K));
  EXPECT_EQ(q4k->option, "type=q4_K");
  EXPECT_FALSE(uniformPlan("int5"));
}

TEST(Plan, OverridesFirstMatchWins) {
  auto overrides = Overrides::parse(
      {"blk\\.0\\.attn_v=q8_0", "attn_v=f16", "BLK\\.\\d+\\.FFN_UP=int4_g128",
       "nothing=q4_0"});
  ASSERT_TRUE(static_cast<bool>(overrides)) << message(overrides.takeError());
  auto *first = overrides->match("blk.0.attn_v.weight");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->format, ggml(Format::Q8_0));
  auto *second = overrides->match("blk.1.attn_v.weight");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->format, ggml(Format::F16));
  auto *caseless = overrides->match("blk.12.ffn_up.weight");
  ASSERT_TRUE(caseless);
  EXPECT_EQ(caseless->spec, "BLK\\.\\d+\\.FFN_UP=int4_g128");
  EXPECT_FALSE(overrides->match("blk.1.attn_q.weight"));
  EXPECT_EQ(overrides->unused(), std::vector<std::string>{"nothing=q4_0"});
}

TEST(Plan, OverrideErrorsNameTheSpec) {
  auto check = [](std::string spec, std::string expected) {
    auto overrides = Overrides::parse({spec});
    ASSERT_FALSE(static_cast<bool>(overrides)) << spec;
    EXPECT_EQ(message(overrides.takeError()), expected);
  };
  check("attn_v", "tensor-type 'attn_v' is not REGEX=FORMAT");
  check("=q8_0", "tensor-type '=q8_0' is not REGEX=FORMAT");
  check("attn_v=", "tensor-type 'attn_v=' is not REGEX=FORMAT");
  check("attn_v=q9_K",
        std::string("tensor-type 'attn_v=q9_K' names no storage format "
                    "'q9_K' (") +
            kFormatExamples + ")");
  check("(attn=q8_0",
        "tensor-type '(attn=q8_0' has an invalid regex '(attn': parentheses "
        "not balanced");
}

TEST(Plan, BytesAndFit) {
  // q4_K: 144 bytes per 256 values; int4 g128: half a byte per value and a
  // 4-byte scale per group; a scalar is one value.
  EXPECT_EQ(tensorBytes({256, 256}, ggml(Format::Q4_K)), 256u * 144u);
  EXPECT_EQ(tensorBytes({256, 384}, TensorFormat::integer(4, 128, true)),
            256u * (384u / 2 + 4u * 3));
  EXPECT_EQ(tensorBytes({}, ggml(Format::F32)), 4u);
  EXPECT_EQ(tensorBytes({int64_t(1) << 40, int64_t(1) << 30},
                        ggml(Format::F32)),
            std::nullopt);
  EXPECT_EQ(intMisfit(TensorFormat::integer(4, 128, true), 256), "");
  EXPECT_EQ(intMisfit(TensorFormat::integer(4, 128, true), 324),
            "rows of 324 values do not split into groups of 128");
  EXPECT_EQ(intMisfit(TensorFormat::integer(4, 0, true), 324),
            "rows of 324 values do not pack into int32 words of 8 codes");
}

TEST(Plan, LlamaCppPresetWithRowFallback) {
  // ffn 384: ffn_down's rows of 384 do not split into 256-element blocks.
  std::vector<Tensor> tensors = model(2, 384);
  auto overrides = Overrides::parse({});
  ASSERT_TRUE(static_cast<bool>(overrides));
  PlanCounts counts;
  auto formats = applyPlan(presetPlan(AssignBitsPreset::Q4_K_M), facts(2),
                           tensors, *overrides, counts);
  ASSERT_TRUE(static_cast<bool>(formats)) << message(formats.takeError());
  // Norms: f32; q4_k_m: attn_v and ffn_down of the use_more_bits layer
  // (the last of 2) at q6_K, which rows of 384 turn into q8_0 (and q4_K
  // into q5_0 for blk.0.ffn_down); output q6_K.
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.attn_norm"), ggml(Format::F32));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.attn_q"), ggml(Format::Q4_K));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.attn_v"), ggml(Format::Q4_K));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.1.attn_v"), ggml(Format::Q6_K));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.ffn_down"), ggml(Format::Q5_0));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.1.ffn_down"), ggml(Format::Q8_0));
  EXPECT_EQ(formatOf(tensors, *formats, "output"), ggml(Format::Q6_K));
  EXPECT_EQ(counts.fallbacks, 2u);
  EXPECT_EQ(counts.quantized, 2u * 7 + 2);
  EXPECT_EQ(counts.overridden, 0u);
  // The order of the input does not matter: llama.cpp's is restored.
  std::vector<Tensor> reversed(tensors.rbegin(), tensors.rend());
  PlanCounts again;
  auto formats2 = applyPlan(presetPlan(AssignBitsPreset::Q4_K_M), facts(2),
                            reversed, *overrides, again);
  ASSERT_TRUE(static_cast<bool>(formats2));
  for (const Tensor &t : tensors)
    EXPECT_EQ(formatOf(tensors, *formats, t.symbol),
              formatOf(reversed, *formats2, t.symbol))
        << t.symbol;
}

TEST(Plan, W4A16KeepsHeadAndEmbedding) {
  std::vector<Tensor> tensors = model(1, 384);
  auto overrides = Overrides::parse({"ffn_down=q8_0"});
  ASSERT_TRUE(static_cast<bool>(overrides));
  PlanCounts counts;
  auto formats = applyPlan(presetPlan(AssignBitsPreset::W4A16), facts(1),
                           tensors, *overrides, counts);
  ASSERT_TRUE(static_cast<bool>(formats)) << message(formats.takeError());
  EXPECT_EQ(formatOf(tensors, *formats, "token_embd"), ggml(Format::BF16));
  EXPECT_EQ(formatOf(tensors, *formats, "output"), ggml(Format::BF16));
  EXPECT_EQ(formatOf(tensors, *formats, "output_norm"), ggml(Format::BF16));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.ffn_up"),
            TensorFormat::integer(4, 128, true));
  EXPECT_EQ(formatOf(tensors, *formats, "blk.0.ffn_down"), ggml(Format::Q8_0));
  EXPECT_EQ(counts.overridden, 1u);
  auto total = totals(tensors, *formats);
  ASSERT_TRUE(static_cast<bool>(total));
  EXPECT_GT(total->bpw(), 4.0);
  EXPECT_LT(total->bpw(), 8.0);
}

TEST(Plan, ErrorsNameTheWeight) {
  // ffn 324: ffn_down's rows split into no group of 128.
  std::vector<Tensor> tensors = model(1, 324);
  auto overrides = Overrides::parse({});
  ASSERT_TRUE(static_cast<bool>(overrides));
  PlanCounts counts;
  auto formats = applyPlan(presetPlan(AssignBitsPreset::W4A16), facts(1),
                           tensors, *overrides, counts);
  ASSERT_FALSE(static_cast<bool>(formats));
  size_t index = SIZE_MAX;
  std::string text;
  llvm::handleAllErrors(formats.takeError(), [&](const TensorError &e) {
    index = e.index;
    text = e.message;
  });
  ASSERT_LT(index, tensors.size());
  EXPECT_EQ(tensors[index].symbol, "blk.0.ffn_down");
  EXPECT_EQ(text, "cannot store 'blk.0.ffn_down' (256x324) as int4_g128 "
                  "(preset=w4a16): rows of 324 values do not split into "
                  "groups of 128");

  // Totals that overflow name the tensor where they do.
  // (f32 tensors of 2^59 values: 2^61 bytes each; the fourth passes 2^63.)
  std::vector<Tensor> huge = {{"a", "a.weight", {1, 4}, ggml(Format::F32)}};
  for (const char *name : {"b", "c", "d", "e"})
    huge.push_back({name,
                    std::string(name) + ".weight",
                    {int64_t(1) << 31, int64_t(1) << 28},
                    ggml(Format::F32)});
  auto total = totals(huge, std::vector<TensorFormat>(5, ggml(Format::F32)));
  ASSERT_FALSE(static_cast<bool>(total));
  llvm::handleAllErrors(total.takeError(), [&](const TensorError &e) {
    EXPECT_EQ(e.index, 4u);
    EXPECT_EQ(e.message, "'e' (2147483648x268435456) makes the model's size "
                         "overflow 64 bits");
  });
}

} // namespace
