//===- QuantIsa.cpp - Instruction sets of the vectorized quantizers -------===//

#include "formats/quant/QuantIsa.h"

using namespace llmq::quant;

QuantIsa llmq::quant::detectQuantIsa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
    return QuantIsa::Avx512;
  if (__builtin_cpu_supports("avx2"))
    return QuantIsa::Avx2;
#endif
  return QuantIsa::Generic;
}
