#!/usr/bin/env bash
# Perplexity throughput: quant-run ppl against llama.cpp on the same f32 GGUF
# and the same 256-token windows, at 1 and 2 threads.
#
#   bench/ppl-throughput.sh [MODEL_DIR] [TEXT]
#
# MODEL_DIR defaults to ../shared/models/kjv-llama-5m (else test/models/kjv-tiny),
# TEXT to ../shared/data/kjv-eval.txt (else README.md). llama.cpp is timed
# through node-llama-cpp (scripts/llama-cpp/llama-cpp.mjs evalspeed), which has
# no llama-perplexity binary: "all logits" asks llama.cpp for a logit at every
# position, as llama-perplexity computes them; "last only" computes the output
# layer for the last position of each window, an upper bound on its speed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(dirname "$root")/shared
model=${1:-$shared/models/kjv-llama-5m}
[ -d "$model" ] || model=$root/test/models/kjv-tiny
text=${2:-$shared/data/kjv-eval.txt}
[ -f "$text" ] || text=$root/README.md
bin=$root/build/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/quant-translate" --import-hf "$model" -o "$work/m.mlir"
"$bin/quant-translate" --export-gguf "$work/m.mlir" --type f32 -o "$work/m.gguf"
"$bin/quant-run" tokenize "$work/m.gguf" --text "$text" > "$work/ids.json"

field() { python3 -c "import json, sys; print(round(json.load(sys.stdin)['$1'], 1))"; }
echo "model $(basename "$model"), f32 GGUF, text $(basename "$text"), windows of 256"
printf '%-34s %10s %10s\n' "" "1 thread" "2 threads"
row() {
  local label=$1; shift
  local a b
  a=$("$@" --threads 1 | field tokens_per_second)
  b=$("$@" --threads 2 | field tokens_per_second)
  printf '%-34s %10s %10s   tokens/s\n' "$label" "$a" "$b"
}
row "quant-run ppl" "$bin/quant-run" ppl "$work/m.gguf" --text "$text" --json
row "llama.cpp, all logits" node "$root/scripts/llama-cpp/llama-cpp.mjs" evalspeed "$work/m.gguf" "$work/ids.json" --ctx 256
row "llama.cpp, last logits only" node "$root/scripts/llama-cpp/llama-cpp.mjs" evalspeed "$work/m.gguf" "$work/ids.json" --ctx 256 --last-only
echo "wall-clock over the whole text; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
