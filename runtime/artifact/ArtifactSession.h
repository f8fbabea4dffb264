//===- ArtifactSession.h - Decoding through an artifact's graphs -*- C++ -*-===//
//
// Runs tokens the way a serving runtime drives an NPU artifact: a prompt
// through the smallest prefill bucket that holds it (padded), then one
// token at a time through the smallest decode bucket whose KV cache holds
// the position (or, where no decode bucket does, the whole sequence again
// through a prefill bucket). Each rank's KV cache lives here, sized for the largest
// bucket; graphs see it through their cache arguments.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_ARTIFACT_ARTIFACTSESSION_H
#define LLMQ_RUNTIME_ARTIFACT_ARTIFACTSESSION_H

#include "runtime/artifact/Artifact.h"

namespace llmq::runtime {

class ArtifactSession : public Decoder {
public:
  static llvm::Expected<std::unique_ptr<Decoder>>
  create(const Artifact &artifact, ThreadPool &pool, int64_t maxPositions);

  llvm::Error forward(llvm::ArrayRef<int32_t> tokens,
                      std::vector<float> &logits, bool allLogits) override;
  void reset() override {
    position = 0;
    history.clear();
  }

private:
  ArtifactSession(const Artifact &artifact, ThreadPool &pool)
      : artifact(artifact), pool(pool) {}
  /// Runs every graph of (phase, batch, length) on `tokens` at `position`;
  /// `logits` gets vocab floats per token.
  llvm::Error run(bool prefill, int64_t batch, int64_t length,
                  llvm::ArrayRef<int32_t> tokens, std::vector<float> &logits);

  const Artifact &artifact;
  ThreadPool &pool;
  int64_t position = 0;
  /// The tokens at positions [0, position): an artifact without a decode
  /// bucket that fits prefills them again with the new ones.
  std::vector<int32_t> history;
  int64_t maxBatch = 1, maxLength = 1;
  /// Per global rank, per block of its stage: keys and values.
  std::vector<std::vector<std::vector<float>>> keys, values;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_ARTIFACT_ARTIFACTSESSION_H
