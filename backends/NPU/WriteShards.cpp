//===- WriteShards.cpp - One weight file per NPU rank ---------------------===//
//
// Quantizing a shard in blocks anchored at the shard's origin equals slicing
// the whole tensor's quantization whenever shard edges fall on block edges
// (ArtifactPlan refuses otherwise unless --reblock), so each shard is
// quantized on its own. int8's per-row scale is the exception: it spans the
// whole row, so it is computed from the whole row and the shard keeps its
// columns of the codes, which a row-parallel split never changes.
//
//===----------------------------------------------------------------------===//

#include "backends/NPU/WriteShards.h"

#include "backends/NPU/ShardCodec.h"
#include "dialects/Llmq/Importance.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/Threading.h"
#include "dialects/Llmq/WeightSources.h"
#include "formats/GroupFormats.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Progress.h"
#include "formats/files/SafetensorsWriter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace llmq;
using namespace llmq::npu;
using llvm::StringRef;

static llvm::Error shardError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::vector<ShardComponent> componentsOf(const ShardedWeight &w,
                                                const ShardedWeight::Slice &s) {
  int64_t rows = s.numRows(), cols = s.numCols();
  auto blocks = [](int64_t n) { return (n + 127) / 128; };
  switch (*shardCodec(w.format)) {
  case ShardCodec::FP8Block:
    return {{w.symbol, "F8_E4M3", {rows, cols}},
            {w.symbol + ".scale_inv", "F32", {blocks(rows), blocks(cols)}}};
  case ShardCodec::Int8Channel:
    return {{w.symbol, "I8", {rows, cols}}, {w.symbol + ".scale", "F32", {rows}}};
  case ShardCodec::Int4G128:
    return {{w.symbol, "I32", {rows, cols / 8}},
            {w.symbol + ".scale", "F32", {rows, cols / 128}}};
  case ShardCodec::Ggml:
    break;
  }
  if (w.isVector)
    return {{w.symbol, "F32", {rows}}};
  switch (w.format.ggml) {
  case Format::F32: return {{w.symbol, "F32", {rows, cols}}};
  case Format::F16: return {{w.symbol, "F16", {rows, cols}}};
  case Format::BF16: return {{w.symbol, "BF16", {rows, cols}}};
  default:
    return {{w.symbol, "U8",
             {rows, static_cast<int64_t>(rowBytes(w.format.ggml, cols))}}};
  }
}

static uint64_t componentBytes(const ShardComponent &c) {
  uint64_t n = 1;
  for (int64_t d : c.shape)
    n *= d;
  if (c.dtype == "F32" || c.dtype == "I32")
    return 4 * n;
  if (c.dtype == "F16" || c.dtype == "BF16")
    return 2 * n;
  return n;
}

namespace {
/// Reads source rows of the model's weights as f32.
class SourceReader {
public:
  SourceReader(mlir::llmq::ModelOp model, unsigned threads)
      : pool(mlir::llmq::createWorkerPool(threads)), model(model) {}

