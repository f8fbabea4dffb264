//===- WeightSources.cpp - A weight's bytes in its mapped source ----------===//

#include "dialects/Llmq/WeightSources.h"

#include "dialects/Llmq/WeightFormats.h"
#include "formats/CheckedArith.h"
#include "formats/Float.h"
#include "formats/files/GGUFReader.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Safetensors.h"

#include "llvm/ADT/StringSwitch.h"

#include <cstring>

using namespace mlir;
using namespace mlir::llmq;

struct WeightSources::File {
  /// Exactly one of these owns the mapping.
  std::unique_ptr<::llmq::MappedFile> mapped;
  std::unique_ptr<::llmq::GGUFFile> gguf;
  /// A tensor's absolute offset and bytes; dtype and shape as a
  /// safetensors header gives them (empty in a GGUF file).
  struct Extent {
    uint64_t offset = 0, size = 0;
    std::string dtype;
    llvm::SmallVector<int64_t, 2> shape;
  };
  llvm::StringMap<Extent> extents;

  const ::llmq::MappedFile &mapping() const {
    return gguf ? gguf->getMappedFile() : *mapped;
  }
};

struct WeightSources::Grouped {
  ::llmq::TensorFormat format;
  std::vector<float> scales;
  std::vector<uint8_t> zeros;
  ::llmq::GroupedView view;
};

WeightSources::WeightSources() = default;
WeightSources::~WeightSources() = default;

static llvm::Error sourceError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<WeightSources::File *>
WeightSources::open(llvm::StringRef path) {
  std::unique_ptr<File> &slot = files[path];
  if (slot)
    return slot.get();
  auto file = std::make_unique<File>();
  auto mapped = ::llmq::MappedFile::open(path);
  if (!mapped)
    return mapped.takeError();
  bool isGGUF = (*mapped)->size() >= 4 && memcmp((*mapped)->data(), "GGUF", 4) == 0;
  if (isGGUF) {
    mapped->reset(); // GGUFFile maps the file itself
    auto gguf = ::llmq::GGUFFile::open(path);
    if (!gguf)
      return gguf.takeError();
    for (const ::llmq::GGUFTensorInfo &t : (*gguf)->tensors())
      file->extents[t.name] = {t.offset, t.size, "", {}};
    file->gguf = std::move(*gguf);
  } else {
    // Tensors past the end of the file (a file truncated since the import)
    // are refused below, naming the weight that reads them.
    auto header = ::llmq::readSafetensorsHeader(path, /*anyDType=*/true,
                                                /*checkExtents=*/false);
    if (!header)
      return header.takeError();
    for (const auto &entry : header->tensors)
      file->extents[entry.getKey()] = {
          entry.getValue().offset, entry.getValue().size,
          entry.getValue().dtypeName, entry.getValue().shape};
    if (header->fileSize != (*mapped)->size())
      return sourceError(path + ": changed while it was read");
    file->mapped = std::move(*mapped);
  }
  slot = std::move(file);
  return slot.get();
}

llvm::Expected<SourceTensor> WeightSources::resolve(WeightOp weight) {
  SourceAttr source = weight.getSource();
  llvm::Expected<File *> opened = open(source.getFile());
  if (!opened)
    return opened.takeError();
  File &file = **opened;
  auto fail = [&](const llvm::Twine &what) {
    return sourceError(source.getFile() + ": tensor '" + source.getKey() +
                       "' (weight '" + weight.getSymName() + "') " + what);
  };
  auto extent = file.extents.find(source.getKey());
  if (extent == file.extents.end())
    return fail("is not in the file");
  uint64_t tensorOffset = extent->getValue().offset;
  uint64_t tensorSize = extent->getValue().size;
  if (!::llmq::rangeFits(tensorOffset, tensorSize, file.mapping().size()))
    return fail("extends past the end of the file (" +
                llvm::Twine(tensorSize) + " bytes at offset " +
                llvm::Twine(tensorOffset) + ", the file has " +
                llvm::Twine(file.mapping().size()) + ")");

  RankedTensorType type = weight.getTensorType();
  SourceTensor t;
  t.file = &file.mapping();
  t.offset = source.getOffset();
  ::llmq::TensorFormat stored = sourceFormat(weight);
  t.stored = stored;
  if (type.getRank() < 1 || type.getRank() > 2 || type.getNumDynamicDims())
    return fail("has a weight type of rank " + llvm::Twine(type.getRank()) +
                ", expected a static vector or matrix");
  t.cols = type.getShape().back();
  t.rows = type.getRank() == 2 ? type.getShape()[0] : 1;
  if (stored.isGrouped()) {
    llvm::Expected<const ::llmq::GroupedView *> view =
        resolveGrouped(weight, file, t);
    if (!view)
      return view.takeError();
    t.grouped = *view;
    t.format = ::llmq::Format::F32;
    t.rowBytes = (*view)->codeRowBytes();
    t.data = (*view)->codes;
    return t;
  }
  t.format = stored.ggml;
  const ::llmq::FormatTraits &traits = ::llmq::getFormatTraits(t.format);
  if (t.cols < 0 || t.rows < 0 || t.cols % traits.blockElems != 0)
    return fail("has rows of " + llvm::Twine(t.cols) +
                " elements, not a multiple of its format's block of " +
                llvm::Twine(traits.blockElems));
  std::optional<uint64_t> rowBytes =
      ::llmq::checkedMul(uint64_t(t.cols) / traits.blockElems, traits.blockBytes);
  std::optional<uint64_t> bytes =
      rowBytes ? ::llmq::checkedMul(*rowBytes, uint64_t(t.rows)) : std::nullopt;
  if (!bytes || *rowBytes > SIZE_MAX)
    return fail("has shape " + llvm::Twine(t.rows) + "x" + llvm::Twine(t.cols) +
                ", whose byte size overflows 64 bits");
  t.rowBytes = *rowBytes;
  // The weight's bytes must lie inside its own tensor, which lies inside the
  // file (the readers checked that).
  if (t.offset < tensorOffset ||
      !::llmq::rangeFits(t.offset - tensorOffset, *bytes, tensorSize))
    return fail("needs " + llvm::Twine(*bytes) + " bytes at offset " +
                llvm::Twine(t.offset) + ", but the tensor holds " +
                llvm::Twine(tensorSize) + " bytes at offset " +
                llvm::Twine(tensorOffset));
  t.data = file.mapping().data() + t.offset;
  return t;
}

