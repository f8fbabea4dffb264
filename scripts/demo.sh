#!/usr/bin/env bash
# The main job of llmq on the model shipped in the repo (test/models/kjv-tiny),
# one readable line per step: analyse, report, plan (llama.cpp's preset against
# llmq's optimizer at the same size, judged by KL divergence on held-out text),
# compress and emit a GGUF that llama.cpp itself runs, an NPU artifact checked
# against the model, and a Hugging Face checkpoint (int4 groups, zipped).
# Calibration and evaluation text are written by the model itself (sampled,
# fixed seeds), so the demo needs nothing outside the repo. Tool output goes
# to build/demo/log.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/build/bin:$PATH"
out=build/demo
rm -rf "$out"
mkdir -p "$out"
log="$out/log.txt"
node="$(cat build/node.path)"
model=test/models/kjv-tiny
start=$SECONDS

# Runs a command with its output in the log; on failure shows the log's end.
run() {
  echo "+ $*" >> "$log"
  if ! "$@" >> "$log" 2>&1; then
    echo "failed: $*" >&2
    tail -20 "$log" >&2
    exit 1
  fi
}
# A field of a JSON object on stdin.
field() { "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(typeof v==="number"?Number(v.toPrecision(4)):v)})' "$1"; }
# Sampled text from the model, one passage per prompt.
write_text() {
  local seed=$1 file=$2
  shift 2
  for prompt in "$@"; do
    seed=$((seed + 1))
    quant-run generate "$out/model.mlir" --prompt "$prompt" -n 256 \
      --temperature 0.8 --top-k 40 --seed "$seed" 2>> "$log" | tr '\n' ' '
    echo
  done > "$file"
}

run quant-translate --import-hf "$model" -o "$out/model.mlir"
echo "1. imported $model into llmq IR (weights referenced in place): $out/model.mlir"

write_text 0 "$out/calib.txt" "In the beginning" "And the LORD said" "Blessed are" "And it came to pass"
write_text 100 "$out/eval.txt" "Thus saith the LORD" "And Jesus answered" "Now the serpent" "Hear, O Israel"
echo "2. the model wrote its own calibration text ($(wc -w < "$out/calib.txt") words) and held-out text ($(wc -w < "$out/eval.txt") words)"

run quant-opt "$out/model.mlir" --llmq-weight-stats \
  --llmq-imatrix="text=$out/calib.txt out=$out/imatrix.gguf" \
  --llmq-block-influence="text=$out/calib.txt" \
  --llmq-super-weights="text=$out/calib.txt json=$out/super-weights.json" \
  -o "$out/analysed.mlir"
run quant-opt "$out/analysed.mlir" --llmq-report="html=$out/report.html json=$out/report.json" -o /dev/null
echo "3. analysed: weight statistics, importance matrix, block influence, super weights; report: $out/report.html (JSON: $out/report.json)"

run quant-opt "$out/analysed.mlir" --llmq-assign-bits=preset=q4_k_m -o "$out/preset.mlir"
budget=$(grep -o 'assigned_bytes = [0-9]*' "$out/preset.mlir" | grep -o '[0-9]*$')
run quant-opt "$out/analysed.mlir" --llmq-assign-bits="target-bytes=$budget text=$out/calib.txt" -o "$out/optimized.mlir"
kld() { quant-run kld "$out/model.mlir" "$1" --text "$out/eval.txt" --ctx 128 --json 2>> "$log" | field mean_kld; }
preset_kld=$(kld "$out/preset.mlir")
opt_kld=$(kld "$out/optimized.mlir")
run quant-opt "$out/optimized.mlir" --llmq-report="html=$out/plans.html compare=$out/preset.mlir" -o /dev/null
echo "4. planned at $budget bytes: llama.cpp's q4_k_m preset KLD $preset_kld, llmq's optimizer KLD $opt_kld (held-out text, simulated before any file is written); both plans side by side: $out/plans.html"

run quant-translate --export-gguf "$out/optimized.mlir" -o "$out/kjv-tiny.gguf"
text=$("$node" scripts/llama-cpp/llama-cpp.mjs generate "$out/kjv-tiny.gguf" --prompt "In the beginning" -n 32 2>> "$log" | field text)
echo "5. GGUF for llama.cpp: $out/kjv-tiny.gguf; llama.cpp generates: \"In the beginning$text\""

run quant-translate --export-npu-artifact "$out/optimized.mlir" -o "$out/npu" --tp 2 --pp 1 \
  --prefill-buckets 1x128 --decode-buckets 1x256
match=$(quant-run compare "$out/optimized.mlir" "$out/npu" --text "$out/eval.txt" --tokens 64 2>> "$log" | field top1_agreement)
echo "6. NPU artifact of the same plan (tensor parallel 2, static prefill/decode graphs): $out/npu; top-1 agreement with the planned model over 64 tokens: $match"

run quant-opt "$out/model.mlir" --llmq-assign-bits=preset=w4a16 -o "$out/w4a16.mlir"
run quant-translate --export-hf "$out/w4a16.mlir" -o "$out/hf-w4a16" --zip "$out/kjv-tiny-w4a16.zip"
ppl() { quant-run ppl "$1" --text "$out/eval.txt" --ctx 128 --json 2>> "$log" | field ppl; }
echo "7. Hugging Face checkpoint (int4 groups of 128, compressed-tensors for vLLM): $out/hf-w4a16, zipped as $out/kjv-tiny-w4a16.zip; ppl $(ppl "$out/model.mlir") -> $(ppl "$out/hf-w4a16")"
echo "done in $((SECONDS - start)) s; tool output in $log"
