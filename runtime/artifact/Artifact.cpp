//===- Artifact.cpp - An NPU artifact, loaded for execution ---------------===//

#include "runtime/artifact/Artifact.h"

#include "runtime/artifact/ArtifactSession.h"

#include "dialects/Graph/GraphOps.h"
#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"
#include "formats/files/Json.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Safetensors.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/SourceMgr.h"

#include <cstring>

using namespace llmq;
using namespace llmq::runtime;
using llvm::StringRef;
using llvm::Twine;
using json::Json;

static llvm::Error loadError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string pathIn(StringRef dir, StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

Artifact::~Artifact() = default;

llvm::Expected<std::unique_ptr<Decoder>>
Artifact::newDecoder(ThreadPool &pool, int64_t maxPositions) const {
  return ArtifactSession::create(*this, pool, maxPositions);
}

/// Parses a graph file (text or bytecode) and finds its one function.
static llvm::Error loadGraph(ArtifactGraph &g, const std::string &path,
                             mlir::MLIRContext &context) {
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  g.module = mlir::parseSourceFile<mlir::ModuleOp>(
      path, sourceMgr, mlir::ParserConfig(&context));
  if (!g.module || mlir::failed(mlir::verify(*g.module)))
    return loadError(path + ": not a valid llmq_graph graph:\n" + diagnostics);
  auto funcs = g.module->getOps<mlir::func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return loadError(path + ": expected exactly one func.func");
  g.func = *funcs.begin();
  if (g.func.getNumArguments() != g.inputs.size() ||
      g.func.getNumResults() != g.outputs.size())
    return loadError(path + ": the graph's arguments and results do not "
                            "match the manifest's inputs and outputs");
  return llvm::Error::success();
}

static std::vector<std::string> portNames(const Json &entry, const char *key) {
  std::vector<std::string> names;
  for (const Json &p : json::getArray(entry, key))
    names.push_back(json::getString(p, "name"));
  return names;
}

static std::string sha256Of(llvm::ArrayRef<uint8_t> bytes) {
  std::array<uint8_t, 32> hash = llvm::SHA256::hash(bytes);
  return llvm::toHex(llvm::ArrayRef<uint8_t>(hash), /*LowerCase=*/true);
}

namespace {
/// Binds one rank's shard tensors as its manifest entry lists them.
class RankLoader {
public:
  RankLoader(RankWeights &rank, const SafetensorsHeader &header,
             std::string path)
      : rank(rank), header(header), path(std::move(path)) {}

  llvm::Error bind(const Json &tensor) {
    std::string weight = json::getString(tensor, "weight");
    std::optional<TensorFormat> format =
        TensorFormat::parse(json::getString(tensor, "format"));
    const Json &rows = json::member(tensor, "rows");
    const Json &cols = json::member(tensor, "cols");
    if (!format || !rows.is_array() || rows.size() != 2 || !cols.is_array() ||
        cols.size() != 2)
      return fail(weight, "has a malformed manifest entry");
    int64_t numRows = rows[1].get<int64_t>() - rows[0].get<int64_t>();
    int64_t numCols = cols[1].get<int64_t>() - cols[0].get<int64_t>();
    const SafetensorsTensor *main = find(weight);
    if (!main)
      return fail(weight, "is missing from the file");
    const uint8_t *data = rank.file->data() + main->offset;
    if (main->shape.size() == 1) {
      if (main->dtypeName != "F32" || main->shape[0] != numRows)
        return fail(weight, "is not an F32 vector of " + Twine(numRows));
      std::vector<float> &v = rank.vectors[weight];
      v.resize(numRows);
      std::memcpy(v.data(), data, numRows * sizeof(float));
      return llvm::Error::success();
    }
    WeightView view;
    view.rows = numRows;
    view.cols = numCols;
    if (!format->isGrouped()) {
      view.format = format->row;
      view.data = data;
      if (main->size != view.rowBytes() * numRows)
        return fail(weight, "has " + Twine(main->size) + " bytes, not the " +
                                Twine(view.rowBytes() * numRows) + " of a " +
                                Twine(numRows) + "x" + Twine(numCols) + " " +
                                format->name() + " shard");
      rank.matrices[weight] = view;
      return llvm::Error::success();
    }
    auto values = std::make_unique<std::vector<float>>(numRows * numCols);
    const SafetensorsTensor *scale =
        find(weight + (format->group == GroupFormat::FP8Block ? ".scale_inv"
                                                              : ".scale"));
    if (!scale || scale->dtypeName != "F32")
      return fail(weight, "has no F32 scale tensor");
    auto floats = [&](const SafetensorsTensor *t) {
      std::vector<float> out(t->size / sizeof(float));
      std::memcpy(out.data(), rank.file->data() + t->offset, t->size);
      return out;
    };
    int64_t elements = numRows * numCols;
    switch (format->group) {
    case GroupFormat::FP8Block: {
      FP8BlockTensor q;
      q.weight.assign(data, data + elements);
      q.scaleInv = floats(scale);
      if (main->size != static_cast<uint64_t>(elements) ||
          q.scaleInv.size() !=
              static_cast<size_t>(((numRows + 127) / 128) * ((numCols + 127) / 128)))
        return fail(weight, "has fp8 codes or scales of the wrong size");
      dequantizeFP8Block(q, numRows, numCols, values->data());
      break;
    }
    case GroupFormat::Int8Channel: {
      Int8ChannelTensor q;
      q.weight.resize(elements);
      std::memcpy(q.weight.data(), data, elements);
      q.scale = floats(scale);
      if (main->size != static_cast<uint64_t>(elements) ||
          q.scale.size() != static_cast<size_t>(numRows))
        return fail(weight, "has int8 codes or scales of the wrong size");
      dequantizeInt8Channel(q, numRows, numCols, values->data());
      break;
    }
    case GroupFormat::Int4G128: {
      Int4GroupTensor q;
      q.packed.resize(elements / 8);
      q.scale = floats(scale);
      if (main->size != static_cast<uint64_t>(elements / 2) ||
          q.scale.size() != static_cast<size_t>(elements / 128))
        return fail(weight, "has int4 codes or scales of the wrong size");
      std::memcpy(q.packed.data(), data, main->size);
      dequantizeInt4Group(q, numRows, numCols, 128, values->data());
      break;
    }
    case GroupFormat::None:
      break;
    }
    view.format = Format::F32;
    view.data = reinterpret_cast<const uint8_t *>(values->data());
    rank.owned.push_back(std::move(values));
    rank.matrices[weight] = view;
    return llvm::Error::success();
  }

private:
  const SafetensorsTensor *find(const std::string &key) const {
    auto it = header.tensors.find(key);
    return it == header.tensors.end() ? nullptr : &it->second;
  }
  llvm::Error fail(StringRef weight, const Twine &what) const {
    return loadError(path + ": tensor '" + weight + "' " + what);
  }

  RankWeights &rank;
  const SafetensorsHeader &header;
  std::string path;
};
} // namespace

llvm::Expected<std::unique_ptr<Artifact>>
Artifact::open(StringRef dir, mlir::MLIRContext &context) {
  context.loadDialect<mlir::llmq_graph::GraphDialect, mlir::func::FuncDialect>();
  std::string manifestPath = pathIn(dir, "manifest.json");
  auto buffer = llvm::MemoryBuffer::getFile(manifestPath);
  if (!buffer)
    return loadError(manifestPath + ": cannot read: " +
                     buffer.getError().message());
  Json manifest = Json::parse((*buffer)->getBuffer(), nullptr, false);
  if (manifest.is_discarded() ||
      json::getString(manifest, "format") != "llmq-npu-artifact")
    return loadError(manifestPath + ": not an llmq NPU artifact manifest");
  if (int64_t version = json::getInt(manifest, "version", -1); version != 1)
    return loadError(manifestPath + ": manifest version " + Twine(version) +
                     " is not the supported version 1");

  std::unique_ptr<Artifact> a(new Artifact());
  a->dir = dir.str();
  const Json &model = json::member(manifest, "model");
  a->name = json::getString(model, "name");
  a->vocab = json::getInt(model, "vocab_size", 0);
  a->context = json::getInt(model, "context_length", 0);
  a->numLayers = json::getInt(model, "num_layers", 0);
  const Json &parallel = json::member(manifest, "parallel");
  a->tp = json::getInt(parallel, "tensor_parallel_size", 0);
  a->pp = json::getInt(parallel, "pipeline_parallel_size", 0);
  a->cacheFeatures = json::getInt(parallel, "local_kv_heads", 0) *
                     json::getInt(model, "head_dim", 0);
  for (const Json &s : json::getArray(parallel, "stages"))
    a->stages.push_back({json::getInt(s, "first_block", 0),
                         json::getInt(s, "end_block", 0)});
  if (a->vocab <= 0 || a->context <= 0 || a->tp <= 0 || a->pp <= 0 ||
      a->cacheFeatures <= 0 || static_cast<int64_t>(a->stages.size()) != a->pp)
    return loadError(manifestPath +
                     ": the model or parallel section is incomplete");
  if (const Json &t = json::member(manifest, "tokenizer"); t.is_object()) {
    a->tokenizerFile = pathIn(dir, json::getString(t, "file"));
    a->bos = json::getInt(t, "bos", -1);
    a->eos = json::getInt(t, "eos", -1);
    a->addBos = json::getBool(t, "add_bos", false);
  }

  for (const Json &entry : json::getArray(manifest, "graphs")) {
    ArtifactGraph g;
    g.name = json::getString(entry, "name");
    g.prefill = json::getString(entry, "phase") == "prefill";
    g.batch = json::getInt(entry, "batch", 0);
    g.length = json::getInt(entry, "length", 0);
    g.stage = json::getInt(entry, "stage", -1);
    g.piece = json::getString(entry, "piece");
    g.inputs = portNames(entry, "inputs");
    g.outputs = portNames(entry, "outputs");
    std::string file = json::getString(entry, "bytecode");
    if (file.empty())
      file = json::getString(entry, "text");
    if (llvm::Error err = loadGraph(g, pathIn(dir, file), context))
      return std::move(err);
    a->graphs.push_back(std::move(g));
  }
  if (a->graphs.empty())
    return loadError(manifestPath + ": the artifact has no graphs");

  const Json &ranks = json::getArray(manifest, "ranks");
  if (static_cast<int64_t>(ranks.size()) != a->tp * a->pp)
    return loadError(manifestPath + ": expected " + Twine(a->tp * a->pp) +
                     " ranks, the manifest lists " + Twine(ranks.size()));
  a->ranks.resize(ranks.size());
  for (const Json &r : ranks) {
    int64_t index = json::getInt(r, "rank", -1);
    if (index < 0 || index >= static_cast<int64_t>(a->ranks.size()))
      return loadError(manifestPath + ": a rank entry has no valid index");
    std::string path = pathIn(dir, json::getString(r, "file"));
    RankWeights &rank = a->ranks[index];
    auto file = MappedFile::open(path);
    if (!file)
      return file.takeError();
    rank.file = std::move(*file);
    if (sha256Of(rank.file->bytes(0, rank.file->size())) !=
        json::getString(r, "sha256"))
      return loadError(path + ": sha256 differs from the manifest's (the "
                              "file is damaged or was replaced)");
    auto header = readSafetensorsHeader(path, /*anyDType=*/true);
    if (!header)
      return header.takeError();
    RankLoader loader(rank, *header, path);
    for (const Json &t : json::getArray(r, "tensors"))
      if (llvm::Error err = loader.bind(t))
        return std::move(err);
  }
  return std::move(a);
}
