//===- ParameterFile.cpp - Derived weights in a safetensors file ----------===//

#include "dialects/Llmq/ParameterFile.h"

#include "dialects/Llmq/LlmqOps.h"
#include "formats/CheckedArith.h"
#include "formats/files/Safetensors.h"
#include "formats/files/SafetensorsWriter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"

using namespace mlir;
using namespace mlir::llmq;
using ::llmq::FormatKind;
using ::llmq::TensorFormat;

ParameterFileWriter::ParameterFileWriter() = default;
ParameterFileWriter::~ParameterFileWriter() = default;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error ParameterFileWriter::fail(const llvm::Twine &message) const {
  return makeError(path + ": " + message);
}

/// Words of `bits`-bit levels a row of `cols` packs into.
static int64_t perWord(const TensorFormat &f) { return 32 / f.bits; }

/// The safetensors entries of `spec`, in the order its bytes are written,
/// or an error naming it.
static llvm::Expected<std::vector<::llmq::SafetensorsEntry>>
entriesFor(const ParameterSpec &spec, ParameterLocation &loc) {
  const TensorFormat &f = spec.format;
  auto bad = [&](const llvm::Twine &what) {
    return makeError("tensor '" + spec.name + "' (" + f.name() + ", " +
                     llvm::Twine(spec.rows) + "x" + llvm::Twine(spec.cols) +
                     ") " + what);
  };
  std::string invalid = f.invalidReason();
  if (!invalid.empty())
    return bad("has an invalid format: " + invalid);
  if (spec.rows < 1 || spec.cols < 1)
    return bad("is empty");
  if (!f.fits(spec.cols) ||
      (f.kind == FormatKind::Int && spec.cols % perWord(f) != 0))
    return bad("does not split its rows into whole blocks or groups");
  // Every size below is bounded by storageBytes, checked here.
  std::optional<uint64_t> values =
      ::llmq::checkedMul(uint64_t(spec.rows), uint64_t(spec.cols));
  if (!values || *values > (uint64_t(1) << 50))
    return bad("is too large");

  std::vector<::llmq::SafetensorsEntry> entries;
  loc.format = f;
  if (f.isGgml()) {
    uint64_t rowBytes = ::llmq::rowBytes(f.ggml, spec.cols);
    loc.key = spec.name;
    if (f.isFloat())
      entries.push_back({spec.name,
                         ::llmq::safetensorsDType(f.ggml).str(),
                         {spec.rows, spec.cols},
                         rowBytes * uint64_t(spec.rows)});
    else
      entries.push_back({spec.name,
                         "U8",
                         {spec.rows, int64_t(rowBytes)},
                         rowBytes * uint64_t(spec.rows)});
    return entries;
  }
  int64_t scaleRows = ::llmq::groupedScaleRows(f, spec.rows);
  int64_t scaleCols = ::llmq::groupedScaleCols(f, spec.cols);
  uint64_t scaleBytes = 4 * uint64_t(scaleRows) * uint64_t(scaleCols);
  if (f.kind == FormatKind::FP8Block) {
    loc.key = spec.name + ".weight";
    loc.scaleKey = spec.name + ".weight_scale_inv";
    entries.push_back({loc.key, "F8_E4M3", {spec.rows, spec.cols}, *values});
    entries.push_back({loc.scaleKey, "F32", {scaleRows, scaleCols}, scaleBytes});
    return entries;
  }
  int64_t words = spec.cols / perWord(f);
  loc.key = spec.name + ".weight_packed";
  loc.scaleKey = spec.name + ".weight_scale";
  entries.push_back({loc.key,
                     "I32",
                     {spec.rows, words},
                     4 * uint64_t(spec.rows) * uint64_t(words)});
  entries.push_back({loc.scaleKey, "F32", {scaleRows, scaleCols}, scaleBytes});
  if (!f.symmetric) {
    loc.zeroPointKey = spec.name + ".weight_zero_point";
    int64_t packedRows = (spec.rows + perWord(f) - 1) / perWord(f);
    entries.push_back({loc.zeroPointKey,
                       "I32",
                       {packedRows, scaleCols},
                       4 * uint64_t(packedRows) * uint64_t(scaleCols)});
  }
  return entries;
}

