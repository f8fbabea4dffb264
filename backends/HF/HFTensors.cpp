//===- HFTensors.cpp - A weight as Hugging Face checkpoint tensors --------===//

#include "backends/HF/HFTensors.h"

#include "dialects/Llmq/LocatedError.h"
#include "formats/CheckedArith.h"
#include "formats/GroupFormats.h"
#include "formats/files/MappedFile.h"
#include "formats/files/SafetensorsWriter.h"

#include "llvm/ADT/DenseSet.h"

#include <algorithm>
#include <cstring>

using namespace llmq;
using namespace llmq::hf;
using llvm::StringRef;
using llvm::Twine;


/// Floats of a strip read at once: about 1 MiB of output rows.
static constexpr int64_t kStripValues = 1 << 18;
/// Floats of the strips quantized in parallel at most (64 MiB).
static constexpr int64_t kBatchValues = 16 << 20;

uint64_t PlannedTensor::bytes() const {
  uint64_t total = 0;
  for (const Component &c : components)
    total += c.bytes;
  return total;
}

StringRef llmq::hf::floatDType(Format format) {
  switch (format) {
  case Format::F16:
    return "F16";
  case Format::BF16:
    return "BF16";
  default:
    return "F32";
  }
}

static uint64_t dtypeBytes(StringRef dtype) {
  if (dtype == "F32" || dtype == "I32")
    return 4;
  if (dtype == "I64")
    return 8;
  if (dtype == "F16" || dtype == "BF16")
    return 2;
  return 1;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

llvm::Expected<PlannedTensor> llmq::hf::planTensor(const NamedWeight &named,
                                                   const TensorFormat &format) {
  PlannedTensor t{named, format, {}};
  mlir::llmq::WeightOp weight = named.weight;
  llvm::ArrayRef<int64_t> shape = weight.getTensorType().getShape();
  auto fail = [&](const Twine &why) {
    return mlir::llmq::errorAt(weight, "export-hf: '" + weight.getSymName() +
                                           "' (" + named.name + "): " + why);
  };
  auto add = [&](std::string name, StringRef dtype,
                 llvm::SmallVector<int64_t, 2> dims) -> bool {
    std::optional<uint64_t> n = checkedProduct(dims);
    std::optional<uint64_t> bytes =
        n ? checkedMul(*n, dtypeBytes(dtype)) : std::nullopt;
    if (!bytes)
      return false;
    t.components.push_back({std::move(name), dtype.str(), dims, *bytes});
    return true;
  };
  bool ok = true;
  if (format.isFloat()) {
    ok = add(named.name, floatDType(format.ggml), {shape.begin(), shape.end()});
  } else if (format.isGgml()) {
    return fail("format " + format.name() +
                " is a ggml block format, which Hugging Face checkpoints "
                "cannot hold (use f32, f16, bf16, fp8_block or an int4/int8 "
                "group format)");
  } else {
    if (shape.size() != 2)
      return fail("format " + format.name() +
                  " needs a matrix, not a tensor "
                  "of rank " +
                  Twine(shape.size()));
    int64_t rows = shape[0], cols = shape[1];
    std::string module = named.module();
    if (format.kind == FormatKind::FP8Block) {
      ok = add(module + ".weight", "F8_E4M3", {rows, cols}) &&
           add(module + ".weight_scale_inv", "F32",
               {ceilDiv(rows, format.blockRows),
                ceilDiv(cols, format.blockCols)});
    } else {
      int64_t perWord = 32 / format.bits;
      if (!format.fits(cols) || cols % perWord != 0)
        return fail("rows of " + Twine(cols) + " values do not split into " +
                    format.name() + "'s groups and whole int32 words of " +
                    Twine(perWord) + " codes");
      int64_t groups = format.group ? cols / format.group : 1;
      ok = add(module + ".weight_packed", "I32", {rows, cols / perWord}) &&
           add(module + ".weight_scale", "F32", {rows, groups}) &&
           (format.symmetric || add(module + ".weight_zero_point", "I32",
                                    {ceilDiv(rows, perWord), groups})) &&
           add(module + ".weight_shape", "I64", {2});
    }
  }
  if (!ok)
    return fail("its size in " + format.name() + " overflows 64 bits");
  return t;
}

static llvm::ArrayRef<uint8_t> asBytes(const void *data, size_t size) {
  return {static_cast<const uint8_t *>(data), size};
}

namespace {
/// The rows of one weight as the checkpoint has them: HF row order, the
/// logit mask's row scale applied.
class RowReader {
public:
  RowReader(const mlir::llmq::SourceTensor &source, const NamedWeight &named,
            llvm::ThreadPoolInterface *pool)
      : source(source), heads(named.permuteHeads), pool(pool) {
    mlir::llmq::WeightOp weight = named.weight;
    if (auto rows = weight.getScaledRowsAttr()) {
      scaled.insert(rows.asArrayRef().begin(), rows.asArrayRef().end());
      rowScale = weight.getRowScaleAttr().getValueAsDouble();
    }
  }

  /// Whether rows come in source order, unscaled.
  bool keepsRows() const { return heads == 0 && scaled.empty(); }

  /// Whether the source bytes are the output's as they are.
  bool isVerbatim(Format out) const {
    return source.format == out && heads == 0 && scaled.empty();
  }

  /// Rows [first, first + n) as f32 into `dst` (n x cols).
  void read(int64_t first, int64_t n, float *dst) const {
    int64_t cols = source.cols;
    mlir::llmq::parallelForRanges(pool, n, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        int64_t row = first + i;
        int64_t from = interleavedRowOf(row, source.rows, heads);
        // Through the source's own reader: a grouped source's rows are codes
        // and scales, not a ggml row format.
        source.dequantizeRow(from, dst + i * cols);
        if (scaled.contains(row))
          for (int64_t c = 0; c < cols; ++c)
            dst[i * cols + c] *= rowScale;
      }
    });
  }

  /// Hands back the source pages rows [first, first + n) were read from
  /// (whole heads, when rows are permuted within heads).
  void release(int64_t first, int64_t n) const {
    int64_t end = first + n;
    if (heads > 0) {
      int64_t headRows = source.rows / heads;
      first = first / headRows * headRows;
      end = std::min(source.rows, ceilDiv(end, headRows) * headRows);
    }
    source.file->release(source.offset + first * source.rowBytes,
                         (end - first) * source.rowBytes);
  }

private:
  const mlir::llmq::SourceTensor &source;
  int64_t heads;
  llvm::ThreadPoolInterface *pool;
  llvm::SmallDenseSet<int64_t> scaled;
  float rowScale = 1.0f;
};
} // namespace

