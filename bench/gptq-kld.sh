#!/usr/bin/env bash
# GPTQ (--llmq-gptq) against llama-quantize --imatrix, pure types, on
# kjv-llama-5m: both from the same calibration text (16384 tokens in
# windows of 256), KLD judged by llama.cpp's llama-perplexity
# --kl-divergence against the f32 GGUF over the first EVAL_LINES lines of
# kjv-eval.txt. Prints one table row per type and the wall time of each
# GPTQ run (2 threads). Run from the repository root after building:
#
#   bash bench/gptq-kld.sh [WORKDIR] [TYPES...]
#
# (defaults: a temporary directory; q2_K q3_K q4_0 q4_K q5_K q6_K).
set -euo pipefail
root=$(pwd)
bin=$root/build/bin
tools=$(cat build/llama-tools.path)
work=${1:-$(mktemp -d)}
shift || true
types=${*:-q2_K q3_K q4_0 q4_K q5_K q6_K}
shared=${LLMQ_SHARED:-/work/shared}
lines=${EVAL_LINES:-400}
calib=$shared/data/kjv-calib.txt
mkdir -p "$work"
cd "$work"
[ -f m.mlir ] || "$bin/quant-translate" --import-hf "$shared/models/kjv-llama-5m" -o m.mlir
[ -f f32.gguf ] || "$bin/quant-translate" --export-gguf m.mlir --type f32 -o f32.gguf
head -n "$lines" "$shared/data/kjv-eval.txt" > eval.txt
[ -f imatrix.gguf ] || "$tools/llama-imatrix" -m f32.gguf -f "$calib" -o imatrix.gguf -c 256 --chunks 64 -t 2 > imatrix.log 2>&1
[ -f base-$lines.kld ] || "$tools/llama-perplexity" -m f32.gguf -f eval.txt -c 256 -t 2 --kl-divergence-base base-$lines.kld > base.log 2>&1
kld() {
  "$tools/llama-perplexity" -m "$1" -f eval.txt -c 256 -t 2 --kl-divergence-base base-$lines.kld --kl-divergence > "$1.log" 2>&1
  grep -E "Mean +KLD" "$1.log" | awk '{print $3}'
}
echo "kjv-llama-5m, KLD vs f32 over $lines eval lines (llama-perplexity), calibration 16384 tokens"
printf "%-6s %-22s %-12s %-8s %s\n" type "llama-quantize+imatrix" "llmq GPTQ" ratio "GPTQ wall s"
for t in $types; do
  "$tools/llama-quantize" --pure --imatrix imatrix.gguf f32.gguf ref-$t.gguf $t > ref-$t.log 2>&1
  "$bin/quant-opt" m.mlir --llmq-assign-bits=type=$t -o plan-$t.mlir 2> /dev/null
  start=$(date +%s.%N)
  "$bin/quant-opt" plan-$t.mlir --llmq-gptq="text=$calib tokens=16384 threads=2 out=$work/gptq-$t.safetensors" -o gptq-$t.mlir
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  "$bin/quant-translate" --export-gguf gptq-$t.mlir -o gptq-$t.gguf
  ref=$(kld ref-$t.gguf)
  ours=$(kld gptq-$t.gguf)
  printf "%-6s %-22s %-12s %-8s %.0f\n" $t $ref $ours $(echo "scale=3; $ours / $ref" | bc) $wall
done
