//===- Commands.h - quant-run's subcommands ---------------------*- C++ -*-===//

#ifndef LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
#define LLMQ_TOOLS_QUANT_RUN_COMMANDS_H

#include "llvm/Support/Error.h"

namespace llmq {

/// Declares the subcommands and their options with llvm::cl.
void registerRunCommands();
/// Runs the subcommand the command line chose.
llvm::Error runSelectedCommand();

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
