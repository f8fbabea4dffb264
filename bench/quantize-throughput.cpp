//===- quantize-throughput.cpp - Speed of every quantizer -----------------===//
//
// MB of f32 input quantized per second for each format in the registry, at 1
// and 2 threads (rows split across threads, as the GGUF exporter does),
// on a 2048 x 4096 matrix of N(0, 0.02) values with a few outliers. Also
// checks that both thread counts write the same bytes.
//
//   quantize-throughput [--rows R] [--cols C] [--imatrix] [--format NAME]
//
// --format measures only the named format (e.g. to profile one).
//
//===----------------------------------------------------------------------===//

#include "formats/Formats.h"


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

using namespace llmq;

/// Quantizes every row with `threads` threads, each taking a contiguous
/// range of rows; returns the seconds taken.
static double quantizeAll(const FormatTraits &t, const std::vector<float> &w,
                          int64_t rows, int64_t cols, const float *importance,
                          unsigned threads, std::vector<uint8_t> &out) {
  size_t rowBytes = (cols / t.blockElems) * t.blockBytes;
  out.assign(rowBytes * rows, 0);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (unsigned k = 0; k < threads; ++k)
    workers.emplace_back([&, k] {
      for (int64_t r = rows * k / threads; r < rows * (k + 1) / threads; ++r)
        t.quantizeRow(w.data() + r * cols, out.data() + r * rowBytes, cols,
                      importance);
    });
  for (std::thread &worker : workers)
    worker.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int main(int argc, char **argv) {
  int64_t rows = 2048, cols = 4096;
  bool withImatrix = false;
  const char *only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--rows") && i + 1 < argc)
      rows = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--cols") && i + 1 < argc)
      cols = atoll(argv[++i]);
    else if (!strcmp(argv[i], "--imatrix"))
      withImatrix = true;
    else if (!strcmp(argv[i], "--format") && i + 1 < argc)
      only = argv[++i];
  }
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> w(rows * cols);
  for (float &x : w)
    x = dist(rng);
  for (int64_t i = 0; i < rows; i += 97)
    w[i * cols + (i % cols)] = 1.5f;
  std::vector<float> importance(cols);
  for (float &x : importance)
    x = std::abs(dist(rng)) * 50 + 0.01f;
  double mb = rows * cols * 4.0 / (1 << 20);
  printf("%lld x %lld f32 (%.0f MB), %s importance vector; MB/s of f32 input\n",
         (long long)rows, (long long)cols, mb, withImatrix ? "with" : "no");
  printf("%-8s %10s %10s %8s %s\n", "format", "1 thread", "2 threads",
         "speedup", "same bytes");
  for (unsigned i = 0; i < NumFormats; ++i) {
    const FormatTraits &t = getFormatTraits(static_cast<Format>(i));
    if (cols % t.blockElems || (only && t.name != only))
      continue;
    std::vector<uint8_t> one, two;
    const float *imp = withImatrix ? importance.data() : nullptr;
    // Best of several passes: one pass of a fast format takes milliseconds,
    // where scheduling noise would dominate.
    double s1 = 1e30, s2 = 1e30;
    for (int pass = 0; pass < 5; ++pass) {
      s1 = std::min(s1, quantizeAll(t, w, rows, cols, imp, 1, one));
      s2 = std::min(s2, quantizeAll(t, w, rows, cols, imp, 2, two));
    }
    printf("%-8s %10.1f %10.1f %7.2fx %s\n", t.name.str().c_str(), mb / s1,
           mb / s2, s1 / s2, one == two ? "yes" : "NO");
  }
  printf("best wall-clock of 5 passes each; rows split into contiguous "
         "ranges\n");
  return 0;
}