llvm::Expected<std::unique_ptr<ParameterFileWriter>>
ParameterFileWriter::create(llvm::StringRef path,
                            std::vector<ParameterSpec> specs) {
  std::unique_ptr<ParameterFileWriter> w(new ParameterFileWriter());
  w->path = path.str();
  llvm::SmallString<256> absolute(path);
  if (std::error_code ec = llvm::sys::fs::make_absolute(absolute))
    return w->fail("cannot make the path absolute: " + ec.message());
  std::vector<::llmq::SafetensorsEntry> entries;
  std::vector<std::pair<std::string, std::string>> metadata;
  metadata.push_back({"format", "pt"});
  llvm::StringSet<> names;
  for (const ParameterSpec &spec : specs) {
    ParameterLocation loc;
    loc.file = std::string(absolute);
    auto own = entriesFor(spec, loc);
    if (!own)
      return w->fail(llvm::toString(own.takeError()));
    for (::llmq::SafetensorsEntry &e : *own) {
      if (!names.insert(e.name).second)
        return w->fail("tensor '" + e.name + "' is declared twice");
      entries.push_back(std::move(e));
    }
    metadata.push_back({"llmq.format." + spec.name, spec.format.name()});
    w->locations.push_back(std::move(loc));
  }
  auto writer =
      ::llmq::SafetensorsWriter::create(path, std::move(entries), metadata);
  if (!writer)
    return writer.takeError();
  w->writer = std::move(*writer);
  w->specs = std::move(specs);
  return std::move(w);
}

llvm::Error ParameterFileWriter::writeRows(llvm::ArrayRef<uint8_t> bytes) {
  if (current >= specs.size())
    return fail("more rows than the declared tensors hold");
  const ParameterSpec &spec = specs[current];
  if (!spec.format.isGgml())
    return fail("tensor '" + spec.name + "' is " + spec.format.name() +
                ", written as strips, not rows of blocks");
  uint64_t rowBytes = ::llmq::rowBytes(spec.format.ggml, spec.cols);
  if (bytes.size() % rowBytes != 0 ||
      int64_t(bytes.size() / rowBytes) > spec.rows - rowsWritten)
    return fail("tensor '" + spec.name + "': " + llvm::Twine(bytes.size()) +
                " bytes are not whole rows of " + llvm::Twine(rowBytes) +
                " bytes within its " + llvm::Twine(spec.rows) + " rows");
  writer->write(bytes);
  rowsWritten += bytes.size() / rowBytes;
  return finishTensor();
}

llvm::Error ParameterFileWriter::writeStrip(const ::llmq::GroupedStrip &strip,
                                            int64_t rows) {
  if (current >= specs.size())
    return fail("more rows than the declared tensors hold");
  const ParameterSpec &spec = specs[current];
  const TensorFormat &f = spec.format;
  auto bad = [&](const llvm::Twine &what) {
    return fail("tensor '" + spec.name + "': " + what);
  };
  if (!f.isGrouped())
    return bad("is " + f.name() + ", written as rows, not strips");
  if (rows < 1 || rows > spec.rows - rowsWritten)
    return bad("a strip of " + llvm::Twine(rows) + " rows after " +
               llvm::Twine(rowsWritten) + " of " + llvm::Twine(spec.rows));
  bool fp8 = f.kind == FormatKind::FP8Block;
  if (fp8 && rowsWritten % f.blockRows != 0)
    return bad("an fp8 strip starts at row " + llvm::Twine(rowsWritten) +
               ", inside a block");
  int64_t scaleRows = ::llmq::groupedScaleRows(f, rows);
  int64_t scaleCols = ::llmq::groupedScaleCols(f, spec.cols);
  size_t values = size_t(rows) * size_t(spec.cols);
  if (strip.codes.size() != values ||
      strip.scales.size() != size_t(scaleRows * scaleCols) ||
      strip.zeros.size() != (f.symmetric || fp8 ? 0 : size_t(rows * scaleCols)))
    return bad("a strip of " + llvm::Twine(rows) +
               " rows has components of the wrong size");
  if (fp8) {
    writer->write(strip.codes);
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int32_t> words = ::llmq::packLevels(
          strip.codes.data() + r * spec.cols, spec.cols, f.bits);
      writer->write(llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(words.data()), words.size() * 4));
    }
  }
  scales.insert(scales.end(), strip.scales.begin(), strip.scales.end());
  zeros.insert(zeros.end(), strip.zeros.begin(), strip.zeros.end());
  rowsWritten += rows;
  return finishTensor();
}

