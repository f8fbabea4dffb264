//===- LlamaCppTypesTest.cpp - llama-quantize's type rules and patterns ---===//
//
// The pieces of --llmq-assign-bits that restate llama.cpp: the order it
// visits tensors in, the categories and the never-quantized rule, the
// counters of llama_tensor_get_type_impl, and the rewrite of --tensor-type
// patterns from ECMAScript to POSIX (checked by matching, not by text).
//
//===----------------------------------------------------------------------===//

#include "passes/assign/LlamaCppTypes.h"

#include "llvm/Support/Regex.h"

#include <gtest/gtest.h>

using namespace mlir::llmq::llamacpp;
using ::llmq::Format;

namespace {

TEST(LlamaCppTypes, OrderIsByLayerThenName) {
  // llama.cpp's weights_map: non-block tensors first, then blocks by number
  // (not by text: blk.10 after blk.2), names sorted within a block.
  EXPECT_TRUE(precedes("output.weight", "blk.0.attn_q.weight"));
  EXPECT_TRUE(precedes("blk.2.ffn_up.weight", "blk.10.attn_k.weight"));
  EXPECT_FALSE(precedes("blk.10.attn_k.weight", "blk.2.ffn_up.weight"));
  EXPECT_TRUE(precedes("blk.3.attn_k.weight", "blk.3.attn_q.weight"));
  EXPECT_TRUE(precedes("output.weight", "token_embd.weight"));
  // Not a block number: ordered with the non-block tensors.
  EXPECT_TRUE(precedes("blk.x.a.weight", "blk.0.a.weight"));
  EXPECT_TRUE(precedes("blk.99999999999999999999.a", "blk.0.a.weight"));
}

TEST(LlamaCppTypes, NamesAndCategories) {
  EXPECT_EQ(ggufName("blk.0.attn_q"), "blk.0.attn_q.weight");
  EXPECT_EQ(ggufName("blk.0.attn_q.bias"), "blk.0.attn_q.bias");
  EXPECT_EQ(categoryOf("output.weight"), Category::Output);
  EXPECT_EQ(categoryOf("token_embd.weight"), Category::TokenEmbd);
  EXPECT_EQ(categoryOf("blk.1.attn_output.weight"), Category::AttnOutput);
  EXPECT_EQ(categoryOf("blk.1.attn_v.weight"), Category::AttnV);
  EXPECT_TRUE(isAttnVLike(categoryOf("blk.1.attn_qkv.weight")));
  EXPECT_EQ(categoryOf("blk.1.ffn_down.weight"), Category::FfnDown);
  EXPECT_TRUE(allowsQuantization("blk.0.attn_q.weight", 2));
  EXPECT_FALSE(allowsQuantization("blk.0.attn_q.weight", 1));
  EXPECT_FALSE(allowsQuantization("blk.0.attn_norm.weight", 2));
  EXPECT_FALSE(allowsQuantization("blk.0.attn_q.bias", 2));
}

TEST(LlamaCppTypes, PresetNames) {
  EXPECT_EQ(parseFileType("Q4_K_M"), FileType::Q4_K_M);
  EXPECT_EQ(parseFileType("q8_0"), FileType::Q8_0);
  EXPECT_EQ(parseFileType("fp8"), std::nullopt);
  EXPECT_EQ(defaultType(FileType::Q3_K_L), Format::Q3_K);
}

TEST(LlamaCppTypes, AttnVCounterAdvancesPerCall) {
  // q4_k_m, 6 layers: use_more_bits(i, 6) holds for i = 2 and 5. Each call
  // for a V-like tensor advances the counter, so a tensor skipped (a manual
  // override) moves the upgrades.
  QuantizeState qs;
  qs.nAttentionWv = 6;
  std::string types;
  for (int i = 0; i < 6; ++i)
    types += getFormatTraits(chooseType(qs, FileType::Q4_K_M, Format::Q4_K,
                                        Category::AttnV, 256, "llama"))
                 .name.str() +
             " ";
  EXPECT_EQ(types, "q4_K q4_K q6_K q4_K q4_K q6_K ");
  EXPECT_EQ(qs.iAttentionWv, 6);
}

TEST(LlamaCppTypes, FallbackCounts) {
  QuantizeState qs;
  EXPECT_EQ(fallback(qs, Format::Q4_K, 256), Format::Q4_K);
  EXPECT_EQ(qs.nFallback, 0);
  EXPECT_EQ(fallback(qs, Format::Q4_K, 384), Format::Q5_0);
  EXPECT_EQ(fallback(qs, Format::Q6_K, 384), Format::Q8_0);
  EXPECT_EQ(qs.nFallback, 2);
}

/// Whether the ECMAScript `pattern`, rewritten, is found in `name`.
static bool finds(llvm::StringRef pattern, llvm::StringRef name) {
  std::string error;
  std::string posix = toPosixRegex(pattern, error);
  EXPECT_EQ(error, "") << pattern.str();
  llvm::Regex regex(posix, llvm::Regex::IgnoreCase);
  EXPECT_TRUE(regex.isValid(error)) << pattern.str() << ": " << error;
  return regex.match(name);
}

/// The error toPosixRegex gives for `pattern`.
static std::string refusal(llvm::StringRef pattern) {
  std::string error;
  EXPECT_EQ(toPosixRegex(pattern, error), "");
  return error;
}

TEST(LlamaCppTypes, PatternsMatchAsEcmaScript) {
  EXPECT_TRUE(finds(R"(blk\.\d+\.attn_v)", "blk.12.attn_v.weight"));
  EXPECT_FALSE(finds(R"(blk\.\d+\.attn_v)", "blk.x.attn_v.weight"));
  EXPECT_TRUE(finds(R"(blk\.\D)", "blk.x.attn_v.weight"));
  EXPECT_FALSE(finds(R"(blk\.\D)", "blk.1.attn_v.weight"));
  EXPECT_TRUE(finds(R"(^\w+\.weight$)", "output.weight"));
  EXPECT_FALSE(finds(R"(^\w+\.weight$)", "blk.0.attn_q.weight"));
  EXPECT_TRUE(finds(R"(a\sb)", "a b"));
  EXPECT_FALSE(finds(R"(a\Sb)", "a b"));
  // `\.` is a dot, `.` any character; the rewrite keeps the difference.
  EXPECT_FALSE(finds(R"(output\.)", "outputXweight"));
  EXPECT_TRUE(finds(R"(output.)", "outputXweight"));
  // Classes inside brackets, and a literal backslash in them.
  EXPECT_TRUE(finds(R"(blk\.[\d]+\.)", "blk.3.ffn_up.weight"));
  EXPECT_TRUE(finds(R"([\w.]+_norm)", "blk.0.attn_norm.weight"));
  EXPECT_TRUE(finds(R"([[:digit:]]\.ffn)", "blk.7.ffn_up.weight"));
  EXPECT_TRUE(finds(R"([\.])", "a.b"));
  EXPECT_FALSE(finds(R"([\.])", "ab"));
  // Case-insensitive as llama.cpp's lowercased patterns.
  EXPECT_TRUE(finds(R"(ATTN_Q)", "blk.0.attn_q.weight"));
}

TEST(LlamaCppTypes, PatternsRefusedWhereDialectsDiffer) {
  EXPECT_EQ(refusal(R"(attn\b)"), R"(escape '\b' is not supported)");
  EXPECT_EQ(refusal(R"((a)\1)"), R"(escape '\1' is not supported)");
  EXPECT_EQ(refusal(R"([\D])"),
            R"(escape '\D' inside a bracket is not supported)");
  EXPECT_EQ(refusal(R"([a\-z])"),
            R"(escape '\-' inside a bracket is not supported)");
  EXPECT_EQ(refusal(R"([]x])"), "a ']' first in a bracket is not supported");
  EXPECT_EQ(refusal(R"([^]x)"), "a ']' first in a bracket is not supported");
  EXPECT_EQ(refusal(R"(abc\)"), "it ends in a backslash");
  EXPECT_EQ(refusal(R"([abc)"), "unterminated '['");
  EXPECT_EQ(refusal(R"([[:digit)"), "unterminated '[:' class");
}

} // namespace
