#!/usr/bin/env bash
# The main job on the model shipped in the repo: import the Hugging Face
# checkpoint into llmq IR, export it to GGUF (q8_0), and let llama.cpp itself
# generate text from that file.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=build/demo
mkdir -p "$out"
set -x
build/bin/quant-translate --import-hf test/models/kjv-tiny -o "$out/kjv-tiny.mlir"
build/bin/quant-translate --export-gguf "$out/kjv-tiny.mlir" --type q8_0 -o "$out/kjv-tiny.q8_0.gguf"
"$(cat build/node.path)" scripts/llama-cpp/llama-cpp.mjs generate "$out/kjv-tiny.q8_0.gguf" --prompt "In the beginning" -n 48
