#!/usr/bin/env bash
# Measured bit assignment against llama.cpp's presets: size, bpw, mean KL
# divergence from the bf16 checkpoint and perplexity on the eval text, for
# presets q3_k_m and q4_k_m (quantized with the imatrix) and for
# --llmq-assign-bits=target-bytes=N with N set so that the exported GGUF is no
# larger than each preset's GGUF: without sensitivity probes (error only) and
# with them (text=CALIB_TEXT, the default sensitivity-tokens). The eval text
# is only ever used to score; the imatrix and the probes read the
# calibration text.
#
#   bench/assign-bits-kld.sh [MODEL_DIR] [EVAL_TEXT] [CALIB_TEXT] [TOKENS] [BUILD_DIR]
#
# Without MODEL_DIR: one table for ../shared/models/kjv-llama-5m and one for
# test/models/qwen3-tiny-tied (same tokenizer as kjv). Defaults:
# ../shared/data/kjv-eval.txt, ../shared/data/kjv-calib.txt, 16384 imatrix
# tokens, build/. target-bytes counts tensor data only; the GGUF adds
# metadata (vocabulary) and alignment, so the script measures that overhead
# and shrinks the target until the optimizer's file is no larger than the
# preset's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$(dirname "$root")/shared
if [ $# -eq 0 ]; then
  "$0" "$shared/models/kjv-llama-5m"
  echo
  exec "$0" "$root/test/models/qwen3-tiny-tied"
fi
model=$1
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
  for probes in 0 1; do
    if [ $probes = 1 ]; then
      opts="text=$calib" label="optimizer <= $preset"
    else
      opts="sensitivity-tokens=0" label="error only <= $preset"
    fi
    out=$work/opt-$preset-$probes
    target=$limit
    for _ in 1 2 3 4 5 6 7 8; do
      "$bin/quant-opt" "$work/mi.mlir" \
        --llmq-assign-bits="target-bytes=$target $opts" -o "$out.mlir" 2>/dev/null
      "$bin/quant-translate" --export-gguf "$out.mlir" -o "$out.gguf"
      got=$(size "$out.gguf")
      [ "$got" -le "$limit" ] && break
      # The GGUF's overhead over the assigned tensor bytes, and a margin
      # that doubles while the file is still too large.
      target=$((limit - (got - $(attr assigned_bytes "$out.mlir")) - ${step:=256}))
      step=$((step * 2))
    done
    unset step
    [ "$got" -le "$limit" ] || { echo "no target fits $limit bytes" >&2; exit 1; }
    row "$label" "$out.gguf"
  done
done
echo "model $(basename "$model"), $params weights; KLD and ppl on $(basename "$text");" \
  "imatrix from $tokens tokens of $(basename "$calib")," \
  "sensitivity probes on the default number of its tokens"
