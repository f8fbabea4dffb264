//===- ArtifactSession.cpp - Decoding through an artifact's graphs --------===//

#include "runtime/artifact/ArtifactSession.h"

#include "runtime/artifact/GraphExecutor.h"

#include "backends/NPU/ArtifactLimits.h"

#include <cstring>

using namespace llmq;
using namespace llmq::runtime;
using llvm::Twine;

static llvm::Error sessionError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<std::unique_ptr<Decoder>>
ArtifactSession::create(const Artifact &a, ThreadPool &pool,
                        int64_t maxPositions) {
  std::unique_ptr<ArtifactSession> s(new ArtifactSession(a, pool));
  for (const ArtifactGraph &g : a.graphs) {
    s->maxBatch = std::max(s->maxBatch, g.batch);
    s->maxLength = std::max(s->maxLength, g.length);
  }
  if (maxPositions > s->maxLength)
    return sessionError("artifact '" + a.name + "': " + Twine(maxPositions) +
                        " positions exceed its largest bucket (" +
                        Twine(s->maxLength) + ")");
  // The largest batch and the longest length may come from different
  // buckets: each bucket is within the limits (Artifact::open checks), their
  // combination is checked here.
  std::optional<int64_t> cache =
      npu::checkedProduct({s->maxBatch, s->maxLength, a.cacheFeatures});
  std::optional<int64_t> total =
      cache ? npu::checkedProduct({*cache, 2, a.tp, a.numLayers})
            : std::nullopt;
  if (!total || *total > npu::kMaxBucketValues)
    return sessionError("artifact '" + a.name + "': the KV caches of " +
                        Twine(s->maxBatch) + " sequences x " +
                        Twine(s->maxLength) + " positions x " +
                        Twine(a.numLayers) + " blocks x " + Twine(a.tp) +
                        " ranks are more than the limit of " +
                        Twine(npu::kMaxBucketValues) + " values");
  s->keys.resize(a.ranks.size());
  s->values.resize(a.ranks.size());
  for (size_t rank = 0; rank < a.ranks.size(); ++rank) {
    auto [first, end] = a.stages[rank / a.tp];
    s->keys[rank].assign(end - first, std::vector<float>(*cache));
    s->values[rank].assign(end - first, std::vector<float>(*cache));
  }
  return std::unique_ptr<Decoder>(std::move(s));
}

/// The bucket of `phase` with room for `need` tokens or positions: the
/// smallest length, then the smallest batch; 0 when none fits.
static std::pair<int64_t, int64_t> pickBucket(const Artifact &a, bool prefill,
                                              int64_t need) {
  std::pair<int64_t, int64_t> best{0, 0};
  for (const ArtifactGraph &g : a.graphs)
    if (g.prefill == prefill && g.length >= need &&
        (best.second == 0 || g.length < best.second ||
         (g.length == best.second && g.batch < best.first)))
      best = {g.batch, g.length};
  return best;
}

