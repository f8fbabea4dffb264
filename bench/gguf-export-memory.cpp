//===- gguf-export-memory.cpp - Peak memory of the GGUF exporter ----------===//
//
// Writes a synthetic Llama checkpoint of about --gib GiB (bf16, real
// safetensors layout), then runs `quant-translate --import-hf` and
// `--export-gguf` on it as child processes and prints each one's peak
// resident memory (wait4's ru_maxrss) next to the budget the design sets:
// 64 MiB plus the largest tensor. Memory must not grow with the model, so
// run it at two sizes and compare.
//
//   gguf-export-memory [--gib N] [--tools DIR] [--work DIR] [--keep]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

using namespace bench;

int main(int argc, char **argv) {
  BenchOptions o = parseBenchOptions(argc, argv, "/tmp/llmq-bench-memory");
  std::string tools = o.tools, work = o.work;
  bool keep = o.keep;
  Shape shape = shapeOfGiB(atof(o.get("gib", "1").c_str()));
  const double mib = 1024.0 * 1024.0;
  uint64_t largest = 0;
  std::string dir = writeBenchCheckpoint(o, shape, "gguf-export-memory", "", &largest);
  if (dir.empty())
    return 1;
  long importKiB = runMeasured({tools + "/quant-translate", "--import-hf", dir,
                                "-o", work + "/m.mlir"});
  printf("import-hf           peak RSS %7.1f MiB\n", importKiB / 1024.0);
  if (importKiB < 0)
    return 1;
  double budget = 64 + largest / mib;
  int status = 0;
  for (const char *type : {"f16", "q8_0", "f32"}) {
    long kib = runMeasured({tools + "/quant-translate", "--export-gguf",
                            work + "/m.mlir", "--type", type, "-o",
                            work + "/m.gguf"});
    if (kib < 0) {
      printf("export-gguf %-5s failed\n", type);
      return 1;
    }
    bool within = kib / 1024.0 < budget;
    printf("export-gguf %-5s   peak RSS %7.1f MiB (budget 64 MiB + largest "
           "tensor = %.1f MiB): %s\n",
           type, kib / 1024.0, budget, within ? "within" : "OVER");
    status |= !within;
    unlink((work + "/m.gguf").c_str());
  }
  printf("measured with wait4() ru_maxrss of each child process\n");
  if (!keep)
    unlink((dir + "/model.safetensors").c_str());
  return status;
}
