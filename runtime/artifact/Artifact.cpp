//===- Artifact.cpp - An NPU artifact, loaded for execution ---------------===//

#include "runtime/artifact/Artifact.h"

#include "runtime/artifact/ArtifactSession.h"

#include "backends/NPU/ShardCodec.h"
#include "dialects/Graph/GraphOps.h"
#include "formats/GroupFormats.h"
#include "formats/TensorFormat.h"
#include "formats/files/Json.h"
#include "formats/files/MappedFile.h"
#include "formats/files/Safetensors.h"
#include "formats/files/ReadFile.h"
#include "formats/files/OutputPaths.h"

#include "backends/NPU/ArtifactLimits.h"

#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
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

Artifact::~Artifact() = default;

GraphEngine::~GraphEngine() = default;

llvm::Expected<std::unique_ptr<Decoder>>
Artifact::newDecoder(ThreadPool &pool, int64_t maxPositions) const {
  return ArtifactSession::create(*this, pool, maxPositions);
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

/// Reads manifest.json and everything it names, checking each number the
/// executor relies on against the graphs and the shard files before anything
/// runs. Errors are one line naming the file and, for the manifest, the key:
/// "<dir>/manifest.json: 'graphs[2].batch' ...".
class Loader {
public:
  Loader(Artifact &a, mlir::MLIRContext &context)
      : a(a), context(context), manifestPath(pathIn(a.dir, "manifest.json")) {}

  llvm::Error load();

private:
  llvm::Error keyError(const Twine &key, const Twine &what) const {
    return loadError(manifestPath + ": '" + key + "' " + what);
  }
  /// The integer at `key` of `object`, which must be in [min, max].
  llvm::Expected<int64_t> intIn(const Json &object, const char *key,
                                const Twine &name, int64_t min,
                                int64_t max = INT64_MAX) const;
  /// The path of the file `object[key]` names inside the artifact directory:
  /// relative, without "..". Empty when the key is absent.
  llvm::Expected<std::string> fileOf(const Json &object, const char *key,
                                     const Twine &name) const;
  /// The contents of `path`, whose SHA-256 must be `object[hashKey]`.
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
  readHashed(const std::string &path, const Json &object, const char *hashKey,
             const Twine &name, uint64_t limit, StringRef what) const;

  llvm::Error loadModel(const Json &manifest);
  llvm::Error loadBuckets(const Json &manifest);
  llvm::Error loadTokenizer(const Json &manifest);
  llvm::Error loadGraph(const Json &entry, size_t index);
  llvm::Error checkPorts(ArtifactGraph &g, const Json &entry,
                         const std::string &key, const std::string &file);
  llvm::Error loadRanks(const Json &manifest);

  Artifact &a;
  mlir::MLIRContext &context;
  std::string manifestPath;
  npu::BucketDims dims;
  int64_t hidden = 0, headDim = 0, localHeads = 0, localKVHeads = 0;
};

} // namespace

llvm::Expected<int64_t> Loader::intIn(const Json &object, const char *key,
                                      const Twine &name, int64_t min,
                                      int64_t max) const {
  const Json &v = json::member(object, key);
  if (!v.is_number_integer())
    return keyError(name, "is missing or not an integer");
  // An unsigned value past INT64_MAX is out of range, not negative.
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
    return keyError(name, Twine(v.get<uint64_t>()) + " is outside [" +
                              Twine(min) + ", " + Twine(max) + "]");
  int64_t value = v.get<int64_t>();
  if (value < min || value > max)
    return keyError(name, Twine(value) + " is outside [" + Twine(min) + ", " +
                              Twine(max) + "]");
  return value;
}

llvm::Expected<std::string> Loader::fileOf(const Json &object, const char *key,
                                           const Twine &name) const {
  const Json &v = json::member(object, key);
  if (v.is_null())
    return std::string();
  if (!v.is_string() || v.get<std::string>().empty())
    return keyError(name, "is not a file name");
  std::string file = v.get<std::string>();
  bool inside = !llvm::sys::path::is_absolute(file);
  for (auto it = llvm::sys::path::begin(file),
            end = llvm::sys::path::end(file);
       inside && it != end; ++it)
    inside = *it != "..";
  if (!inside)
    return keyError(name, "'" + file +
                              "' is not a path inside the artifact directory");
  return pathIn(a.dir, file);
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
Loader::readHashed(const std::string &path, const Json &object,
                   const char *hashKey, const Twine &name, uint64_t limit,
                   StringRef what) const {
  std::string expected = json::getString(object, hashKey);
  if (expected.empty())
    return keyError(name, "is missing: every file the manifest names has its "
                          "SHA-256");
  auto buffer = readSmallFileBuffer(path, limit, what);
  if (!buffer)
    return buffer.takeError();
  llvm::ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
      (*buffer)->getBufferSize());
  if (sha256Of(bytes) != expected)
    return loadError(path + ": sha256 differs from the manifest's (the file "
                            "is damaged or was replaced)");
  return std::move(*buffer);
}