  /// Binds `w`'s weight; rows are then read with row(), and a ggml block
  /// format quantizes them with importance() as the GGUF exporter does.
  llvm::Error bind(const ShardedWeight &w) {
    StringRef symbol = w.symbol;
    mlir::llmq::WeightOp op = model.lookupWeight(symbol);
    columnImportance.clear();
    if (w.format.isGgml() && getFormatTraits(w.format.ggml).blockElems > 1) {
      llvm::Expected<const ImatrixEntry *> entry = importanceReader.lookup(op);
      if (!entry)
        return entry.takeError();
      if (*entry)
        for (int64_t c = 0; c < (*entry)->cols; ++c)
          columnImportance.push_back((*entry)->mean2(c));
    }
    sources.release(source); // the previous weight's scales
    source = {};
    auto resolved = sources.resolve(op);
    if (!resolved)
      return resolved.takeError();
    source = *resolved;
    // A vector reads as a column (one element per row), as the plan splits
    // it; vectors are stored in float formats, one element per block.
    if (op.getTensorType().getRank() == 1) {
      if (source.grouped || getFormatTraits(source.format).blockElems != 1)
        return shardError(source.file->path() + ": vector '" + symbol +
                          "' is stored in a block format");
      source.rows = source.cols;
      source.cols = 1;
      source.rowBytes = rowBytes(source.format, 1);
    }
    cols = source.cols;
    return llvm::Error::success();
  }
  /// The bound weight's importance from column `col` on (its imatrix entry,
  /// llmq.importance), or null without one.
  const float *importance(int64_t col) const {
    return columnImportance.empty() ? nullptr : columnImportance.data() + col;
  }
  /// Row `r` (zeros past the last row: vocabulary padding) into `out`.
  void row(int64_t r, float *out) const {
    if (r >= source.rows) {
      std::fill(out, out + cols, 0.0f);
      return;
    }
    source.dequantizeRow(r, out);
  }
  /// Hands back the pages of rows [first, end).
  void release(int64_t first, int64_t end) const {
    first = std::min(first, source.rows);
    end = std::min(end, source.rows);
    if (end > first)
      source.file->release(source.offset + first * source.rowBytes,
                           (end - first) * source.rowBytes);
  }
  /// The source's FP8 codes and block scales when a shard of `w` can be
  /// copied from them: the source is in `w`'s format (fp8 128x128 blocks)
  /// and the shard's edges fall on its block edges.
  const GroupedView *fp8Copy(const ShardedWeight &w,
                             const ShardedWeight::Slice &s) const {
    const GroupedView *g = source.grouped;
    if (!g || *g->format != w.format || w.reblocked ||
        shardCodec(w.format) != ShardCodec::FP8Block)
      return nullptr;
    auto onEdge = [](int64_t at, int64_t end, int64_t block) {
      return at % block == 0 || at == end;
    };
    int64_t br = g->format->blockRows, bc = g->format->blockCols;
    if (!onEdge(s.rowBegin, g->rows, br) || !onEdge(s.rowEnd, g->rows, br) ||
        !onEdge(s.colBegin, g->cols, bc) || !onEdge(s.colEnd, g->cols, bc) ||
        s.rowEnd > g->rows)
      return nullptr;
    return g;
  }
  int64_t cols = 0;
  /// The workers converting rows; none when there is one.
  std::unique_ptr<llvm::ThreadPoolInterface> pool;

private:
  mlir::llmq::ModelOp model;
  mlir::llmq::WeightSources sources;
  mlir::llmq::SourceTensor source;
  mlir::llmq::ImportanceReader importanceReader;
  std::vector<float> columnImportance;
};
} // namespace

static llvm::ArrayRef<uint8_t> asBytes(const void *data, size_t size) {
  return {static_cast<const uint8_t *>(data), size};
}

/// Reads rows [first, first + n) of the shard (its columns) as f32.
static void readStrip(const SourceReader &src, const ShardedWeight::Slice &s,
                      int64_t first, int64_t n, std::vector<float> &out) {
  int64_t cols = s.numCols();
  out.resize(n * cols);
  mlir::llmq::parallelForRanges(
      src.pool.get(), n, [&](int64_t begin, int64_t end) {
        std::vector<float> full(src.cols);
        for (int64_t i = begin; i < end; ++i) {
          src.row(first + i, full.data());
          std::copy(full.begin() + s.colBegin, full.begin() + s.colEnd,
                    out.begin() + i * cols);
        }
      });
}

