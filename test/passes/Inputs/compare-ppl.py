"""compare-ppl.py BASE SUPER RANDOM...: reads `quant-run ppl --json` outputs
(base model, top super weight zeroed, one or more copies with random entries
of the same tensor zeroed) and exits non-zero unless zeroing the super weight
raised perplexity more than every random copy did."""
import json, sys
base, sup, *rnd = (json.load(open(f))["ppl"] for f in sys.argv[1:])
if not rnd:
    sys.exit("compare-ppl.py: needs at least one random copy")
print(f"ppl base {base:.4f}, super weight zeroed {sup:.4f} "
      f"(delta {sup - base:+.4f})")
for i, r in enumerate(rnd):
    print(f"random copy {i}: ppl {r:.4f} (delta {r - base:+.4f})")
worst = max(r - base for r in rnd)
ok = sup - base > worst
print("super weight hurts more than every random copy:", "yes" if ok else "no")
sys.exit(0 if ok else 1)
