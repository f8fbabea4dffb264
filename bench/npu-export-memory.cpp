//===- npu-export-memory.cpp - Peak memory of the NPU artifact exporter ---===//
//
// Writes a synthetic checkpoint with Llama-3-70B dimensions (hidden 8192,
// 64 heads, 8 kv heads, ffn 28672, vocab 128256; 2 blocks, bf16: about
// 7.6 GB), imports it with `quant-translate --import-hf` and exports an NPU
// artifact at --tp 32 (prefill bucket 1x128, decode bucket 1x256), each as a
// child process, and prints each one's peak resident memory (wait4's
// ru_maxrss) against the 2 GiB budget of issue 8. The artifact is about as
// large as the checkpoint: give --work a disk with ~16 GB free.
//
//   npu-export-memory [--tp N] [--weights FORMAT] [--tools DIR] [--work DIR]
//                     [--keep]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <cstdlib>
#include <cstring>
#include <sys/stat.h>

using namespace bench;

int main(int argc, char **argv) {
  BenchOptions o = parseBenchOptions(argc, argv, "/tmp/llmq-bench-npu-memory");
  std::string tools = o.tools, work = o.work;
  bool keep = o.keep;
  std::string weights = o.get("weights", ""), tp = o.get("tp", "32");
  Shape shape = llama70BShape(2);
  std::string dir = writeBenchCheckpoint(o, shape, "npu-export-memory",
                                         "Llama-3-70B dimensions, ");
  if (dir.empty())
    return 1;
  std::string artifact = work + "/artifact";
  long importKiB = runMeasured({tools + "/quant-translate", "--import-hf", dir,
                                "-o", work + "/m.mlir"});
  printf("import-hf            peak RSS %7.1f MiB\n", importKiB / 1024.0);
  if (importKiB < 0)
    return 1;
  std::vector<std::string> args = {
      tools + "/quant-translate", "--export-npu-artifact", work + "/m.mlir",
      "--tp", tp, "--prefill-buckets", "1x128", "--decode-buckets", "1x256",
      "-o", artifact, "--force"}; // replaces a --keep run's artifact
  if (!weights.empty()) {
    args.push_back("--weights");
    args.push_back(weights);
  }
  double seconds = 0;
  long kib = runMeasured(args, &seconds);
  if (kib < 0) {
    printf("export-npu-artifact --tp %s failed\n", tp.c_str());
    return 1;
  }
  const double budget = 2048;
  bool within = kib / 1024.0 < budget;
  printf("export-npu-artifact --tp %s%s%s: peak RSS %.1f MiB (budget %.0f "
         "MiB): %s; %.1f s\n",
         tp.c_str(), weights.empty() ? "" : " --weights ", weights.c_str(),
         kib / 1024.0, budget, within ? "within" : "OVER", seconds);
  printf("measured with wait4() ru_maxrss of each child process\n");
  if (!keep) {
    unlink((dir + "/model.safetensors").c_str());
    std::string rm = "rm -rf '" + artifact + "'";
    if (system(rm.c_str()) != 0)
      fprintf(stderr, "npu-export-memory: cannot remove %s\n",
              artifact.c_str());
  }
  return within ? 0 : 1;
}
