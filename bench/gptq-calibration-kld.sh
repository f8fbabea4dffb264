#!/usr/bin/env bash
# Issue 15, acceptance 6: calibration text from the held-in corpus
# (kjv-calib.txt) or written by the model itself, for the imatrix and for
# GPTQ, at pure ggml types (--llmq-assign-bits=type=T). KLD by quant-run kld
# (simulated formats: the bytes the exporter or GPTQ's parameter file holds)
# against the unquantized model over all of kjv-eval.txt. Prints one row per
# type: round-to-nearest without imatrix, imatrix from each text, GPTQ from
# each text (ratios to round-to-nearest), and each GPTQ run's wall time.
# Run from the repository root after building:
#
#   bash bench/gptq-calibration-kld.sh [WORKDIR] [TYPES...]
#
# (defaults: a temporary directory; q4_K q3_K). MODEL: a name under
# $LLMQ_SHARED/models or test/models (default kjv-llama-5m); LLMQ_BIN: the
# tools (default build/bin; a copy keeps a long run safe from rebuilds).
# The self-generated text: quant-run generate-calibration --passages 128
# --length 128 --seed 1 --temperature 1 --top-p 0.95 (16384 tokens, as many
# as both passes read of kjv-calib: tokens=16384).
set -euo pipefail
root=$(pwd)
bin=${LLMQ_BIN:-$root/build/bin}
work=${1:-$(mktemp -d)}
shift || true
types=${*:-q4_K q3_K}
model=${MODEL:-kjv-llama-5m}
shared=${LLMQ_SHARED:-/work/shared}
eval=$shared/data/kjv-eval.txt
src=$shared/models/$model
[ -d "$src" ] || src=$root/test/models/$model
mkdir -p "$work"
cd "$work"
[ -f m.mlir ] || "$bin/quant-translate" --import-hf "$src" -o m.mlir
if [ ! -f self.txt ]; then
  start=$(date +%s.%N)
  "$bin/quant-run" generate-calibration m.mlir -o self.txt --passages 128 \
    --length 128 --seed 1 --temperature 1 --top-p 0.95 --threads 2
  echo "generate-calibration: $(echo "$(date +%s.%N) - $start" | bc | cut -d. -f1) s wall"
fi
declare -A text=([calib]=$shared/data/kjv-calib.txt [self]=$work/self.txt)
kld() { # MLIR: mean KLD against m.mlir over kjv-eval
  "$bin/quant-run" kld m.mlir "$1" --text "$eval" --threads 2 --json > "$1.kld"
  python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["mean_kld"])' "$1.kld"
}
for t in calib self; do
  [ -f im-$t.mlir ] || "$bin/quant-opt" m.mlir \
    --llmq-imatrix="text=${text[$t]} tokens=16384 out=$work/im-$t.gguf" -o im-$t.mlir
done
echo "$model, KLD vs the unquantized model over all of kjv-eval (quant-run kld, simulated); 16384 calibration tokens of each text"
printf "%-5s %-9s %-18s %-18s %-18s %-18s %s\n" type RTN "imatrix calib" "imatrix self" "GPTQ calib" "GPTQ self" "GPTQ wall s (calib, self)"
ratio() { echo "$1 ($(echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'))"; }
for T in $types; do
  "$bin/quant-opt" m.mlir --llmq-assign-bits=type=$T -o rtn-$T.mlir 2> /dev/null
  rtn=$(kld rtn-$T.mlir)
  row=()
  walls=()
  for t in calib self; do
    "$bin/quant-opt" im-$t.mlir --llmq-assign-bits=type=$T -o im-$t-$T.mlir 2> /dev/null
    row+=("$(ratio "$(kld im-$t-$T.mlir)" "$rtn")")
  done
  for t in calib self; do
    start=$(date +%s.%N)
    "$bin/quant-opt" rtn-$T.mlir --llmq-gptq="text=${text[$t]} tokens=16384 threads=2 out=$work/gptq-$t-$T.safetensors" -o gptq-$t-$T.mlir
    walls+=("$(echo "$(date +%s.%N) - $start" | bc | cut -d. -f1)")
    row+=("$(ratio "$(kld gptq-$t-$T.mlir)" "$rtn")")
  done
  printf "%-5s %-9s %-18s %-18s %-18s %-18s %s, %s\n" $T $rtn "${row[@]}" "${walls[@]}"
done
