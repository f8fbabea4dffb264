"""Reads llama-perplexity --kl-divergence logs (Inputs/llama-kld.py's) of a
llama.cpp preset and of the optimizer's file at no larger size, and prints
both mean KLDs, their ratio, and whether the ratio is at most MAX_RATIO.

  kld-ratio.py LABEL PRESET.log OPTIMIZER.log MAX_RATIO"""
import re, sys

label, preset_log, optimizer_log, max_ratio = sys.argv[1:5]


def mean_kld(path):
    text = open(path, errors="replace").read()
    found = re.findall(r"^Mean\s+KLD:\s+(-?[0-9.]+)", text, re.M)
    if not found:
        sys.exit(f"error: {path}: no 'Mean    KLD:' line")
    return float(found[-1])


preset, optimizer = mean_kld(preset_log), mean_kld(optimizer_log)
ratio = optimizer / preset
print(f"{label}: preset KLD {preset:.6f}, optimizer KLD {optimizer:.6f}, "
      f"ratio {ratio:.3f}:", "ok" if ratio <= float(max_ratio) else "too high")
