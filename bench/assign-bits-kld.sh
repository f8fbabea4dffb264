#!/usr/bin/env bash
# Measured bit assignment against llama.cpp's presets: size, bpw, mean KL
# divergence from the bf16 checkpoint and perplexity on the eval text, for
# presets q3_k_m and q4_k_m (quantized with the imatrix) and for
# --llmq-assign-bits=target-bytes=N with N set so that the exported GGUF is no
# larger than each preset's GGUF.
#
#   bench/assign-bits-kld.sh [MODEL_DIR] [EVAL_TEXT] [CALIB_TEXT] [TOKENS] [BUILD_DIR]
#
# Defaults: ../shared/models/kjv-llama-5m, ../shared/data/kjv-eval.txt,
# ../shared/data/kjv-calib.txt, 16384 calibration tokens, build/.
# target-bytes counts tensor data only; the GGUF adds metadata (vocabulary)
# and alignment, so the script measures that overhead and shrinks the
# target until the optimizer's file is no larger than the preset's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(dirname "$root")/shared
model=${1:-$shared/models/kjv-llama-5m}
text=${2:-$shared/data/kjv-eval.txt}
calib=${3:-$shared/data/kjv-calib.txt}
tokens=${4:-16384}
bin=${5:-$root/build}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin/quant-translate" --import-hf "$model" -o "$work/m.mlir"
"$bin/quant-opt" "$work/m.mlir" \
  --llmq-imatrix="text=$calib tokens=$tokens ctx=256 out=$work/imatrix.gguf" \
  -o "$work/mi.mlir"
# The bf16 checkpoint as is: the base of every KLD.
"$bin/quant-translate" --export-gguf "$work/m.mlir" --type bf16 -o "$work/base.gguf"

size() { stat -c %s "$1"; }
params=$(python3 -c "
import re, sys
n = 0
for m in re.finditer(r'llmq.weight @\S+ : tensor<([0-9x]+)x', open(sys.argv[1]).read()):
    p = 1
    for d in m.group(1).split('x'): p *= int(d)
    n += p
print(n)" "$work/m.mlir")
field() { python3 -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }
attr() { grep -o "$1 = [0-9.e+-]*" "$2" | head -1 | awk '{print $3}'; }

printf '%-28s %10s %7s %10s %9s\n' configuration bytes bpw "mean KLD" ppl
row() { # label gguf
  local kld ppl
  kld=$("$bin/quant-run" kld "$work/base.gguf" "$2" --text "$text" --json | field mean_kld)
  ppl=$("$bin/quant-run" ppl "$2" --text "$text" --json | field ppl)
  printf '%-28s %10d %7.3f %10.6f %9.4f\n' "$1" "$(size "$2")" \
    "$(python3 -c "print(8 * $(size "$2") / $params)")" "$kld" "$ppl"
}
row "bf16" "$work/base.gguf"
for preset in q3_k_m q4_k_m; do
  "$bin/quant-opt" "$work/mi.mlir" --llmq-assign-bits=preset=$preset -o "$work/$preset.mlir"
  "$bin/quant-translate" --export-gguf "$work/$preset.mlir" -o "$work/$preset.gguf"
  limit=$(size "$work/$preset.gguf")
  row "preset $preset (imatrix)" "$work/$preset.gguf"
  target=$limit
  for _ in 1 2 3 4; do
    "$bin/quant-opt" "$work/mi.mlir" --llmq-assign-bits=target-bytes=$target \
      -o "$work/opt-$preset.mlir" 2>/dev/null
    "$bin/quant-translate" --export-gguf "$work/opt-$preset.mlir" -o "$work/opt-$preset.gguf"
    got=$(size "$work/opt-$preset.gguf")
    [ "$got" -le "$limit" ] && break
    target=$((target - (got - limit) - 256))
  done
  row "optimizer <= $preset" "$work/opt-$preset.gguf"
done
echo "model $(basename "$model"), $params weights; KLD and ppl on $(basename "$text");" \
  "imatrix from $tokens tokens of $(basename "$calib")"
