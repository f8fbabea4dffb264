//===- Merge.h - Pairwise merging of BPE symbols ----------------*- C++ -*-===//
//
// The merge loop both tokenizer kinds share. A word starts as its
// characters; the adjacent pair with the best priority merges into one
// symbol, the leftmost one among equals, and its new neighbours are looked
// up again, until no adjacent pair merges. Byte-level BPE ranks pairs by
// merge rank, SentencePiece-style by the score of the merged token (the
// priority is its negation), exactly as llama.cpp's llm_tokenizer_bpe and
// llm_tokenizer_spm sessions do.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_TOKENIZER_MERGE_H
#define LLMQ_RUNTIME_TOKENIZER_MERGE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace llmq {

/// Sets `priority` for merging the adjacent symbols `left` and `right`
/// (lower merges first) and returns true, or returns false when the pair
/// does not merge.
using MergePriorityFn = llvm::function_ref<bool(
    llvm::StringRef left, llvm::StringRef right, double &priority)>;

/// Appends the symbols `word` merges into, in order; they point into `word`
/// and together cover it. Characters are cut by the lead byte's length, so
/// invalid UTF-8 still splits into whole bytes.
void mergeSymbols(llvm::StringRef word, MergePriorityFn priority,
                  std::vector<llvm::StringRef> &symbols);

} // namespace llmq

#endif // LLMQ_RUNTIME_TOKENIZER_MERGE_H
