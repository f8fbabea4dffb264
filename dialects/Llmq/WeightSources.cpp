//===- WeightSources.cpp - A weight's bytes in its mapped source ----------===//

#include "dialects/Llmq/WeightSources.h"

#include "dialects/Llmq/WeightFormats.h"
#include "formats/files/MappedFile.h"

using namespace mlir;
using namespace mlir::llmq;

WeightSources::WeightSources() = default;
WeightSources::~WeightSources() = default;

llvm::Expected<SourceTensor> WeightSources::resolve(WeightOp weight) {
  SourceAttr source = weight.getSource();
  std::unique_ptr<::llmq::MappedFile> &file = files[source.getFile()];
  if (!file) {
    auto opened = ::llmq::MappedFile::open(source.getFile());
    if (!opened)
      return opened.takeError();
    file = std::move(*opened);
  }
  RankedTensorType type = weight.getTensorType();
  SourceTensor t;
  t.file = file.get();
  t.offset = source.getOffset();
  t.format = sourceFormat(weight);
  t.cols = type.getShape().back();
  t.rows = type.getRank() == 2 ? type.getShape()[0] : 1;
  t.rowBytes = ::llmq::rowBytes(t.format, t.cols);
  if (t.offset + t.rowBytes * t.rows > file->size())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        source.getFile() + ": tensor '" + source.getKey() + "' (weight '" +
            weight.getSymName() + "') extends past the end of the file");
  t.data = file->data() + t.offset;
  return t;
}
