//===- ParameterFileTest.cpp - Derived weights in a safetensors file ------===//
//
// A parameter file written in each kind of format, its weights repointed,
// reads back through WeightSources (as the runtime and every exporter read
// weights) to exactly the values the codec's round trip gives; outputs that
// would replace an input, or that are incomplete, are refused and leave no
// file.
//
//===----------------------------------------------------------------------===//

#include "dialects/Llmq/ParameterFile.h"

#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/WeightFormats.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/files/OutputPaths.h"
#include "formats/files/Safetensors.h"

#include "../formats/ScratchDirectoryTest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::TensorFormat;

namespace {
class ParameterFileTest : public ::llmq::test::ScratchDirectoryTest {
protected:
  ParameterFileTest() : ScratchDirectoryTest("llmq-parameter-file") {}
};

std::vector<float> randomMatrix(int64_t rows, int64_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> v(rows * cols);
  for (float &x : v)
    x = dist(rng);
  return v;
}

/// Writes `values` (rows x cols) of tensor `index` in `format`, as a pass
/// streams them: ggml rows one at a time, grouped formats in strips.
llvm::Error writeTensor(ParameterFileWriter &writer, const TensorFormat &format,
                        const std::vector<float> &values, int64_t rows,
                        int64_t cols) {
  if (format.isGgml()) {
    const ::llmq::FormatTraits &traits = ::llmq::getFormatTraits(format.ggml);
    std::vector<uint8_t> row(::llmq::rowBytes(format.ggml, cols));
    for (int64_t r = 0; r < rows; ++r) {
      traits.quantizeRow(values.data() + r * cols, row.data(), cols, nullptr);
      if (llvm::Error err = writer.writeRows(row))
        return err;
    }
    return llvm::Error::success();
  }
  int64_t strip = format.kind == ::llmq::FormatKind::FP8Block
                      ? format.blockRows
                      : 4;
  for (int64_t r = 0; r < rows; r += strip) {
    int64_t n = std::min(strip, rows - r);
    ::llmq::GroupedStrip q =
        ::llmq::quantizeGrouped(format, values.data() + r * cols, n, cols);
    if (llvm::Error err = writer.writeStrip(q, n))
      return err;
  }
  return llvm::Error::success();
}
} // namespace

