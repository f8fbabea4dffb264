//===- Commands.h - quant-run's subcommands ---------------------*- C++ -*-===//

#ifndef LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
#define LLMQ_TOOLS_QUANT_RUN_COMMANDS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

namespace llmq {

/// Runs the subcommand the command line chose. The subcommands and their
/// options are llvm::cl globals of Commands.cpp, registered at start-up.
llvm::Error runSelectedCommand();

/// The category of every quant-run option, so that --help shows only those
/// (libLLVM registers hundreds of back-end options).
llvm::cl::OptionCategory &commandCategory();

} // namespace llmq

#endif // LLMQ_TOOLS_QUANT_RUN_COMMANDS_H