/// After the current tensor's last row: its scales and zero points, then on
/// to the next tensor.
llvm::Error ParameterFileWriter::finishTensor() {
  const ParameterSpec &spec = specs[current];
  if (rowsWritten < spec.rows)
    return llvm::Error::success();
  const TensorFormat &f = spec.format;
  if (f.isGrouped()) {
    writer->write(llvm::ArrayRef<uint8_t>(
        reinterpret_cast<const uint8_t *>(scales.data()), scales.size() * 4));
    if (!zeros.empty()) {
      // compressed-tensors packs zero points along the output dimension:
      // word (r / perWord, g) holds row r's level in bits (r % perWord) *
      // bits, as WeightSources reads them.
      int64_t groups = ::llmq::groupedScaleCols(f, spec.cols);
      int64_t per = perWord(f);
      int64_t packedRows = (spec.rows + per - 1) / per;
      std::vector<uint32_t> words(size_t(packedRows * groups), 0);
      for (int64_t r = 0; r < spec.rows; ++r)
        for (int64_t g = 0; g < groups; ++g)
          words[(r / per) * groups + g] |=
              uint32_t(zeros[r * groups + g]) << (f.bits * (r % per));
      writer->write(llvm::ArrayRef<uint8_t>(
          reinterpret_cast<const uint8_t *>(words.data()), words.size() * 4));
    }
    scales.clear();
    scales.shrink_to_fit();
    zeros.clear();
    zeros.shrink_to_fit();
  }
  ++current;
  rowsWritten = 0;
  return llvm::Error::success();
}

llvm::Error ParameterFileWriter::commit() {
  if (current != specs.size())
    return fail("tensor '" + specs[current].name + "' got " +
                llvm::Twine(rowsWritten) + " of its " +
                llvm::Twine(specs[current].rows) + " rows");
  if (llvm::Error err = writer->commit())
    return err;
  // The offsets are the file's own: read back from what was written.
  auto header = ::llmq::readSafetensorsHeader(path, /*anyDType=*/true);
  if (!header)
    return header.takeError();
  for (ParameterLocation &loc : locations) {
    auto it = header->tensors.find(loc.key);
    if (it == header->tensors.end())
      return fail("tensor '" + loc.key + "' is missing after writing");
    loc.offset = it->getValue().offset;
  }
  return llvm::Error::success();
}

void mlir::llmq::repointSource(WeightOp weight,
                               const ParameterLocation &location) {
  MLIRContext *context = weight.getContext();
  FormatAttr stored;
  Type element = Float32Type::get(context);
  if (location.format.isFloat()) {
    if (location.format.ggml == ::llmq::Format::F16)
      element = Float16Type::get(context);
    else if (location.format.ggml == ::llmq::Format::BF16)
      element = BFloat16Type::get(context);
  } else {
    stored = FormatAttr::get(context, location.format);
  }
  weight.setSourceAttr(SourceAttr::get(context, location.file, location.key,
                                       location.offset, stored,
                                       location.scaleKey,
                                       location.zeroPointKey));
  weight.setType(RankedTensorType::get(weight.getTensorType().getShape(),
                                       element));
}

FailureOr<SmallVector<ModelOp>>
mlir::llmq::modelsForParameterFile(ModuleOp module, StringRef pass,
                                   StringRef outFile) {
  SmallVector<ModelOp> models(module.getOps<ModelOp>());
  if (models.size() > 1 && !outFile.empty()) {
    models[1].emitError(pass)
        << ": out='" << outFile
        << "' holds the tensors of one model, but the input has "
        << models.size() << " (run the pass on each model's IR)";
    return failure();
  }
  return models;
}
