//===- rotate-memory.cpp - Time and peak memory of --llmq-rotate ----------===//
//
// Writes a synthetic Llama checkpoint of about --gib GiB (bf16, default 1),
// imports it and runs `quant-opt --llmq-rotate` on it as a child process,
// printing the wall time, the CPU time and the peak resident memory
// (wait4's ru_maxrss, mapped pages included) next to the budget the pass is
// built for: the tool on the same IR without a pass (measured), plus the
// largest tensor whose rows mix (o, down, v: gathered whole, one at a
// time, as f32), plus 24 MiB: a strip of about 4 MiB of f32 rows (every
// other tensor streams through it, its source pages handed back after
// each) and the pass's own code. None of it grows with the number of
// blocks: run it at --gib 1 and --gib 2 for the same peak. The parameter file it writes (f32) is compared with
// the bf16 source for scale, and a second run with --seed checks that the
// same options give the same bytes. A tied checkpoint (--tied) measures the
// untying too.
//
//   rotate-memory [--gib N] [--tied] [--tools DIR] [--work DIR] [--keep]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

using namespace bench;

static uint64_t fileBytes(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

int main(int argc, char **argv) {
  BenchOptions o =
      parseBenchOptions(argc, argv, "/tmp/llmq-bench-rotate", {"tied"});
  Shape shape = shapeOfGiB(atof(o.get("gib", "1").c_str()));
  shape.tied = o.get("tied", "") == "1";
  shape.signedValues = true;
  const double mib = 1024.0 * 1024.0;
  std::string dir = writeBenchCheckpoint(o, shape, "rotate-memory",
                                         shape.tied ? "tied, " : "");
  if (dir.empty())
    return 1;
  std::string ir = o.work + "/m.mlir";
  if (runMeasured({o.tools + "/quant-translate", "--import-hf", dir, "-o",
                   ir}) < 0) {
    printf("rotate-memory: import-hf failed\n");
    return 1;
  }

  // The tool itself on this IR, no pass: the context, the IR, the code.
  long baseKiB = runMeasured({o.tools + "/quant-opt", ir, "-o",
                              o.work + "/same.mlir"});
  if (baseKiB < 0) {
    printf("rotate-memory: quant-opt without a pass failed\n");
    return 1;
  }
  // The largest tensor whose rows mix, as f32; 24 MiB for a strip (4 MiB
  // of f32 rows and their source pages) and the pass's own code and tables.
  int64_t headDim = shape.hidden / shape.heads;
  double mixing = 4.0 * shape.hidden *
                  std::max(shape.ffn, shape.heads * headDim) / mib;
  double base = baseKiB / 1024.0;
  double budget = base + mixing + 24;

  std::string params[2] = {o.work + "/rot1.safetensors",
                           o.work + "/rot2.safetensors"};
  int status = 0;
  for (int i = 0; i < 2; ++i) {
    double seconds = 0, cpu = 0;
    long kib = runMeasured({o.tools + "/quant-opt", ir,
                            "--llmq-rotate=out=" + params[i] + " seed=5",
                            "-o", o.work + "/rot.mlir"},
                           &seconds, "", o.work + "/rotate.log", &cpu);
    if (kib < 0) {
      printf("rotate-memory: quant-opt --llmq-rotate failed (%s)\n",
             (o.work + "/rotate.log").c_str());
      return 1;
    }
    bool within = kib / 1024.0 < budget;
    status |= !within;
    printf("--llmq-rotate run %d: %.1f s wall, %.1f s CPU, peak RSS %.1f MiB "
           "(budget: the tool without a pass %.1f MiB + largest mixing "
           "tensor as f32 %.1f MiB + 24 MiB = %.1f MiB): %s\n",
           i + 1, seconds, cpu, kib / 1024.0, base, mixing, budget,
           within ? "within" : "OVER");
  }
  uint64_t source = fileBytes(dir + "/model.safetensors");
  uint64_t written = fileBytes(params[0]);
  bool same = system(("cmp -s " + params[0] + " " + params[1]).c_str()) == 0;
  status |= !same;
  printf("source %.1f MiB bf16, parameter file %.1f MiB f32; the two runs "
         "wrote %s bytes\n",
         source / mib, written / mib, same ? "the same" : "DIFFERENT");
  printf("measured with wait4() ru_maxrss of each child process\n");
  if (!o.keep) {
    unlink((dir + "/model.safetensors").c_str());
    unlink(params[0].c_str());
    unlink(params[1].c_str());
  }
  return status;
}