llvm::Error Loader::loadModel(const Json &manifest) {
  const Json &model = json::member(manifest, "model");
  a.name = json::getString(model, "name");
  int64_t heads, kvHeads, ffn, paddedVocab;
  struct Field {
    const Json &object;
    const char *key, *name;
    int64_t *out;
  } fields[] = {
      {model, "vocab_size", "model.vocab_size", &a.vocab},
      {model, "context_length", "model.context_length", &a.context},
      {model, "num_layers", "model.num_layers", &a.numLayers},
      {model, "hidden_size", "model.hidden_size", &hidden},
      {model, "num_heads", "model.num_heads", &heads},
      {model, "num_kv_heads", "model.num_kv_heads", &kvHeads},
      {model, "head_dim", "model.head_dim", &headDim},
      {model, "ffn_size", "model.ffn_size", &ffn},
  };
  // Positive, and small enough that the products below are checked, not
  // wrapped.
  for (Field &f : fields) {
    auto v = intIn(f.object, f.key, f.name, 1, INT32_MAX);
    if (!v)
      return v.takeError();
    *f.out = *v;
  }
  const Json &parallel = json::member(manifest, "parallel");
  struct {
    const char *key, *name;
    int64_t *out;
  } parallelFields[] = {
      {"tensor_parallel_size", "parallel.tensor_parallel_size", &a.tp},
      {"pipeline_parallel_size", "parallel.pipeline_parallel_size", &a.pp},
      {"local_heads", "parallel.local_heads", &localHeads},
      {"local_kv_heads", "parallel.local_kv_heads", &localKVHeads},
      {"padded_vocab_size", "parallel.padded_vocab_size", &paddedVocab},
  };
  for (auto &f : parallelFields) {
    auto v = intIn(parallel, f.key, f.name, 1, INT32_MAX);
    if (!v)
      return v.takeError();
    *f.out = *v;
  }
  if (a.pp > a.numLayers)
    return keyError("parallel.pipeline_parallel_size",
                    Twine(a.pp) + " stages are more than the " +
                        Twine(a.numLayers) + " blocks of 'model.num_layers'");
  if (paddedVocab != (a.vocab + a.tp - 1) / a.tp * a.tp)
    return keyError("parallel.padded_vocab_size",
                    Twine(paddedVocab) + " is not 'model.vocab_size' " +
                        Twine(a.vocab) + " rounded up to a multiple of tp " +
                        Twine(a.tp));
  // Heads split over tp ranks; with fewer kv heads than ranks each rank holds
  // one (ArtifactPlan).
  if (localHeads * a.tp != heads)
    return keyError("parallel.local_heads",
                    Twine(localHeads) + " x tp " + Twine(a.tp) +
                        " is not the " + Twine(heads) +
                        " of 'model.num_heads'");
  int64_t wantKV = kvHeads < a.tp ? 1 : kvHeads / a.tp;
  if (localKVHeads != wantKV || (kvHeads >= a.tp && kvHeads % a.tp != 0))
    return keyError("parallel.local_kv_heads",
                    Twine(localKVHeads) + " is not what " + Twine(kvHeads) +
                        " kv heads over tp " + Twine(a.tp) + " give");
  a.cacheFeatures = localKVHeads * headDim;

  // Stages cover the blocks in order, each at least one.
  const Json &stages = json::getArray(parallel, "stages");
  if (static_cast<int64_t>(stages.size()) != a.pp)
    return keyError("parallel.stages", "lists " + Twine(stages.size()) +
                                           " stages, not the " + Twine(a.pp) +
                                           " of pipeline_parallel_size");
  int64_t end = 0, largest = 0;
  for (size_t s = 0; s < stages.size(); ++s) {
    std::string key = ("parallel.stages[" + Twine(s) + "]").str();
    auto first = intIn(stages[s], "first_block", key + ".first_block", end, end);
    if (!first)
      return first.takeError();
    auto last = intIn(stages[s], "end_block", key + ".end_block", end + 1,
                      a.numLayers);
    if (!last)
      return last.takeError();
    largest = std::max(largest, *last - *first);
    end = *last;
    a.stages.push_back({*first, *last});
  }
  if (end != a.numLayers)
    return keyError("parallel.stages", "end at block " + Twine(end) +
                                           ", not at 'model.num_layers' " +
                                           Twine(a.numLayers));
  dims.widestRow = std::max({hidden, heads * headDim, ffn, paddedVocab});
  dims.cacheFeatures = a.cacheFeatures;
  dims.stageBlocks = largest;
  return llvm::Error::success();
}

