//===- Commands.h - quant-run's subcommands ---------------------*- C++ -*-===//

#ifndef LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
#define LLMQ_TOOLS_QUANT_RUN_COMMANDS_H

#include "llvm/Support/Error.h"

namespace llmq {

/// Runs the subcommand the command line chose. The subcommands and their
/// options are llvm::cl globals of Commands.cpp, registered at start-up.
llvm::Error runSelectedCommand();

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
