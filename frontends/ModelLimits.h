//===- ModelLimits.h - Bounds on hyperparameters read from files -*- C++ -*-===//
//
// Both importers read hyperparameters from untrusted files and size things
// by them (one block per layer, shapes of every weight). Each is checked
// against a bound far above any released model before it is used, so a
// hostile value gives one error line instead of an allocation of gigabytes
// or an overflowing shape. docs/frontends/hf.md and gguf.md list them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FRONTENDS_MODELLIMITS_H
#define LLMQ_FRONTENDS_MODELLIMITS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llmq {

inline constexpr int64_t kMaxLayers = 4096;
inline constexpr int64_t kMaxHidden = int64_t(1) << 20;
inline constexpr int64_t kMaxHeads = 4096;
inline constexpr int64_t kMaxHeadDim = int64_t(1) << 16;
inline constexpr int64_t kMaxFfn = int64_t(1) << 24;
inline constexpr int64_t kMaxVocab = int64_t(1) << 22;
inline constexpr int64_t kMaxContext = int64_t(1) << 24;

/// Checks lo <= value <= hi; the error names `path` and `key` and shows the
/// value and the bounds.
inline llvm::Error checkLimit(llvm::StringRef path, llvm::StringRef key,
                              int64_t value, int64_t lo, int64_t hi) {
  if (value >= lo && value <= hi)
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 path + ": '" + key + "' is " +
                                     llvm::Twine(value) + ", outside [" +
                                     llvm::Twine(lo) + ", " + llvm::Twine(hi) +
                                     "]");
}

} // namespace llmq

#endif // LLMQ_FRONTENDS_MODELLIMITS_H