llvm::Error Loader::loadBuckets(const Json &manifest) {
  const Json &buckets = json::member(manifest, "buckets");
  for (bool prefill : {true, false}) {
    const char *phase = prefill ? "prefill" : "decode";
    const Json &list = json::getArray(buckets, phase);
    for (size_t i = 0; i < list.size(); ++i) {
      std::string key = ("buckets." + Twine(phase) + "[" + Twine(i) + "]").str();
      auto batch = intIn(list[i], "batch", key + ".batch", 1);
      if (!batch)
        return batch.takeError();
      auto length = intIn(list[i], "length", key + ".length", 1, a.context);
      if (!length)
        return length.takeError();
      std::string why = npu::bucketOverLimits(*batch, *length, prefill, dims);
      if (!why.empty())
        return keyError(key, "asks for bucket " + Twine(*batch) + "x" +
                                 Twine(*length) + ", which " + why);
    }
  }
  return llvm::Error::success();
}

llvm::Error Loader::loadTokenizer(const Json &manifest) {
  const Json &model = json::member(manifest, "model");
  auto config = fileOf(model, "config", "model.config");
  if (!config)
    return config.takeError();
  if (!config->empty())
    if (auto buffer = readHashed(*config, model, "config_sha256",
                                 "model.config_sha256", kMaxConfigFileBytes,
                                 "config file");
        !buffer)
      return buffer.takeError();

  const Json &t = json::member(manifest, "tokenizer");
  if (!t.is_object())
    return llvm::Error::success();
  auto file = fileOf(t, "file", "tokenizer.file");
  if (!file)
    return file.takeError();
  if (file->empty())
    return keyError("tokenizer.file", "is missing");
  if (auto buffer = readHashed(*file, t, "sha256", "tokenizer.sha256",
                               kMaxTokenizerFileBytes, "tokenizer file");
      !buffer)
    return buffer.takeError();
  a.tokenizerFile = *file;
  for (auto [key, out] : {std::pair<const char *, int64_t *>{"bos", &a.bos},
                          {"eos", &a.eos}}) {
    auto id = intIn(t, key, "tokenizer." + Twine(key), -1, a.vocab - 1);
    if (!id)
      return id.takeError();
    *out = *id;
  }
  a.addBos = json::getBool(t, "add_bos", false);
  return llvm::Error::success();
}

/// A port's shape and dtype, as the manifest lists them.
static std::optional<std::pair<llvm::SmallVector<int64_t>, std::string>>
portOf(const Json &port) {
  const Json &shape = json::member(port, "shape");
  if (!shape.is_array())
    return std::nullopt;
  llvm::SmallVector<int64_t> dims;
  for (const Json &d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0)
      return std::nullopt;
    dims.push_back(d.get<int64_t>());
  }
  std::string dtype = json::getString(port, "dtype");
  if (dtype != "f32" && dtype != "i32")
    return std::nullopt;
  return std::pair{std::move(dims), std::move(dtype)};
}

static std::string typeText(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

static std::string dimsText(llvm::ArrayRef<int64_t> shape) {
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "x" : "") + std::to_string(shape[i]);
  return text;
}

