#!/bin/sh
# Writes the Hugging Face exports whose transformers references (computed on a
# GPU machine by scripts/hf-reference.py) live in *.gpu-ref.json beside this
# script, and the IR each was exported from:
#
#   make-gpu-exports.sh MODELS SHARED OUT [NAME...]
#
# MODELS is test/models, SHARED /work/shared (models/kjv-llama-5m); quant-translate
# and quant-opt come from PATH. OUT/<name> is the checkpoint, OUT/<name>.mlir
# its IR; NAMEs pick some of the exports below (default: all). Exports are deterministic, so the same sources and tools give the
# same bytes (the references record every file's sha256, and
# transformers-gpu-refs.test checks them).
#
#   exaone29   test/models/exaone4-tiny-global, 30 -> 29 blocks (keep=29 by=uniform
#              drops block 15), bf16 as its source
#   kjv5m-fp8  shared kjv-llama-5m, preset=fp8: block linears FP8 e4m3 128x128
#   kjv5m-int4 shared kjv-llama-5m, preset=w4a16: int4 groups of 128, symmetric,
#              round to nearest (compressed-tensors pack-quantized)
#   kjv5m-gptq shared kjv-llama-5m, preset=w4a16 then --llmq-gptq (int4 groups of
#              128 from GPTQ over 4096 tokens of kjv-calib.txt, default options;
#              the parameter file beside the IR), compressed-tensors pack-quantized
#   qwen3-mask test/models/qwen3-tiny-tied, logit mask: ids 14 (",") and 262 banned
#              (generation_config suppress_tokens), id 270 amplified x1.1 (scale:
#              the tied head is untied, lm_head.weight holds the scaled rows)
set -eu
models=$1
shared=$2
out=$3
mkdir -p "$out"

shift 3
names="$*"
pick() { [ -z "$names" ] || case " $names " in *" $1 "*) ;; *) return 1 ;; esac; }

if pick exaone29; then
  quant-translate --import-hf "$models/exaone4-tiny-global" -o "$out/exaone4-tiny-global.mlir"
  quant-opt "$out/exaone4-tiny-global.mlir" --llmq-drop-layers="keep=29 by=uniform" -o "$out/exaone29.mlir"
  quant-translate --export-hf "$out/exaone29.mlir" -o "$out/exaone29" --force
fi

if pick kjv5m-fp8 || pick kjv5m-int4 || pick kjv5m-gptq; then
  quant-translate --import-hf "$shared/models/kjv-llama-5m" -o "$out/kjv-llama-5m.mlir"
fi
if pick kjv5m-fp8; then
  quant-opt "$out/kjv-llama-5m.mlir" --llmq-assign-bits=preset=fp8 -o "$out/kjv5m-fp8.mlir"
  quant-translate --export-hf "$out/kjv5m-fp8.mlir" -o "$out/kjv5m-fp8" --force
fi
if pick kjv5m-int4; then
  quant-opt "$out/kjv-llama-5m.mlir" --llmq-assign-bits=preset=w4a16 -o "$out/kjv5m-int4.mlir"
  quant-translate --export-hf "$out/kjv5m-int4.mlir" -o "$out/kjv5m-int4" --force
fi
if pick kjv5m-gptq; then
  quant-opt "$out/kjv-llama-5m.mlir" --llmq-assign-bits=preset=w4a16 \
    --llmq-gptq="text=$shared/data/kjv-calib.txt tokens=4096 out=$out/kjv5m-gptq.safetensors" \
    -o "$out/kjv5m-gptq.mlir"
  quant-translate --export-hf "$out/kjv5m-gptq.mlir" -o "$out/kjv5m-gptq" --force
fi

if pick qwen3-mask; then
  quant-translate --import-hf "$models/qwen3-tiny-tied" -o "$out/qwen3-tiny-tied.mlir"
  quant-opt "$out/qwen3-tiny-tied.mlir" --llmq-logit-mask="ban=14,262 amplify=270 factor=1.1" -o "$out/qwen3-mask.mlir"
  quant-translate --export-hf "$out/qwen3-mask.mlir" -o "$out/qwen3-mask" --force
fi
