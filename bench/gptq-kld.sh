#!/usr/bin/env bash
# GPTQ (--llmq-gptq) against llama-quantize --pure --imatrix, pure types:
# both from the same calibration text (kjv-calib.txt, 16384 tokens in
# windows of 256: llama-imatrix -c 256 --chunks 64), KLD judged by
# llama.cpp's llama-perplexity --kl-divergence against the model's f32
# GGUF over the first EVAL_LINES lines of kjv-eval.txt. Prints one table
# row per model and type (the format each type becomes on that model's rows,
# both KLDs, their ratio) and the wall time of each GPTQ run (2 threads).
# Run from the repository root after building:
#
#   bash bench/gptq-kld.sh [WORKDIR] [TYPES...]
#
# (defaults: a temporary directory; q2_K q3_K q4_0 q4_K q5_K q6_K).
# MODELS: names under $LLMQ_SHARED/models or test/models (default
# kjv-llama-5m); GPTQ_OPTS: extra --llmq-gptq options; LLMQ_BIN: the tools
# (default build/bin; a copy keeps a long run safe from rebuilds).
#
# Rows that do not split into 256-element super-blocks (hidden 128, ffn 384
# in the test checkpoints) take llama.cpp's fallback on both sides (q2_K,
# q3_K -> q4_0, q4_K -> q5_0, q5_K -> q5_1, q6_K -> q8_0); GPTQ produces
# each of those. A plan with no format GPTQ produces is rounded by the
# exporter instead, with llama-imatrix's imatrix attached (--llmq-imatrix) as
# llama-quantize uses it (rows marked '*'). The last column is how many of
# 8 tokens node-llama-cpp's stock llama.cpp generated from the GPTQ file
# after "In the beginning" (acceptance 1: it loads and generates).
set -euo pipefail
root=$(pwd)
bin=${LLMQ_BIN:-$root/build/bin}
tools=$(cat build/llama-tools.path)
node=$(cat build/node.path 2>/dev/null || echo node)
work=${1:-$(mktemp -d)}
shift || true
types=${*:-q2_K q3_K q4_0 q4_K q5_K q6_K}
models=${MODELS:-kjv-llama-5m}
shared=${LLMQ_SHARED:-/work/shared}
lines=${EVAL_LINES:-400}
calib=$shared/data/kjv-calib.txt
mkdir -p "$work"
head -n "$lines" "$shared/data/kjv-eval.txt" > "$work/eval.txt"
kld() { # GGUF: its mean KLD against base.kld
  python3 "$root/test/passes/Inputs/llama-kld.py" "$1.log" \
    "$tools/llama-perplexity" -m "$1" -f ../eval.txt -c 256 -t 2 \
    --kl-divergence-base base.kld --kl-divergence > /dev/null
  grep -E "^Mean +KLD" "$1.log" | tail -n 1 | awk '{print $3}'
}
echo "KLD vs f32 over $lines lines of kjv-eval.txt (llama-perplexity), calibration 16384 tokens of kjv-calib.txt${GPTQ_OPTS:+, GPTQ options: $GPTQ_OPTS}"
generated() { # GGUF: tokens stock llama.cpp generates from it (of 8)
  "$node" "$root/scripts/llama-cpp/llama-cpp.mjs" generate "$1" --prompt "In the beginning" -n 8 |
    python3 -c "import json,sys; print(len(json.load(sys.stdin)['ids']))"
}
printf "%-18s %-5s %-6s %-22s %-10s %-7s %-12s %s\n" model type format "llama-quantize+imatrix" "llmq GPTQ" ratio "GPTQ wall s" generated
for model in $models; do
  src=$shared/models/$model
  [ -d "$src" ] || src=$root/test/models/$model
  mkdir -p "$work/$model"
  cd "$work/$model"
  [ -f m.mlir ] || "$bin/quant-translate" --import-hf "$src" -o m.mlir
  [ -f f32.gguf ] || "$bin/quant-translate" --export-gguf m.mlir --type f32 -o f32.gguf
  [ -f imatrix.gguf ] || "$tools/llama-imatrix" -m f32.gguf -f "$calib" -o imatrix.gguf -c 256 --chunks 64 -t 2 --no-ppl > imatrix.log 2>&1
  [ -f mi.mlir ] || "$bin/quant-opt" m.mlir --llmq-imatrix="in=$work/$model/imatrix.gguf" -o mi.mlir
  [ -f base.kld ] || "$tools/llama-perplexity" -m f32.gguf -f ../eval.txt -c 256 -t 2 --kl-divergence-base base.kld > base.log 2>&1
  for t in $types; do
    "$tools/llama-quantize" --pure --imatrix imatrix.gguf f32.gguf ref-$t.gguf $t > ref-$t.log 2>&1
    "$bin/quant-opt" mi.mlir --llmq-assign-bits=type=$t -o plan-$t.mlir 2> /dev/null
    format=$(grep -o 'ffn_up : tensor<[^{]*{format = #llmq.format<[a-z0-9_A-Z]*' plan-$t.mlir | head -n 1 | sed 's/.*format<//')
    start=$(date +%s.%N)
    # A plan with no format GPTQ produces: the exporter's rounding with the
    # imatrix, marked '*' after the format.
    if ! "$bin/quant-opt" plan-$t.mlir --llmq-gptq="text=$calib tokens=16384 threads=2 out=$work/$model/gptq-$t.safetensors ${GPTQ_OPTS:-}" -o gptq-$t.mlir 2> gptq-$t.err; then
      grep -q "has no block weight with a format GPTQ produces" gptq-$t.err || { cat gptq-$t.err >&2; exit 1; }
      cp plan-$t.mlir gptq-$t.mlir
      format="$format*"
    fi
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    "$bin/quant-translate" --export-gguf gptq-$t.mlir -o gptq-$t.gguf
    ref=$(kld ref-$t.gguf)
    ours=$(kld gptq-$t.gguf)
    printf "%-18s %-5s %-6s %-22s %-10s %-7s %-12.0f %s\n" $model $t $format $ref $ours $(echo "scale=3; $ours / $ref" | bc) $wall "$(generated gptq-$t.gguf)/8"
  done
  cd "$root"
done
