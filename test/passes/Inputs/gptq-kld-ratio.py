"""Reads llama-perplexity --kl-divergence logs (Inputs/llama-kld.py's) of
llama-quantize's file and of llmq's GPTQ file of the same type, and prints
both mean KLDs, their ratio, and whether the ratio is at most MAX_RATIO
(exit status 1 if not).

  gptq-kld-ratio.py LABEL LLAMA_QUANTIZE.log GPTQ.log MAX_RATIO"""
import re, sys

label, reference_log, gptq_log, max_ratio = sys.argv[1:5]


def mean_kld(path):
    text = open(path, errors="replace").read()
    found = re.findall(r"^Mean\s+KLD:\s+(-?[0-9.]+)", text, re.M)
    if not found:
        sys.exit(f"error: {path}: no 'Mean    KLD:' line")
    return float(found[-1])


reference, gptq = mean_kld(reference_log), mean_kld(gptq_log)
if not reference > 0:
    sys.exit(f"error: {reference_log}: mean KLD {reference} is not positive")
ratio = gptq / reference
ok = ratio <= float(max_ratio)
print(f"{label}: llama-quantize KLD {reference:.6f}, GPTQ KLD {gptq:.6f}, "
      f"ratio {ratio:.3f}, at most {max_ratio}:", "ok" if ok else "too high")
sys.exit(0 if ok else 1)