void WeightSources::release(const SourceTensor &tensor) {
  if (!tensor.grouped)
    return;
  for (auto it = grouped.begin(); it != grouped.end(); ++it)
    if (&it->getValue()->view == tensor.grouped) {
      grouped.erase(it);
      return;
    }
}

llvm::Expected<std::vector<float>>
WeightSources::readFloats(WeightOp weight, int64_t &rows, int64_t &cols) {
  auto source = resolve(weight);
  if (!source)
    return source.takeError();
  rows = source->rows;
  cols = source->cols;
  std::vector<float> values(size_t(rows) * size_t(cols));
  for (int64_t r = 0; r < rows; ++r)
    source->dequantizeRow(r, values.data() + r * cols);
  if (!source->grouped)
    source->file->release(source->offset, source->rows * source->rowBytes);
  release(*source);
  return values;
}

void SourceTensor::dequantizeRow(int64_t r, float *out) const {
  if (grouped)
    return grouped->dequantizeRow(r, out);
  ::llmq::getFormatTraits(format).dequantizeRow(data + r * rowBytes, out, cols);
}

/// Bytes of one element of a safetensors dtype llmq reads, 0 for others.
static uint64_t dtypeBytes(llvm::StringRef dtype) {
  return llvm::StringSwitch<uint64_t>(dtype)
      .Cases("F32", "I32", 4)
      .Cases("F16", "BF16", 2)
      .Cases("F8_E4M3", "I8", "U8", 1)
      .Case("I64", 8)
      .Default(0);
}