/// A float format: the source bytes where they already are the output's,
/// else converted row by row.
static void writeFloat(const PlannedTensor &t,
                       const mlir::llmq::SourceTensor &source,
                       const RowReader &reader, SafetensorsWriter &out,
                       llvm::ThreadPoolInterface *pool) {
  int64_t rows = source.rows, cols = source.cols;
  int64_t stripRows =
      std::max<int64_t>(1, kStripValues / std::max<int64_t>(cols, 1));
  Format format = t.format.ggml;
  const FormatTraits &traits = getFormatTraits(format);
  uint64_t outRowBytes = rowBytes(format, cols);
  std::vector<float> strip;
  std::vector<uint8_t> buffer;
  for (int64_t first = 0; first < rows; first += stripRows) {
    int64_t n = std::min(stripRows, rows - first);
    if (reader.isVerbatim(format)) {
      out.write(
          asBytes(source.data + first * source.rowBytes, n * source.rowBytes));
    } else {
      strip.resize(n * cols);
      reader.read(first, n, strip.data());
      buffer.resize(n * outRowBytes);
      // Rows are independent: the bytes do not depend on the threads.
      mlir::llmq::parallelForRanges(pool, n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          traits.quantizeRow(strip.data() + i * cols,
                             buffer.data() + i * outRowBytes, cols, nullptr);
      });
      out.write(buffer);
    }
    reader.release(first, n);
  }
}

