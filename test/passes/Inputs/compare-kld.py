"""Reads two `quant-run kld --json` outputs (with and without sensitivity
probes, same budget) and says whether the probes lowered the mean KLD."""
import json, sys
probed, plain = (json.load(open(f))["mean_kld"] for f in sys.argv[1:3])
print(f"mean KLD with probes {probed:.6f}, error only {plain:.6f}")
print("probes lower the KLD:", "yes" if probed < plain else "no")
