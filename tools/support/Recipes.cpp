//===- Recipes.cpp - Response files a user keeps --------------------------===//

#include "tools/support/Recipes.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"

llvm::Error llmq::expandRecipes(int argc, char **argv,
                                 llvm::BumpPtrAllocator &allocator,
                                 llvm::SmallVectorImpl<const char *> &args) {
  args.assign(argv, argv + argc);
  for (const char *arg : llvm::drop_begin(args)) {
    llvm::StringRef name(arg);
    if (!name.consume_front("@"))
      continue;
    if (!llvm::sys::fs::exists(name))
      return llvm::createStringError("cannot read recipe '" + name +
                                     "': no such file");
    if (llvm::sys::fs::is_directory(name))
      return llvm::createStringError("cannot read recipe '" + name +
                                     "': it is a directory");
  }
  llvm::cl::ExpansionContext expansion(allocator, llvm::cl::tokenizeConfigFile);
  expansion.setRelativeNames(true);
  return expansion.expandResponseFiles(args);
}

