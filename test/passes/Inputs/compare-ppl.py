"""Reads `quant-run ppl --json` outputs (base, super weight zeroed, random
weights zeroed) and says whether zeroing the super weight hurt more."""
import json, sys
base, sup, rnd = (json.load(open(f))["ppl"] for f in sys.argv[1:4])
print(f"ppl base {base:.4f}, super weight zeroed {sup:.4f}, "
      f"100 random zeroed {rnd:.4f}")
print("super weight hurts more:", "yes" if sup - base > rnd - base else "no")
