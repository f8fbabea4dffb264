//===- Imatrix.cpp - llama.cpp's importance matrix file (GGUF) ------------===//

#include "formats/files/Imatrix.h"

#include "formats/files/AtomicOutputFile.h"
#include "formats/files/GGUFReader.h"
#include "formats/files/GGUFWriter.h"
#include "formats/files/OutputPaths.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Endian.h"

#include <algorithm>

using namespace llmq;

static constexpr uint32_t kGGMLTypeF32 = 0;

const ImatrixEntry *Imatrix::find(llvm::StringRef name) const {
  for (const ImatrixEntry &entry : entries)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

static llvm::Error imatrixError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 message.str());
}

static void writeFloats(llvm::raw_ostream &os, const std::vector<float> &v) {
  for (float f : v) {
    char bytes[4];
    llvm::support::endian::write<float, llvm::endianness::little>(bytes, f);
    os.write(bytes, 4);
  }
  GGUFWriter::writeTensorPadding(os, v.size() * sizeof(float));
}

llvm::Error llmq::writeImatrix(const Imatrix &imatrix, llvm::StringRef path) {
  std::vector<const ImatrixEntry *> sorted;
  for (const ImatrixEntry &entry : imatrix.entries) {
    if (entry.cols <= 0 || entry.nmat <= 0 ||
        entry.sum2.size() != static_cast<size_t>(entry.cols * entry.nmat) ||
        entry.counts.size() != static_cast<size_t>(entry.nmat) ||
        (!entry.sum.empty() && entry.sum.size() != entry.sum2.size()))
      return imatrixError("imatrix entry '" + entry.name +
                          "' has inconsistent sizes");
    sorted.push_back(&entry);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const ImatrixEntry *a, const ImatrixEntry *b) {
              return a->name < b->name;
            });
  GGUFWriter writer;
  writer.addString("general.type", "imatrix");
  writer.addStringArray("imatrix.datasets", imatrix.datasets);
  writer.addUInt32("imatrix.chunk_count", imatrix.chunkCount);
  writer.addUInt32("imatrix.chunk_size", imatrix.chunkSize);
  for (const ImatrixEntry *entry : sorted) {
    writer.addTensor(entry->name + ".in_sum2", {entry->cols, entry->nmat},
                     kGGMLTypeF32, entry->sum2.size() * sizeof(float));
    writer.addTensor(entry->name + ".counts", {1, entry->nmat}, kGGMLTypeF32,
                     entry->counts.size() * sizeof(float));
    if (!entry->sum.empty())
      writer.addTensor(entry->name + ".in_sum", {entry->cols, entry->nmat},
                       kGGMLTypeF32, entry->sum.size() * sizeof(float));
  }
  auto file = AtomicOutputFile::create(path);
  if (!file)
    return file.takeError();
  llvm::raw_ostream &os = (*file)->os();
  writer.writeHeader(os);
  for (const ImatrixEntry *entry : sorted) {
    writeFloats(os, entry->sum2);
    writeFloats(os, entry->counts);
    if (!entry->sum.empty())
      writeFloats(os, entry->sum);
  }
  return (*file)->commit();
}

static std::vector<float> readFloats(const GGUFFile &gguf,
                                     const GGUFTensorInfo &tensor) {
  llvm::ArrayRef<uint8_t> bytes = gguf.tensorData(tensor);
  std::vector<float> out(bytes.size() / sizeof(float));
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = llvm::support::endian::read<float, llvm::endianness::little>(
        bytes.data() + i * sizeof(float));
  return out;
}

llvm::Expected<Imatrix> llmq::readImatrix(llvm::StringRef path) {
  protectInput(path, "the imatrix");
  auto opened = GGUFFile::open(path);
  if (!opened)
    return opened.takeError();
  const GGUFFile &gguf = **opened;
  auto fail = [&](const llvm::Twine &message) {
    return imatrixError(path + ": " + message);
  };
  std::optional<llvm::StringRef> type = gguf.getString("general.type");
  if (!type || *type != "imatrix")
    return fail("not an imatrix file (general.type is not \"imatrix\")");
  Imatrix imatrix;
  if (const GGUFValue *datasets = gguf.lookup("imatrix.datasets")) {
    if (!datasets->isArray() ||
        datasets->getElementType() != GGUFValueType::String)
      return fail("imatrix.datasets is not an array of strings");
    for (llvm::StringRef dataset : datasets->getStrings())
      imatrix.datasets.push_back(dataset.str());
  }
  std::optional<uint64_t> chunkCount = gguf.getUInt("imatrix.chunk_count");
  std::optional<uint64_t> chunkSize = gguf.getUInt("imatrix.chunk_size");
  if (!chunkCount || !chunkSize || *chunkCount > UINT32_MAX ||
      *chunkSize > UINT32_MAX)
    return fail("imatrix.chunk_count or imatrix.chunk_size is missing");
  imatrix.chunkCount = static_cast<uint32_t>(*chunkCount);
  imatrix.chunkSize = static_cast<uint32_t>(*chunkSize);

  // Entries in the order of their in_sum2 tensors.
  for (const GGUFTensorInfo &tensor : gguf.tensors()) {
    llvm::StringRef name = tensor.name;
    if (!name.consume_back(".in_sum2"))
      continue;
    auto bad = [&](const llvm::Twine &what) {
      return fail("tensor '" + tensor.name + "' " + what);
    };
    if (tensor.ggmlType != kGGMLTypeF32 || tensor.ne.empty() ||
        tensor.ne.size() > 2)
      return bad("is not a 1-d or 2-d F32 tensor");
    ImatrixEntry entry;
    entry.name = name.str();
    entry.cols = tensor.ne[0];
    entry.nmat = tensor.ne.size() == 2 ? tensor.ne[1] : 1;
    entry.sum2 = readFloats(gguf, tensor);
    const GGUFTensorInfo *counts = gguf.findTensor((name + ".counts").str());
    if (!counts)
      return bad("has no '" + name + ".counts'");
    if (counts->ggmlType != kGGMLTypeF32 ||
        counts->numElements() != entry.nmat)
      return fail("tensor '" + counts->name + "' is not " +
                  llvm::Twine(entry.nmat) + " F32 counts");
    entry.counts = readFloats(gguf, *counts);
    if (const GGUFTensorInfo *sum =
            gguf.findTensor((name + ".in_sum").str())) {
      if (sum->ggmlType != kGGMLTypeF32 ||
          sum->numElements() != entry.cols * entry.nmat)
        return fail("tensor '" + sum->name + "' does not match '" +
                    tensor.name + "'");
      entry.sum = readFloats(gguf, *sum);
    }
    imatrix.entries.push_back(std::move(entry));
  }
  return imatrix;
}