llvm::Error ArtifactSession::run(bool prefill, int64_t batch, int64_t length,
                                 llvm::ArrayRef<int32_t> tokens,
                                 std::vector<float> &logits) {
  int64_t seq = prefill ? length : 1, tp = artifact.tp;
  // Batch row 0 holds the sequence; padding tokens come after it (and other
  // rows repeat position 0), so causal attention never lets them in.
  GraphTensor ids, positions;
  ids.shape = {batch, seq};
  ids.i.assign(batch * seq, 0);
  std::copy(tokens.begin(), tokens.end(), ids.i.begin());
  positions.shape = {batch};
  positions.i.assign(batch, 0);
  positions.i[0] = static_cast<int32_t>(position);

  Mailbox mailbox;
  std::vector<std::vector<llvm::StringMap<GraphTensor>>> ports(
      artifact.pp, std::vector<llvm::StringMap<GraphTensor>>(tp));
  for (const ArtifactGraph &g : artifact.graphs) {
    if (g.prefill != prefill || g.batch != batch || g.length != length)
      continue;
    auto &stagePorts = ports[g.stage];
    for (int64_t r = 0; r < tp; ++r) {
      int64_t rank = g.stage * tp + r;
      int64_t firstBlock = artifact.stages[g.stage].first;
      for (const std::string &name : g.inputs) {
        llvm::StringRef port(name);
        if (port == "ids" || port == "positions") {
          GraphTensor t;
          t.shape = port == "ids" ? ids.shape : positions.shape;
          t.i = port == "ids" ? ids.i : positions.i;
          stagePorts[r][name] = std::move(t);
        } else if (port.starts_with("k_cache.") ||
                   port.starts_with("v_cache.")) {
          int64_t block = 0;
          port.drop_front(8).getAsInteger(10, block);
          auto &store = port[0] == 'k' ? keys : values;
          GraphTensor t;
          t.shape = {batch, length, artifact.cacheFeatures};
          t.view = store[rank][block - firstBlock].data();
          t.batchStride = maxLength * artifact.cacheFeatures;
          stagePorts[r][name] = std::move(t);
        }
      }
    }
    if (llvm::Error err =
            artifact.engine
                ? artifact.engine->run(g, stagePorts, mailbox, pool)
                : runGraph(artifact, g, stagePorts, mailbox, pool))
      return err;
  }
  auto &last = ports[artifact.pp - 1][0];
  auto it = last.find("logits");
  if (it == last.end())
    return sessionError("artifact '" + artifact.name +
                        "': no graph produced logits for bucket " +
                        Twine(batch) + "x" + Twine(length));
  int64_t vocab = artifact.vocab;
  // Artifact::open checked the logits port against the vocabulary; a graph
  // that still returned fewer values is an error, not a read past them.
  if (it->second.view ||
      it->second.f.size() < tokens.size() * static_cast<size_t>(vocab))
    return sessionError("artifact '" + artifact.name + "': the logits of "
                        "bucket " + Twine(batch) + "x" + Twine(length) +
                        " hold " + Twine(it->second.f.size()) +
                        " values, fewer than " + Twine(tokens.size()) +
                        " tokens x " + Twine(vocab));
  logits.assign(it->second.f.begin(),
                it->second.f.begin() + tokens.size() * vocab);
  return llvm::Error::success();
}

llvm::Error ArtifactSession::forward(llvm::ArrayRef<int32_t> tokens,
                                     std::vector<float> &logits,
                                     bool allLogits) {
  int64_t n = tokens.size(), vocab = artifact.vocab;
  if (n == 0)
    return llvm::Error::success();
  for (int32_t id : tokens)
    if (id < 0 || id >= vocab)
      return sessionError("token id " + Twine(id) +
                          " is outside the vocabulary [0, " + Twine(vocab) +
                          ")");
  std::vector<float> all;
  bool decodeFits =
      position > 0 && pickBucket(artifact, /*prefill=*/false, position + 1).second;
  if (!decodeFits) {
    // From an empty cache: the history and the new tokens in one prefill.
    std::vector<int32_t> sequence = history;
    sequence.insert(sequence.end(), tokens.begin(), tokens.end());
    int64_t total = sequence.size();
    auto [batch, length] = pickBucket(artifact, /*prefill=*/true, total);
    if (length > 0) {
      position = 0;
      if (llvm::Error err = run(true, batch, length, sequence, all))
        return err;
      position = total;
      history = std::move(sequence);
      logits.assign(all.end() - (allLogits ? n : 1) * vocab, all.end());
      return llvm::Error::success();
    }
  }
  // One token at a time through decode buckets.
  logits.clear();
  std::vector<float> step;
  for (int32_t token : tokens) {
    auto [batch, length] = pickBucket(artifact, /*prefill=*/false, position + 1);
    if (length == 0)
      return sessionError("artifact '" + artifact.name + "': no " +
                          (position == 0 ? "prefill bucket holds " +
                                               Twine(n) + " tokens and no "
                                         : Twine()) +
                          "decode bucket holds position " + Twine(position));
    if (llvm::Error err = run(false, batch, length, {token}, step))
      return err;
    ++position;
    history.push_back(token);
    if (allLogits)
      logits.insert(logits.end(), step.begin(), step.end());
  }
  if (!allLogits)
    logits = std::move(step);
  return llvm::Error::success();
}
