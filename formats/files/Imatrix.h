//===- Imatrix.h - llama.cpp's importance matrix file (GGUF) ----*- C++ -*-===//
//
// The importance matrix as current llama.cpp's llama-imatrix writes it: a
// GGUF file with `general.type = "imatrix"`, `imatrix.datasets` (array of
// strings), `imatrix.chunk_count` and `imatrix.chunk_size` (uint32), and per
// matrix, in order of name, the F32 tensors `<name>.in_sum2` (ne = {cols,
// nmat}: the sum of squared inputs per input channel), `<name>.counts` (ne =
// {1, nmat}: how many input rows were summed) and, where present,
// `<name>.in_sum` (ne = {cols, nmat}: the plain sums). `<name>` is the
// llama.cpp tensor name of the weight ("blk.0.attn_q.weight"); nmat is 1 for
// dense weights. The per-channel importance is in_sum2 / counts.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_IMATRIX_H
#define LLMQ_FORMATS_FILES_IMATRIX_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace llmq {

struct ImatrixEntry {
  std::string name; ///< llama.cpp tensor name, e.g. "blk.0.attn_q.weight"
  int64_t cols = 0; ///< input channels
  int64_t nmat = 1; ///< matrices (experts); 1 for dense weights
  std::vector<float> sum2;   ///< cols * nmat
  std::vector<float> counts; ///< nmat
  std::vector<float> sum;    ///< cols * nmat, or empty (older files)

  /// in_sum2 / counts for matrix `mat`, channel `col` (0 where count is 0).
  float mean2(int64_t col, int64_t mat = 0) const {
    float count = counts[mat];
    return count > 0 ? sum2[mat * cols + col] / count : 0.0f;
  }
};

struct Imatrix {
  std::vector<std::string> datasets;
  uint32_t chunkCount = 0, chunkSize = 0;
  std::vector<ImatrixEntry> entries; ///< sorted by name when written

  const ImatrixEntry *find(llvm::StringRef name) const;
};

/// Writes `imatrix` to `path` (atomically), entries in order of name.
llvm::Error writeImatrix(const Imatrix &imatrix, llvm::StringRef path);

/// Reads an imatrix GGUF. Errors name the file and the tensor at fault.
llvm::Expected<Imatrix> readImatrix(llvm::StringRef path);

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_IMATRIX_H