/// fp8 blocks or int groups: strips quantized by the one codec (a batch of
/// them in parallel, written in order), then the scales (and zero points),
/// which are a small fraction of the codes.
static void writeGrouped(const PlannedTensor &t,
                         const mlir::llmq::SourceTensor &source,
                         const RowReader &reader, SafetensorsWriter &out,
                         llvm::ThreadPoolInterface *pool) {
  const TensorFormat &format = t.format;
  int64_t rows = source.rows, cols = source.cols;
  bool isFP8 = format.kind == FormatKind::FP8Block;
  int64_t perWord = isFP8 ? 1 : 32 / format.bits;
  // fp8 blocks are counted from a strip's first row: a strip is one block
  // row. Int zero points are packed along rows: strips of whole words.
  int64_t stripRows =
      isFP8 ? format.blockRows
            : std::max<int64_t>(perWord, kStripValues /
                                             std::max<int64_t>(cols, 1) /
                                             perWord * perWord);
  int64_t batch = std::clamp<int64_t>(kBatchValues / (stripRows * cols), 1, 16);
  std::vector<float> values;
  std::vector<GroupedStrip> strips(batch);
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
  // A source already in this format (a parameter file GPTQ wrote, a
  // checkpoint re-exported) is copied: requantizing its values would not
  // give back its codes and scales.
  const GroupedView *same = source.grouped &&
                                    *source.grouped->format == format &&
                                    reader.keepsRows()
                                ? source.grouped
                                : nullptr;
  if (same) {
    out.write(asBytes(same->codes, rows * same->codeRowBytes()));
    scales.assign(same->scales, same->scales +
                                    groupedScaleRows(format, rows) *
                                        groupedScaleCols(format, cols));
    if (same->zeros)
      zeros.assign(same->zeros,
                   same->zeros + rows * groupedScaleCols(format, cols));
  }
  for (int64_t first = same ? rows : 0; first < rows;
       first += stripRows * batch) {
    int64_t n = std::min(stripRows * batch, rows - first);
    int64_t count = ceilDiv(n, stripRows);
    values.resize(n * cols);
    reader.read(first, n, values.data());
    mlir::llmq::parallelForRanges(pool, count, [&](int64_t begin, int64_t end) {
      for (int64_t s = begin; s < end; ++s) {
        int64_t r0 = s * stripRows, m = std::min(stripRows, n - r0);
        strips[s] = quantizeGrouped(format, values.data() + r0 * cols, m, cols);
      }
    });
    for (int64_t s = 0; s < count; ++s) {
      int64_t m = std::min(stripRows, n - s * stripRows);
      GroupedStrip &q = strips[s];
      if (isFP8) {
        out.write(q.codes);
      } else {
        std::vector<int32_t> words =
            packLevels(q.codes.data(), m * cols, format.bits);
        out.write(asBytes(words.data(), words.size() * sizeof(int32_t)));
      }
      scales.insert(scales.end(), q.scales.begin(), q.scales.end());
      zeros.insert(zeros.end(), q.zeros.begin(), q.zeros.end());
      q = GroupedStrip();
    }
    reader.release(first, n);
  }
  out.write(asBytes(scales.data(), scales.size() * sizeof(float)));
  if (isFP8)
    return;
  int64_t groups = format.group ? cols / format.group : 1;
  if (!format.symmetric) {
    // compressed-tensors packs zero points along dim 0: word (i, g) holds
    // rows i*perWord.. of group g, low bits first, padded with level 0.
    int64_t wordRows = ceilDiv(rows, perWord);
    std::vector<int32_t> words(wordRows * groups, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < groups; ++g) {
        uint32_t level = zeros[r * groups + g];
        words[(r / perWord) * groups + g] = static_cast<int32_t>(
            static_cast<uint32_t>(words[(r / perWord) * groups + g]) |
            (level << (format.bits * (r % perWord))));
      }
    out.write(asBytes(words.data(), words.size() * sizeof(int32_t)));
  }
  int64_t shape[2] = {rows, cols};
  out.write(asBytes(shape, sizeof shape));
}

TensorStreamer::TensorStreamer(unsigned threads)
    : pool(mlir::llmq::createWorkerPool(threads)) {}

llvm::Error TensorStreamer::write(const PlannedTensor &t,
                                  SafetensorsWriter &out) {
  auto source = sources.resolve(t.named.weight);
  if (!source)
    return mlir::llmq::locateAt(t.named.weight, source.takeError());
  RowReader reader(*source, t.named, pool.get());
  if (t.format.isFloat())
    writeFloat(t, *source, reader, out, pool.get());
  else
    writeGrouped(t, *source, reader, out, pool.get());
  return llvm::Error::success();
}
