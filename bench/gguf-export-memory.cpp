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
  double gib = 1.0;
  // The tools are built next to this program.
  char self[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string tools = n > 0 ? std::string(self, n) : std::string("build/bin/x");
  tools = tools.substr(0, tools.rfind('/'));
  std::string work = "/tmp/llmq-bench-memory";
  bool keep = false;
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "--keep"))
      keep = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--gib"))
      gib = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--tools"))
      tools = argv[i + 1];
    else if (!strcmp(argv[i], "--work"))
      work = argv[i + 1];
  }
  Shape shape;
  // Embedding and head are fixed; add blocks until the size is reached.
  uint64_t perLayer = 0, fixed = 0;
  for (const Tensor &t : makeTensors(shape))
    (t.name.rfind("model.layers.", 0) == 0 ? perLayer : fixed) += t.bytes();
  double target = gib * (1ull << 30);
  shape.layers = std::max<int64_t>(1, (int64_t)((target - fixed) / perLayer));

  std::string dir = work + "/ckpt";
  mkdir(work.c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  uint64_t total = 0, largest = 0;
  if (!writeCheckpoint(dir, shape, total, largest)) {
    fprintf(stderr, "gguf-export-memory: cannot write %s\n", dir.c_str());
    return 1;
  }
  double mib = 1024.0 * 1024.0;
  printf("checkpoint: %lld blocks, %.1f MiB bf16, largest tensor %.1f MiB\n",
         (long long)shape.layers, total / mib, largest / mib);
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
