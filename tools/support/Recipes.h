//===- Recipes.h - Response files a user keeps ------------------*- C++ -*-===//
//
// A recipe is an LLVM response file (`quant-opt model.mlir @recipe.opt`,
// `quant-translate ... @recipe.translate`) with `#` comment lines, expanded
// by the tools themselves (docs/recipes/README.md).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TOOLS_SUPPORT_RECIPES_H
#define LLMQ_TOOLS_SUPPORT_RECIPES_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/Error.h"

namespace llmq {

/// Expands the response files (recipes) in \p argv into \p args, whose
/// strings \p allocator keeps until main returns. llvm::cl would expand them
/// itself but frees the strings once parsing returns, while the pass pipeline
/// parser keeps references to the pass options in them (a pass flag with
/// options read from a response file then read freed memory). A recipe may
/// hold comment lines starting with `#` (llvm::cl's config-file syntax);
/// nested `@file`s are relative to the file naming them. A recipe that does
/// not exist, or is a directory, is an error here, not an extra positional
/// argument.
llvm::Error expandRecipes(int argc, char **argv,
                          llvm::BumpPtrAllocator &allocator,
                          llvm::SmallVectorImpl<const char *> &args);

} // namespace llmq

#endif // LLMQ_TOOLS_SUPPORT_RECIPES_H