/// Each port of the manifest is the graph's argument or result of the same
/// position: same name, shape and dtype; the ports the session fills (ids,
/// positions, KV caches) and reads (logits) have the shapes the bucket and
/// the model section imply.
llvm::Error Loader::checkPorts(ArtifactGraph &g, const Json &entry,
                               const std::string &key,
                               const std::string &file) {
  mlir::FunctionType type = g.func.getFunctionType();
  int64_t seq = g.prefill ? g.length : 1;
  auto [first, end] = a.stages[g.stage];
  for (bool input : {true, false}) {
    const char *list = input ? "inputs" : "outputs";
    const Json &ports = json::getArray(entry, list);
    llvm::ArrayRef<mlir::Type> types =
        input ? type.getInputs() : type.getResults();
    if (ports.size() != types.size())
      return loadError(file + ": the graph has " + Twine(types.size()) + " " +
                       list + ", '" + key + "." + list + "' lists " +
                       Twine(ports.size()));
    for (size_t i = 0; i < ports.size(); ++i) {
      std::string portKey = (key + "." + list + "[" + Twine(i) + "]").str();
      std::string name = json::getString(ports[i], "name");
      auto port = portOf(ports[i]);
      if (name.empty() || !port)
        return keyError(portKey, "is not a port with a name, a shape and a "
                                 "dtype (f32 or i32)");
      auto tensor = mlir::dyn_cast<mlir::RankedTensorType>(types[i]);
      mlir::DictionaryAttr attrs = input ? g.func.getArgAttrDict(i)
                                         : g.func.getResultAttrDict(i);
      auto graphName =
          attrs ? attrs.getAs<mlir::StringAttr>("llmq_graph.port") : nullptr;
      if (!tensor || (graphName && graphName.getValue() != name) ||
          tensor.getShape() != llvm::ArrayRef<int64_t>(port->first) ||
          !(port->second == "f32" ? tensor.getElementType().isF32()
                                  : tensor.getElementType().isInteger(32)))
        return loadError(file + ": " + (input ? "argument " : "result ") +
                         Twine(i) + " is " + typeText(types[i]) +
                         ", not the " + dimsText(port->first) + " " +
                         port->second + " port '" + name + "' of '" + portKey +
                         "'");
      llvm::SmallVector<int64_t> want;
      StringRef portName(name);
      if (portName == "ids" && input) {
        want = {g.batch, seq};
      } else if (portName == "positions" && input) {
        want = {g.batch};
      } else if (portName.starts_with("k_cache.") ||
                 portName.starts_with("v_cache.")) {
        int64_t block = -1;
        if (portName.drop_front(8).getAsInteger(10, block) || block < first ||
            block >= end)
          return keyError(portKey + ".name",
                          "'" + name + "' is not a block of stage " +
                              Twine(g.stage) + " [" + Twine(first) + ", " +
                              Twine(end) + ")");
        want = {g.batch, g.length, a.cacheFeatures};
      } else if (portName == "logits" && !input) {
        if (port->first.size() == 3 && port->first[2] != a.vocab)
          return keyError("model.vocab_size",
                          Twine(a.vocab) + " differs from the " +
                              Twine(port->first[2]) + " logits of graph '" +
                              g.name + "'");
        want = {g.batch, seq, a.vocab};
      } else {
        continue;
      }
      if (llvm::ArrayRef<int64_t>(want) != llvm::ArrayRef(port->first))
        return keyError(portKey + ".shape",
                        "is " + dimsText(port->first) + ", not the " +
                            dimsText(want) + " its bucket " +
                            Twine(g.batch) + "x" + Twine(g.length) +
                            " and the model section imply");
    }
  }
  return llvm::Error::success();
}

