//===- quant-run.cpp - Run llmq models on the CPU -------------------------===//
//
// quant-run logits   MODEL --ids 0,57,924 [--top K]
// quant-run ppl      MODEL --text FILE [--ctx N]
// quant-run kld      BASE OTHER --text FILE [--ctx N]
// quant-run generate MODEL --prompt TEXT -n N [--temperature T --seed S]
// quant-run speed    BASE OTHER --prompt TEXT [-n N --repeat R --json]
//
// MODEL is a Hugging Face directory or llmq IR. The work is in runtime/.
//
//===----------------------------------------------------------------------===//

#include "tools/quant-run/Commands.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"

using namespace llmq;
namespace cl = llvm::cl;

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  for (cl::SubCommand *sub : cl::getRegisteredSubcommands())
    cl::HideUnrelatedOptions(commandCategory(), *sub);
  cl::ParseCommandLineOptions(argc, argv, "llmq reference CPU runtime\n");
  if (llvm::Error err = runSelectedCommand()) {
    llvm::WithColor::error(llvm::errs(), "quant-run")
        << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}
