#!/bin/bash
# Runs scripts/hf-reference.py on the GPU machine (device tool) over the exports of
# test/backends/HF/Inputs/make-gpu-exports.sh. Not run in CI. Lay out, in the
# repo the device tool ships (ignored through .git/info/exclude), a folder D with:
#   D/hf-reference-device.sh  this file          D/hf-reference.py   scripts/hf-reference.py
#   D/exports/<name>          the exports         D/kjv-eval.txt      shared/data/kjv-eval.txt
#   D/*.ref.json              prompt sources (shared/models/kjv-llama-5m.ref.json, test/models/*.ref.json)
#   D/site/                   what the image lacks: compressed_tensors, pydantic, pydantic_core
#                             (built for CPython 3.12), annotated_types, loguru, with dist-info
#   D/refs/*.gpu-ref.json     (for MODE=tp) the 1-GPU references to compare with
# and call the device tool with carry [D] and the command `bash D/hf-reference-device.sh`.
# Environment: ONLY="name ..." (default: all four), MODE=tp (tensor parallel only),
# NGPU=2 (processes for MODE=tp), DUMP=1 (also copy transformers' FP8/compressed-tensors
# integration sources). Results: $OUT/results.tar (the JSON files), $OUT/log.txt.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
D=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH=$D/site
NGPU=${NGPU:-1}
MODE=${MODE:-all}
R=/tmp/results; mkdir -p $R
[ -d $D/refs ] && cp $D/refs/*.json $R/
DIRS="$D/exports/exaone29 $D/exports/kjv5m-fp8 $D/exports/kjv5m-int4 $D/exports/qwen3-mask"
[ -n "${ONLY:-}" ] && DIRS=$(for n in $ONLY; do printf '%s ' $D/exports/$n; done)
P="--prompts $D/kjv-llama-5m.ref.json --prompts $D/qwen3-tiny-tied.ref.json --prompts $D/exaone4-tiny-global.ref.json"
{
date -u; nvidia-smi -L
python3 -c "import sys, torch, transformers, triton; print('python', sys.version.split()[0], 'torch', torch.__version__, 'transformers', transformers.__version__, 'triton', triton.__version__, torch.cuda.get_device_name(), 'gpus', torch.cuda.device_count())"
python3 -c "import pydantic, pydantic_core; print('pydantic', pydantic.VERSION, 'pydantic_core', pydantic_core.__version__)"
python3 -c "import compressed_tensors as c; from compressed_tensors.compressors import ModelCompressor; print('compressed_tensors', c.version)"
if [ -n "${DUMP:-}" ]; then
  T=$(python3 -c "import transformers, os; print(os.path.dirname(transformers.__file__))")
  mkdir -p $R/src && cp $T/integrations/finegrained_fp8.py $T/integrations/hub_kernels.py $T/quantizers/quantizer_finegrained_fp8.py $T/quantizers/quantizer_compressed_tensors.py $R/src/ 2>&1
fi
if [ "$MODE" != tp ]; then
  python3 $D/hf-reference.py --eval $D/kjv-eval.txt --out $R $P $DIRS; echo "one-gpu rc=$?"
fi
if [ -n "${TP:-}" ] || [ "$MODE" = tp ]; then
  torchrun --nproc-per-node $NGPU $D/hf-reference.py --tp --eval $D/kjv-eval.txt --out $R $P $DIRS; echo "tp rc=$?"
fi
} 2>&1 | tee $R/log.txt
cp $R/log.txt $OUT/log.txt
tar -cf $OUT/results.tar -C $R .