llvm::Error Loader::loadGraph(const Json &entry, size_t index) {
  std::string key = ("graphs[" + Twine(index) + "]").str();
  ArtifactGraph g;
  g.name = json::getString(entry, "name");
  if (g.name.empty())
    return keyError(key + ".name", "is missing");
  std::string phase = json::getString(entry, "phase");
  if (phase != "prefill" && phase != "decode")
    return keyError(key + ".phase", "is neither prefill nor decode");
  g.prefill = phase == "prefill";
  auto batch = intIn(entry, "batch", key + ".batch", 1);
  if (!batch)
    return batch.takeError();
  auto length = intIn(entry, "length", key + ".length", 1, a.context);
  if (!length)
    return length.takeError();
  auto stage = intIn(entry, "stage", key + ".stage", 0, a.pp - 1);
  if (!stage)
    return stage.takeError();
  g.batch = *batch;
  g.length = *length;
  g.stage = *stage;
  std::string why = npu::bucketOverLimits(g.batch, g.length, g.prefill, dims);
  if (!why.empty())
    return keyError(key, "asks for bucket " + Twine(g.batch) + "x" +
                             Twine(g.length) + ", which " + why);
  g.piece = json::getString(entry, "piece");
  g.inputs = portNames(entry, "inputs");
  g.outputs = portNames(entry, "outputs");

  // Both files are checked against their hashes; the bytecode is the one run
  // (the text where there is no bytecode).
  auto text = fileOf(entry, "text", key + ".text");
  if (!text)
    return text.takeError();
  auto bytecode = fileOf(entry, "bytecode", key + ".bytecode");
  if (!bytecode)
    return bytecode.takeError();
  if (text->empty() && bytecode->empty())
    return keyError(key, "names no graph file (text or bytecode)");
  std::unique_ptr<llvm::MemoryBuffer> run;
  std::string runPath;
  for (auto [path, hashKey] :
       {std::pair<const std::string *, const char *>{&*text, "sha256"},
        {&*bytecode, "bytecode_sha256"}}) {
    if (path->empty())
      continue;
    auto buffer = readHashed(*path, entry, hashKey, key + "." + hashKey,
                             kMaxGraphFileBytes, "graph file");
    if (!buffer)
      return buffer.takeError();
    run = std::move(*buffer);
    runPath = *path;
  }

  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(run), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(*sourceMgr, &context, os);
  g.module = mlir::parseSourceFile<mlir::ModuleOp>(
      sourceMgr, mlir::ParserConfig(&context));
  if (!g.module || mlir::failed(mlir::verify(*g.module))) {
    StringRef first = StringRef(diagnostics).trim().split('\n').first;
    return loadError(runPath + ": not a valid llmq_graph graph" +
                     (first.empty() ? Twine() : ": " + first));
  }
  // The lowered graph, when the export wrote one: hash-checked like the
  // others; the JIT engine compiles it (the text where there is one).
  const Json &lowered = json::member(entry, "lowered");
  if (lowered.is_object()) {
    for (auto [fileKey, hashKey] :
         {std::pair<const char *, const char *>{"bytecode", "bytecode_sha256"},
          {"text", "sha256"}}) {
      std::string loweredKey = key + ".lowered." + fileKey;
      auto path = fileOf(lowered, fileKey, loweredKey);
      if (!path)
        return path.takeError();
      if (path->empty())
        continue;
      auto buffer = readHashed(*path, lowered, hashKey,
                               key + ".lowered." + hashKey,
                               kMaxGraphFileBytes, "lowered graph file");
      if (!buffer)
        return buffer.takeError();
      g.lowered = std::move(*buffer);
      g.loweredPath = *path;
    }
  }
  auto funcs = g.module->getOps<mlir::func::FuncOp>();
  if (std::distance(funcs.begin(), funcs.end()) != 1)
    return loadError(runPath + ": expected exactly one func.func");
  g.func = *funcs.begin();
  if (g.func.getNumArguments() != g.inputs.size() ||
      g.func.getNumResults() != g.outputs.size())
    return loadError(runPath + ": the graph's arguments and results do not "
                               "match the manifest's inputs and outputs");
  if (llvm::Error err = checkPorts(g, entry, key, runPath))
    return err;
  // Every value the executor would allocate is static and within the
  // limits, whatever the manifest says.
  // The manifest's sizes against the ops that use them (the manifest is at
  // fault), and the graph's own values against the limits (the graph is).
  std::string atFault = manifestPath;
  mlir::WalkResult walk = g.func.walk([&](mlir::Operation *op) {
    if (auto attention = mlir::dyn_cast<mlir::llmq_graph::AttentionOp>(op)) {
      for (auto [value, want, key] :
           {std::tuple<int64_t, int64_t, const char *>{
                attention.getNumHeadsAttr().getInt(), localHeads,
                "parallel.local_heads"},
            {attention.getNumKvHeadsAttr().getInt(), localKVHeads,
             "parallel.local_kv_heads"},
            {attention.getHeadDimAttr().getInt(), headDim, "model.head_dim"}})
        if (value != want) {
          why = "'" + std::string(key) + "' " + std::to_string(want) +
                " differs from the " + std::to_string(value) +
                " of the graph's attention";
          return mlir::WalkResult::interrupt();
        }
    }
    if (auto embedding = mlir::dyn_cast<mlir::llmq_graph::EmbeddingOp>(op)) {
      auto type = mlir::cast<mlir::RankedTensorType>(embedding.getType());
      if (type.getRank() == 0 || type.getShape().back() != hidden) {
        why = "'model.hidden_size' " + std::to_string(hidden) +
              " differs from the graph's embedding rows of " +
              typeText(type);
        return mlir::WalkResult::interrupt();
      }
    }
    for (mlir::Type type : op->getResultTypes()) {
      auto tensor = mlir::dyn_cast<mlir::RankedTensorType>(type);
      if (!tensor)
        continue;
      std::optional<int64_t> n = tensor.hasStaticShape()
                                     ? std::optional<int64_t>(1)
                                     : std::nullopt;
      for (int64_t d : tensor.getShape())
        if (n)
          n = npu::checkedProduct({*n, d});
      if (!n || *n > npu::kMaxBucketValues) {
        atFault = runPath;
        why = "a value of type " + typeText(type) + " in '" +
              op->getName().getStringRef().str() +
              "' is dynamic or larger than the limit of " +
              std::to_string(npu::kMaxBucketValues) + " values";
        return mlir::WalkResult::interrupt();
      }
    }
    return mlir::WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return loadError(atFault + ": " + why);
  a.graphs.push_back(std::move(g));
  return llvm::Error::success();
}
namespace {
/// Binds one rank's shard tensors as its manifest entry lists them. Every
/// size the manifest gives is checked against the shard file's own tensors
/// before a byte is read.
class RankLoader {
public:
  RankLoader(RankWeights &rank, const SafetensorsHeader &header,
             std::string path, std::string manifestPath)
      : rank(rank), header(header), path(std::move(path)),
        manifestPath(std::move(manifestPath)) {}

  llvm::Error bind(const Json &tensor, const std::string &key) {
    std::string weight = json::getString(tensor, "weight");
    std::optional<TensorFormat> format =
        TensorFormat::parse(json::getString(tensor, "format"));
    std::optional<std::pair<int64_t, int64_t>> rowRange =
        range(json::member(tensor, "rows"));
    std::optional<std::pair<int64_t, int64_t>> colRange =
        range(json::member(tensor, "cols"));
    std::optional<npu::ShardCodec> shardCodec =
        format ? npu::shardCodec(*format) : std::nullopt;
    if (weight.empty() || !shardCodec || !rowRange || !colRange)
      return loadError(manifestPath + ": '" + key +
                       "' is not a shard entry (weight, format, rows and "
                       "cols as [begin, end))");
    npu::ShardCodec codec = *shardCodec;
    int64_t numRows = rowRange->second - rowRange->first;
    int64_t numCols = colRange->second - colRange->first;
    std::optional<int64_t> elements = npu::checkedProduct({numRows, numCols});
    if (!elements)
      return fail(weight, "has " + Twine(numRows) + "x" + Twine(numCols) +
                              " elements, more than 2^63");
    // The components the manifest lists are the file's tensors.
    const Json &components = json::getArray(tensor, "components");
    for (size_t c = 0; c < components.size(); ++c) {
      std::string componentKey =
          (key + ".components[" + Twine(c) + "]").str();
      std::string name = json::getString(components[c], "key");
      const SafetensorsTensor *t = find(name);
      if (!t)
        return loadError(path + ": tensor '" + name + "' of '" +
                         componentKey + "' is missing from the file");
      llvm::SmallVector<int64_t> shape;
      for (const Json &d : json::getArray(components[c], "shape"))
        shape.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
      if (json::getString(components[c], "dtype") != t->dtypeName ||
          llvm::ArrayRef<int64_t>(shape) != llvm::ArrayRef(t->shape))
        return loadError(manifestPath + ": '" + componentKey + "' says " +
                         json::getString(components[c], "dtype") + " " +
                         dimsText(shape) + ", the file's tensor '" + name +
                         "' is " + t->dtypeName + " " + dimsText(t->shape));
      ShardComponent &component = rank.components[name];
      component.data = rank.file->data() + t->offset;
      component.bytes = t->size;
      component.shape.assign(t->shape.begin(), t->shape.end());
      component.dtype = t->dtypeName;
    }
    const SafetensorsTensor *main = find(weight);
    if (!main)
      return fail(weight, "is missing from the file");
    const uint8_t *data = rank.file->data() + main->offset;
    if (main->shape.size() == 1) {
      if (main->dtypeName != "F32" || main->shape[0] != numRows ||
          main->size != static_cast<uint64_t>(numRows) * sizeof(float))
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
      view.format = format->ggml;
      view.data = data;
      std::optional<int64_t> bytes = npu::checkedProduct(
          {static_cast<int64_t>(view.rowBytes()), numRows});
      if (!bytes || main->size != static_cast<uint64_t>(*bytes))
        return fail(weight, "has " + Twine(main->size) + " bytes, not the " +
                                (bytes ? Twine(*bytes) : Twine("2^63")) +
                                " of a " + Twine(numRows) + "x" +
                                Twine(numCols) + " " + format->name() +
                                " shard");
      rank.matrices[weight] = view;
      return llvm::Error::success();
    }
    const SafetensorsTensor *scale =
        find(weight + (codec == npu::ShardCodec::FP8Block ? ".scale_inv"
                                                              : ".scale"));
    if (!scale || scale->dtypeName != "F32")
      return fail(weight, "has no F32 scale tensor");
    // Sizes first, then reads: a shard smaller than its manifest entry says
    // is an error, not an out-of-bounds read.
    uint64_t codeBytes = 0, scales = 0;
    switch (codec) {
    case npu::ShardCodec::FP8Block:
      codeBytes = *elements;
      scales = ((numRows + 127) / 128) * ((numCols + 127) / 128);
      break;
    case npu::ShardCodec::Int8Channel:
      codeBytes = *elements;
      scales = numRows;
      break;
    case npu::ShardCodec::Int4G128:
      if (numCols % 128 != 0)
        return fail(weight, "has " + Twine(numCols) +
                                " columns, not a multiple of int4 groups of "
                                "128");
      codeBytes = *elements / 2;
      scales = *elements / 128;
      break;
    case npu::ShardCodec::Ggml:
      break;
    }
    if (main->size != codeBytes || scale->size != scales * sizeof(float))
      return fail(weight, "has " + Twine(main->size) + " bytes of " +
                              format->name() + " codes and " +
                              Twine(scale->size / sizeof(float)) +
                              " scales, not the " + Twine(codeBytes) +
                              " and " + Twine(scales) + " of a " +
                              Twine(numRows) + "x" + Twine(numCols) +
                              " shard");
    auto values = std::make_unique<std::vector<float>>(*elements);
    auto floats = [&](const SafetensorsTensor *t) {
      std::vector<float> out(t->size / sizeof(float));
      std::memcpy(out.data(), rank.file->data() + t->offset, t->size);
      return out;
    };
    switch (codec) {
    case npu::ShardCodec::FP8Block: {
      FP8BlockTensor q;
      q.weight.assign(data, data + *elements);
      q.scaleInv = floats(scale);
      dequantizeFP8Block(q, numRows, numCols, values->data());
      break;
    }
    case npu::ShardCodec::Int8Channel: {
      Int8ChannelTensor q;
      q.weight.resize(*elements);
      std::memcpy(q.weight.data(), data, *elements);
      q.scale = floats(scale);
      dequantizeInt8Channel(q, numRows, numCols, values->data());
      break;
    }
    case npu::ShardCodec::Int4G128: {
      Int4GroupTensor q;
      q.packed.resize(*elements / 8);
      q.scale = floats(scale);
      std::memcpy(q.packed.data(), data, main->size);
      dequantizeInt4Group(q, numRows, numCols, 128, values->data());
      break;
    }
    case npu::ShardCodec::Ggml:
      break;
    }
    view.format = Format::F32;
    view.data = reinterpret_cast<const uint8_t *>(values->data());
    rank.owned.push_back(std::move(values));
    rank.matrices[weight] = view;
    return llvm::Error::success();
  }

private:
  /// [begin, end) with 0 <= begin <= end, or nothing.
  static std::optional<std::pair<int64_t, int64_t>> range(const Json &v) {
    if (!v.is_array() || v.size() != 2 || !v[0].is_number_integer() ||
        !v[1].is_number_integer())
      return std::nullopt;
    int64_t begin = v[0].get<int64_t>(), end = v[1].get<int64_t>();
    if (begin < 0 || end < begin || end > INT32_MAX)
      return std::nullopt;
    return std::pair{begin, end};
  }
  const SafetensorsTensor *find(const std::string &key) const {
    auto it = header.tensors.find(key);
    return it == header.tensors.end() ? nullptr : &it->second;
  }
  llvm::Error fail(StringRef weight, const Twine &what) const {
    return loadError(path + ": tensor '" + weight + "' " + what);
  }

  RankWeights &rank;
  const SafetensorsHeader &header;
  std::string path, manifestPath;
};
} // namespace

llvm::Error Loader::loadRanks(const Json &manifest) {
  const Json &ranks = json::getArray(manifest, "ranks");
  if (static_cast<int64_t>(ranks.size()) != a.tp * a.pp)
    return keyError("ranks", "lists " + Twine(ranks.size()) + " ranks, not " +
                                 "the " + Twine(a.tp * a.pp) +
                                 " of tp x pp");
  a.ranks.resize(ranks.size());
  for (size_t i = 0; i < ranks.size(); ++i) {
    const Json &r = ranks[i];
    std::string key = ("ranks[" + Twine(i) + "]").str();
    auto index = intIn(r, "rank", key + ".rank", 0, a.tp * a.pp - 1);
    if (!index)
      return index.takeError();
    RankWeights &rank = a.ranks[*index];
    if (rank.file)
      return keyError(key + ".rank", Twine(*index) + " is listed twice");
    auto path = fileOf(r, "file", key + ".file");
    if (!path)
      return path.takeError();
    if (path->empty())
      return keyError(key + ".file", "is missing");
    // Mapped, not read: the regular-file check comes first (a FIFO would
    // block the open).
    llvm::sys::fs::file_status status;
    if (std::error_code ec = llvm::sys::fs::status(*path, status))
      return loadError(*path + ": cannot read: " + ec.message());
    if (status.type() != llvm::sys::fs::file_type::regular_file)
      return loadError(*path + ": not a regular file");
    auto file = MappedFile::open(*path);
    if (!file)
      return file.takeError();
    rank.file = std::move(*file);
    int64_t bytes = json::getInt(r, "bytes", -1);
    if (bytes >= 0 && static_cast<uint64_t>(bytes) != rank.file->size())
      return loadError(*path + ": " + Twine(rank.file->size()) +
                       " bytes, not the " + Twine(bytes) + " of '" + key +
                       ".bytes' (the file is damaged or was replaced)");
    std::string expected = json::getString(r, "sha256");
    if (expected.empty())
      return keyError(key + ".sha256", "is missing: every file the manifest "
                                       "names has its SHA-256");
    if (sha256Of(rank.file->bytes(0, rank.file->size())) != expected)
      return loadError(*path + ": sha256 differs from the manifest's (the "
                               "file is damaged or was replaced)");
    auto header = readSafetensorsHeader(*path, /*anyDType=*/true);
    if (!header)
      return header.takeError();
    RankLoader loader(rank, *header, *path, manifestPath);
    const Json &tensors = json::getArray(r, "tensors");
    for (size_t t = 0; t < tensors.size(); ++t)
      if (llvm::Error err = loader.bind(
              tensors[t], (key + ".tensors[" + Twine(t) + "]").str()))
        return err;
  }
  return llvm::Error::success();
}

/// Whether the JSON text `text` nests arrays and objects at most `limit`
/// deep (strings skipped): parsing a hostile manifest of a million '[' would
/// otherwise take gigabytes for a few megabytes of input.
static bool nestsAtMost(StringRef text, int limit) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit)
        return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

llvm::Error Loader::load() {
  auto buffer = readSmallFileBuffer(manifestPath, kMaxManifestFileBytes, "manifest");
  if (!buffer)
    return buffer.takeError();
  // A manifest nests 6 levels deep.
  constexpr int kMaxManifestDepth = 32;
  if (!nestsAtMost((*buffer)->getBuffer(), kMaxManifestDepth))
    return loadError(manifestPath + ": JSON nested deeper than " +
                     Twine(kMaxManifestDepth) + " levels");
  Json manifest = Json::parse((*buffer)->getBuffer(), nullptr, false);
  if (manifest.is_discarded() ||
      json::getString(manifest, "format") != "llmq-npu-artifact")
    return loadError(manifestPath + ": not an llmq NPU artifact manifest");
  if (int64_t version = json::getInt(manifest, "version", -1); version != 1)
    return loadError(manifestPath + ": manifest version " + Twine(version) +
                     " is not the supported version 1");
  if (llvm::Error err = loadModel(manifest))
    return err;
  if (llvm::Error err = loadBuckets(manifest))
    return err;
  if (llvm::Error err = loadTokenizer(manifest))
    return err;
  const Json &graphs = json::getArray(manifest, "graphs");
  for (size_t i = 0; i < graphs.size(); ++i)
    if (llvm::Error err = loadGraph(graphs[i], i))
      return err;
  if (a.graphs.empty())
    return loadError(manifestPath + ": the artifact has no graphs");
  return loadRanks(manifest);
}

llvm::Expected<std::unique_ptr<Artifact>>
Artifact::open(StringRef dir, mlir::MLIRContext &context) {
  context.loadDialect<mlir::llmq_graph::GraphDialect, mlir::func::FuncDialect>();
  std::unique_ptr<Artifact> a(new Artifact());
  a->dir = dir.str();
  if (llvm::Error err = Loader(*a, context).load())
    return std::move(err);
  return std::move(a);
}