llvm::Expected<const ::llmq::GroupedView *>
WeightSources::resolveGrouped(WeightOp weight, File &file,
                              const SourceTensor &t) {
  SourceAttr source = weight.getSource();
  const ::llmq::TensorFormat &format = t.stored;
  auto fail = [&](llvm::StringRef key, const llvm::Twine &what) {
    return sourceError(source.getFile() + ": tensor '" + key + "' (weight '" +
                       weight.getSymName() + "') " + what);
  };
  std::string cacheKey =
      (source.getFile() + llvm::Twine('\0') + source.getKey() +
       llvm::Twine('\0') + llvm::Twine(source.getOffset()) + llvm::Twine('\0') +
       format.name())
          .str();
  if (auto it = grouped.find(cacheKey); it != grouped.end())
    return &it->getValue()->view;

  std::string invalid = format.invalidReason();
  if (!invalid.empty())
    return fail(source.getKey(),
                "is stored as " + format.name() + ": " + invalid);
  if (weight.getTensorType().getRank() != 2)
    return fail(source.getKey(), "is stored as " + format.name() +
                                     ", which holds matrices only");
  bool isFP8 = format.kind == ::llmq::FormatKind::FP8Block;
  int64_t rows = t.rows, cols = t.cols;
  int64_t perWord = isFP8 ? 1 : 32 / format.bits;
  if (!isFP8 &&
      (cols % perWord != 0 || (format.group && cols % format.group != 0)))
    return fail(source.getKey(),
                "has rows of " + llvm::Twine(cols) + " values, not whole " +
                    (format.group ? "groups of " + llvm::Twine(format.group)
                                  : "words of " + llvm::Twine(perWord)) +
                    " (" + format.name() + ")");

  // Each component: its dtype, its shape, its bytes inside the file.
  auto component =
      [&](llvm::StringRef key, std::initializer_list<llvm::StringRef> dtypes,
          llvm::ArrayRef<int64_t> shape,
          llvm::StringRef what) -> llvm::Expected<const File::Extent *> {
    auto found = file.extents.find(key);
    if (found == file.extents.end())
      return fail(key, "is missing (the " + what + " of " + format.name() +
                           " weight '" + source.getKey() + "')");
    const File::Extent &e = found->getValue();
    if (!llvm::is_contained(dtypes, llvm::StringRef(e.dtype))) {
      std::string expected;
      for (llvm::StringRef d : dtypes)
        expected += (expected.empty() ? "" : " or ") + d.str();
      return fail(key, "has dtype " + (e.dtype.empty() ? "(none)" : e.dtype) +
                           ", expected " + expected + " for the " + what);
    }
    if (llvm::ArrayRef<int64_t>(e.shape) != shape)
      return fail(key, "has shape " + ::llmq::shapeText(e.shape) +
                           ", expected " + ::llmq::shapeText(shape) +
                           " for the " + what + " of a " + llvm::Twine(rows) +
                           "x" + llvm::Twine(cols) + " " + format.name() +
                           " weight");
    std::optional<uint64_t> bytes = dtypeBytes(e.dtype);
    for (int64_t d : shape)
      bytes = bytes ? ::llmq::checkedMul(*bytes, uint64_t(d)) : std::nullopt;
    if (!bytes || *bytes != e.size ||
        !::llmq::rangeFits(e.offset, e.size, file.mapping().size()))
      return fail(key, "does not fit in the file (" + llvm::Twine(e.size) +
                           " bytes at offset " + llvm::Twine(e.offset) +
                           ", the file has " +
                           llvm::Twine(file.mapping().size()) + ")");
    return &e;
  };

  int64_t codeCols = isFP8 ? cols : cols / perWord;
  auto codes = component(source.getKey(), {isFP8 ? "F8_E4M3" : "I32"},
                         {rows, codeCols}, "codes");
  if (!codes)
    return codes.takeError();
  if (source.getOffset() != (*codes)->offset)
    return fail(source.getKey(), "is read at offset " +
                                     llvm::Twine(source.getOffset()) +
                                     ", but the tensor starts at " +
                                     llvm::Twine((*codes)->offset));
  int64_t scaleRows = ::llmq::groupedScaleRows(format, rows);
  int64_t scaleCols = ::llmq::groupedScaleCols(format, cols);
  auto scale = component(source.getScale(), {"F32", "BF16", "F16"},
                         {scaleRows, scaleCols}, "scale");
  if (!scale)
    return scale.takeError();

  auto g = std::make_unique<Grouped>();
  g->format = format;
  int64_t numScales = scaleRows * scaleCols; // the extent check bounds it
  g->scales.resize(numScales);
  const uint8_t *scaleBytes = file.mapping().data() + (*scale)->offset;
  llvm::StringRef scaleType = (*scale)->dtype;
  for (int64_t i = 0; i < numScales; ++i) {
    if (scaleType == "F32") {
      std::memcpy(&g->scales[i], scaleBytes + 4 * i, 4);
      continue;
    }
    uint16_t h;
    std::memcpy(&h, scaleBytes + 2 * i, 2);
    g->scales[i] =
        scaleType == "BF16" ? ::llmq::bf16ToFp32(h) : ::llmq::fp16ToFp32(h);
  }

  if (!isFP8 && !format.symmetric) {
    // compressed-tensors packs zero points along the output dimension
    // (pack_to_int32(..., packed_dim=0)): word (r / perWord, g) holds row
    // r's in bits (r % perWord) * bits; older writers kept them as I8.
    llvm::StringRef key = source.getZeroPoint();
    auto found = file.extents.find(key);
    bool unpacked =
        found != file.extents.end() && found->getValue().dtype == "I8";
    int64_t packedRows = (rows + perWord - 1) / perWord;
    auto zero = unpacked
                    ? component(key, {"I8"}, {rows, scaleCols}, "zero point")
                    : component(key, {"I32", "I8"}, {packedRows, scaleCols},
                                "zero point");
    if (!zero)
      return zero.takeError();
    g->zeros.resize(rows * scaleCols);
    const uint8_t *zeroBytes = file.mapping().data() + (*zero)->offset;
    uint32_t mask = (1u << format.bits) - 1;
    int offset = 1 << (format.bits - 1);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < scaleCols; ++c) {
        int level;
        if (unpacked) {
          int8_t z;
          std::memcpy(&z, zeroBytes + r * scaleCols + c, 1);
          level = z + offset;
        } else {
          uint32_t word;
          std::memcpy(&word, zeroBytes + 4 * ((r / perWord) * scaleCols + c),
                      4);
          level = (word >> (format.bits * (r % perWord))) & mask;
        }
        if (level < 0 || level > int(mask))
          return fail(key, "holds zero point " + llvm::Twine(level - offset) +
                               " (row " + llvm::Twine(r) + ", group " +
                               llvm::Twine(c) + "), outside the " +
                               llvm::Twine(format.bits) + "-bit range");
        g->zeros[r * scaleCols + c] = static_cast<uint8_t>(level);
      }
  }

  g->view.format = &g->format;
  g->view.codes = file.mapping().data() + (*codes)->offset;
  g->view.scales = g->scales.data();
  g->view.zeros = g->zeros.empty() ? nullptr : g->zeros.data();
  g->view.rows = rows;
  g->view.cols = cols;
  const ::llmq::GroupedView *view = &g->view;
  grouped[cacheKey] = std::move(g);
  return view;
}