/// Streams one shard of `w` in its format.
static void writeShard(const SourceReader &src, const ShardedWeight &w,
                       const ShardedWeight::Slice &s, SafetensorsWriter &out) {
  int64_t rows = s.numRows(), cols = s.numCols();
  std::vector<float> strip;
  std::vector<float> scales;
  // fp8 blocks are 128 rows tall; other formats take strips of ~1 MiB.
  int64_t stripRows =
      shardCodec(w.format) == ShardCodec::FP8Block
          ? 128
          : std::max<int64_t>(1, (1 << 18) / std::max<int64_t>(src.cols, 1));
  // An FP8 source in the artifact's blocks keeps its bytes: requantizing
  // dequantized values would usually, not always, give them back.
  const GroupedView *copyFrom = src.fp8Copy(w, s);
  for (int64_t first = 0; first < rows; first += stripRows) {
    int64_t n = std::min(stripRows, rows - first);
    int64_t row0 = s.rowBegin + first;
    switch (*shardCodec(w.format)) {
    case ShardCodec::FP8Block: {
      if (copyFrom) {
        for (int64_t r = row0; r < row0 + n; ++r)
          out.write(
              asBytes(copyFrom->codes + r * copyFrom->cols + s.colBegin, cols));
        int64_t scaleCols = groupedScaleCols(*copyFrom->format, copyFrom->cols);
        const float *blockRow =
            copyFrom->scales + (row0 / copyFrom->format->blockRows) * scaleCols;
        int64_t bc = copyFrom->format->blockCols;
        scales.insert(scales.end(), blockRow + s.colBegin / bc,
                      blockRow + (s.colEnd + bc - 1) / bc);
        break;
      }
      readStrip(src, s, row0, n, strip);
      FP8BlockTensor q = quantizeFP8Block(strip.data(), n, cols);
      out.write(q.weight);
      scales.insert(scales.end(), q.scaleInv.begin(), q.scaleInv.end());
      break;
    }
    case ShardCodec::Int8Channel: {
      // The scale of a row is its whole row's: quantize whole rows, keep
      // the shard's columns.
      ShardedWeight::Slice whole = s;
      whole.colBegin = 0;
      whole.colEnd = src.cols;
      readStrip(src, whole, row0, n, strip);
      Int8ChannelTensor q = quantizeInt8Channel(strip.data(), n, src.cols);
      for (int64_t i = 0; i < n; ++i)
        out.write(asBytes(q.weight.data() + i * src.cols + s.colBegin, cols));
      scales.insert(scales.end(), q.scale.begin(), q.scale.end());
      break;
    }
    case ShardCodec::Int4G128: {
      readStrip(src, s, row0, n, strip);
      Int4GroupTensor q = quantizeInt4Group(strip.data(), n, cols, 128, true);
      out.write(asBytes(q.packed.data(), q.packed.size() * 4));
      scales.insert(scales.end(), q.scale.begin(), q.scale.end());
      break;
    }
    case ShardCodec::Ggml: {
      readStrip(src, s, row0, n, strip);
      const FormatTraits &t = getFormatTraits(w.format.ggml);
      size_t bytes = rowBytes(w.format.ggml, cols);
      std::vector<uint8_t> buffer(bytes * n);
      // Rows are independent: the bytes do not depend on the threads.
      const float *importance = src.importance(s.colBegin);
      mlir::llmq::parallelForRanges(
          src.pool.get(), n, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
              t.quantizeRow(strip.data() + i * cols,
                            buffer.data() + i * bytes, cols, importance);
          });
      out.write(buffer);
      break;
    }
    }
    src.release(row0, row0 + n);
  }
  if (!scales.empty())
    out.write(asBytes(scales.data(), scales.size() * sizeof(float)));
}

llvm::Expected<std::vector<RankFile>>
llmq::npu::writeShards(mlir::llmq::ModelOp model, const ArtifactPlan &plan,
                       StringRef dir, unsigned threads) {
  int64_t tp = plan.options.tp;
  std::vector<RankFile> files;
  SourceReader src(model, threads);
  Progress progress("export-npu-artifact", plan.numRanks());
  for (int64_t rank = 0; rank < plan.numRanks(); ++rank) {
    progress.step(rank, "rank " + std::to_string(rank));
    RankFile rf;
    rf.rank = rank;
    rf.stage = rank / tp;
    rf.tpRank = rank % tp;
    rf.file = "weights/rank" + std::to_string(rank) + ".safetensors";
    std::vector<SafetensorsEntry> entries;
    for (const ShardedWeight &w : plan.weights) {
      if (w.stage != rf.stage)
        continue;
      ShardRecord record{&w, w.slice(rf.tpRank), {}};
      record.components = componentsOf(w, record.slice);
      for (const ShardComponent &c : record.components)
        entries.push_back({c.key, c.dtype, c.shape, componentBytes(c)});
      rf.tensors.push_back(std::move(record));
    }
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, rf.file);
    auto writer = SafetensorsWriter::create(
        path, std::move(entries),
        {{"format", "llmq-npu-shard"},
         {"rank", std::to_string(rank)},
         {"tensor_parallel_size", std::to_string(tp)},
         {"pipeline_parallel_size", std::to_string(plan.options.pp)}});
    if (!writer)
      return writer.takeError();
    for (const ShardRecord &record : rf.tensors) {
      if (llvm::Error err = src.bind(*record.weight))
        return std::move(err);
      writeShard(src, *record.weight, record.slice, **writer);
    }
    if (llvm::Error err = (*writer)->commit())
      return std::move(err);
    rf.sha256 = (*writer)->sha256();
    rf.bytes = (*writer)->fileSize();
    files.push_back(std::move(rf));
  }
  return files;
}
