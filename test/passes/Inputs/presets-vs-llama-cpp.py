#!/usr/bin/env python3
"""Assigns every llama-quantize preset to a model, exports each to GGUF and
compares llmq's runtime with llama.cpp on it (runtime-vs-llama-cpp.py: first
8 greedy tokens of each reference prompt, near-ties allowed, the runtime
exact or predicting llama.cpp's arithmetic). Prints one
line per preset; exits 1 if any comparison fails.

    presets-vs-llama-cpp.py MODEL.mlir WORKDIR LLAMA_CPP_MJS REF.json
"""
import os
import subprocess
import sys

PRESETS = ["q2_k", "q3_k_s", "q3_k_m", "q3_k_l", "q4_0", "q4_k_s", "q4_k_m",
           "q5_k_s", "q5_k_m", "q6_k", "q8_0"]


def run(*cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")
    return out.stdout


model, work, llama_cpp, ref = sys.argv[1:5]
compare = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "backends", "GGUF", "Inputs", "runtime-vs-llama-cpp.py")
failed = False
for preset in PRESETS:
    mlir = os.path.join(work, preset + ".mlir")
    gguf = os.path.join(work, preset + ".gguf")
    run("quant-opt", model, f"--llmq-assign-bits=preset={preset}", "-o", mlir)
    run("quant-translate", "--export-gguf", mlir, "-o", gguf)
    out = subprocess.run([sys.executable, compare, "quant-run", llama_cpp,
                          gguf, ref], capture_output=True, text=True)
    lines = [l for l in out.stdout.splitlines() if "runtime and llama.cpp" in l]
    print(f"{preset}: {'ok' if out.returncode == 0 else 'FAILED'}: "
          + " | ".join(l.split("llama.cpp ", 1)[1] for l in lines))
    failed |= out.returncode != 0
sys.exit(1 if failed else 0)
