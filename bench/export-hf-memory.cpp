//===- export-hf-memory.cpp - Peak memory of the Hugging Face exporter ----===//
//
// Issue 13, acceptance 5: writes a synthetic checkpoint with Llama-3-70B
// dimensions (hidden 8192, 64 heads, 8 kv heads, ffn 28672, vocab 128256;
// 2 blocks, bf16: about 7.6 GB), imports it with `quant-translate
// --import-hf`, gives every block matrix a format by editing the IR (as
// `--llmq-assign-bits preset=fp8` / `preset=w4a16` would: FP8 128x128
// blocks, then int4 groups of 128, symmetric), and exports each with
// `quant-translate --export-hf`, every tool a child process. Prints each
// child's peak resident memory (wait4's ru_maxrss) against the 1 GiB
// target. The exports are about 6 GB and 5 GB (embedding and head stay
// bf16): give --work a disk with ~20 GB free. Everything is deleted
// afterwards unless --keep.
//
//   export-hf-memory [--tools DIR] [--work DIR] [--keep]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace bench;

/// Copies the IR at `from` to `to`, giving every 2-D block weight `format`.
static bool assignFormat(const std::string &from, const std::string &to,
                         const std::string &format) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  int assigned = 0;
  while (std::getline(in, line)) {
    size_t weight = line.find("llmq.weight @blk.");
    size_t type = line.find(": tensor<");
    size_t brace = line.find(" {", type == std::string::npos ? 0 : type);
    if (weight != std::string::npos && type != std::string::npos &&
        brace != std::string::npos) {
      std::string shape = line.substr(type, brace - type);
      // Two dimensions: "tensor<AxBxbf16>" has two 'x' before the type.
      if (std::count(shape.begin(), shape.end(), 'x') == 2) {
        line.insert(brace + 2, "format = " + format + ", ");
        ++assigned;
      }
    }
    out << line << "\n";
  }
  return assigned > 0 && out.good();
}

int main(int argc, char **argv) {
  BenchOptions o = parseBenchOptions(argc, argv, "/tmp/llmq-bench-hf-memory");
  std::string tools = o.tools, work = o.work;
  bool keep = o.keep;
  Shape shape = llama70BShape(2);
  std::string dir = writeBenchCheckpoint(o, shape, "export-hf-memory",
                                         "Llama-3-70B dimensions, ");
  if (dir.empty())
    return 1;
  long importKiB = runMeasured({tools + "/quant-translate", "--import-hf", dir,
                                "-o", work + "/m.mlir"});
  printf("import-hf                 peak RSS %7.1f MiB\n", importKiB / 1024.0);
  if (importKiB < 0)
    return 1;

  const double budget = 1024;
  bool allWithin = true;
  struct Case {
    const char *name, *format;
  } cases[] = {{"fp8_block", "#llmq.format<fp8_e4m3, block = [128, 128]>"},
               {"int4_g128", "#llmq.format<int4, group = 128>"}};
  for (const Case &c : cases) {
    std::string ir = work + "/" + c.name + ".mlir";
    std::string out = work + "/" + c.name;
    if (!assignFormat(work + "/m.mlir", ir, c.format)) {
      fprintf(stderr, "export-hf-memory: cannot write %s\n", ir.c_str());
      return 1;
    }
    double seconds = 0;
    long kib = runMeasured({tools + "/quant-translate", "--export-hf", ir, "-o",
                            out, "--force"},
                           &seconds);
    if (kib < 0) {
      printf("export-hf (%s) failed\n", c.name);
      return 1;
    }
    bool within = kib / 1024.0 < budget;
    allWithin &= within;
    printf("export-hf %-15s peak RSS %7.1f MiB (target %.0f MiB): %s; "
           "%.1f s\n",
           c.name, kib / 1024.0, budget, within ? "within" : "OVER", seconds);
    if (!keep) {
      std::string rm = "rm -rf '" + out + "'";
      if (system(rm.c_str()) != 0)
        fprintf(stderr, "export-hf-memory: cannot remove %s\n", out.c_str());
    }
  }
  printf("measured with wait4() ru_maxrss of each child process\n");
  if (!keep) {
    std::string rm = "rm -rf '" + work + "'";
    if (system(rm.c_str()) != 0)
      fprintf(stderr, "export-hf-memory: cannot remove %s\n", work.c_str());
  }
  return allWithin ? 0 : 1;
}