TEST_F(ParameterFileTest, EveryFormatReadsBackAsItsRoundTrip) {
  MLIRContext context;
  context.loadDialect<LlmqDialect>();
  const int64_t rows = 10, cols = 256;
  std::vector<TensorFormat> formats = {
      TensorFormat::ggmlFormat(::llmq::Format::F16),
      TensorFormat::ggmlFormat(::llmq::Format::Q4_0),
      TensorFormat::ggmlFormat(::llmq::Format::Q4_K),
      TensorFormat::ggmlFormat(::llmq::Format::Q6_K),
      TensorFormat::integer(4, 128, true),
      TensorFormat::integer(4, 32, false),
      TensorFormat::integer(8, 0, true),
      TensorFormat::fp8Block(4, 128),
  };
  std::string ir = "llmq.model @m attributes {arch = \"llama\", hidden_size = "
                   "256 : i64, num_layers = 0 : i64, num_heads = 1 : i64, "
                   "num_kv_heads = 1 : i64, head_dim = 256 : i64, ffn_size = "
                   "256 : i64, vocab_size = 10 : i64, context_length = 8 : "
                   "i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, "
                   "tied_embeddings = false} {\n";
  std::vector<ParameterSpec> specs;
  for (size_t i = 0; i < formats.size(); ++i) {
    std::string name = "w" + std::to_string(i);
    ir += "  llmq.weight @" + name +
          " : tensor<10x256xbf16> {source = #llmq.source<file = \"x\", key = "
          "\"x\", offset = 0>}\n";
    specs.push_back({name, formats[i], rows, cols});
  }
  ir += "}\n";
  ParserConfig config(&context, /*verifyAfterParse=*/false);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, config);
  ASSERT_TRUE(module);
  ModelOp model = *module->getOps<ModelOp>().begin();

  std::string file = path("params.safetensors");
  auto writer = ParameterFileWriter::create(file, specs);
  ASSERT_TRUE(bool(writer)) << llvm::toString(writer.takeError());
  std::vector<std::vector<float>> values;
  for (size_t i = 0; i < formats.size(); ++i) {
    values.push_back(randomMatrix(rows, cols, 7 + i));
    ASSERT_EQ(::llmq::test::message(
                  writeTensor(**writer, formats[i], values[i], rows, cols)),
              "");
  }
  ASSERT_EQ(::llmq::test::message((*writer)->commit()), "");

  // The header names every component with its dtype, and the ggml type.
  auto header = ::llmq::readSafetensorsHeader(file, /*anyDType=*/true);
  ASSERT_TRUE(bool(header)) << llvm::toString(header.takeError());
  EXPECT_EQ(header->tensors.lookup("w1").dtypeName, "U8");
  EXPECT_EQ(header->tensors.lookup("w0").dtypeName, "F16");
  EXPECT_EQ(header->tensors.lookup("w5.weight_zero_point").dtypeName, "I32");
  EXPECT_EQ(header->tensors.lookup("w7.weight").dtypeName, "F8_E4M3");

  WeightSources sources;
  for (size_t i = 0; i < formats.size(); ++i) {
    WeightOp weight = model.lookupWeight("w" + std::to_string(i));
    repointSource(weight, (*writer)->location(i));
    EXPECT_EQ(sourceFormat(weight), formats[i]) << formats[i].name();
    auto tensor = sources.resolve(weight);
    ASSERT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
    std::vector<float> expected(rows * cols), row(cols);
    ::llmq::roundTripRows(formats[i], values[i].data(), rows, cols, nullptr,
                          expected.data());
    for (int64_t r = 0; r < rows; ++r) {
      tensor->dequantizeRow(r, row.data());
      ASSERT_EQ(std::memcmp(row.data(), expected.data() + r * cols, cols * 4),
                0)
          << formats[i].name() << " row " << r;
    }
  }
  // The repointed weights verify: stored formats carry their scale keys.
  for (WeightOp weight : model.getBody().getOps<WeightOp>())
    EXPECT_TRUE(succeeded(mlir::verify(weight))) << weight.getSymName().str();
}

TEST_F(ParameterFileTest, RefusesInputsAndPartialOutput) {
  std::vector<ParameterSpec> specs = {
      {"w", TensorFormat::ggmlFormat(::llmq::Format::Q8_0), 2, 64}};
  write("source.safetensors", "x");
  ::llmq::protectInput(path("source.safetensors"), "a weight source");
  auto clobber = ParameterFileWriter::create(path("source.safetensors"), specs);
  ASSERT_FALSE(bool(clobber));
  EXPECT_NE(llvm::toString(clobber.takeError()).find("source.safetensors"),
            std::string::npos);

  // A format that does not split the rows, and a name declared twice.
  auto misfit = ParameterFileWriter::create(
      path("p.safetensors"),
      {{"w", TensorFormat::ggmlFormat(::llmq::Format::Q4_K), 2, 64}});
  ASSERT_FALSE(bool(misfit));
  EXPECT_NE(llvm::toString(misfit.takeError()).find("tensor 'w' (q4_K, 2x64)"),
            std::string::npos);
  auto twice = ParameterFileWriter::create(path("p.safetensors"),
                                           {specs[0], specs[0]});
  ASSERT_FALSE(bool(twice));
  llvm::consumeError(twice.takeError());

  // Half the rows, then commit: an error, and no file.
  {
    auto writer = ParameterFileWriter::create(path("p.safetensors"), specs);
    ASSERT_TRUE(bool(writer)) << llvm::toString(writer.takeError());
    std::vector<uint8_t> row(::llmq::rowBytes(::llmq::Format::Q8_0, 64));
    ASSERT_EQ(::llmq::test::message((*writer)->writeRows(row)), "");
    EXPECT_NE(::llmq::test::message((*writer)->writeRows({row.data(), 5})), "");
    EXPECT_NE(::llmq::test::message((*writer)->commit()).find("got 1 of its 2 rows"),
              std::string::npos);
  }
  EXPECT_FALSE(llvm::sys::fs::exists(path("p.safetensors")));
}
