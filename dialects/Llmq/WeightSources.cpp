//===- WeightSources.cpp - A weight's bytes in its mapped source ----------===//

#include "dialects/Llmq/WeightSources.h"

#include "dialects/Llmq/WeightFormats.h"
#include "formats/CheckedArith.h"
#include "formats/files/GGUFReader.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Safetensors.h"

#include <cstring>

using namespace mlir;
using namespace mlir::llmq;

struct WeightSources::File {
  /// Exactly one of these owns the mapping.
  std::unique_ptr<::llmq::MappedFile> mapped;
  std::unique_ptr<::llmq::GGUFFile> gguf;
  /// Tensor key -> (absolute offset, bytes).
  llvm::StringMap<std::pair<uint64_t, uint64_t>> extents;

  const ::llmq::MappedFile &mapping() const {
    return gguf ? gguf->getMappedFile() : *mapped;
  }
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
      file->extents[t.name] = {t.offset, t.size};
    file->gguf = std::move(*gguf);
  } else {
    // Tensors past the end of the file (a file truncated since the import)
    // are refused below, naming the weight that reads them.
    auto header = ::llmq::readSafetensorsHeader(path, /*anyDType=*/true,
                                                /*checkExtents=*/false);
    if (!header)
      return header.takeError();
    for (const auto &entry : header->tensors)
      file->extents[entry.getKey()] = {entry.getValue().offset,
                                       entry.getValue().size};
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
  auto [tensorOffset, tensorSize] = extent->getValue();
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
  if (!stored.isGgml())
    return fail("is stored as " + stored.name() +
                ", which is read through its scale tensors (not supported "
                "here yet)");
  t.format = stored.ggml;
  if (type.getRank() < 1 || type.getRank() > 2 || type.getNumDynamicDims())
    return fail("has a weight type of rank " + llvm::Twine(type.getRank()) +
                ", expected a static vector or matrix");
  t.cols = type.getShape().back();
  t.rows = type.getRank() == 2 ? type.getShape()[0] : 1;
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
