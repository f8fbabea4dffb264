"""Runs --llmq-assign-bits="target-bytes=N OPTIONS" on IR and exports the
result as a GGUF no larger than a reference GGUF (llama-quantize's preset
file): target-bytes counts tensor data only, so N is the reference's size
less the GGUF's own overhead (metadata, alignment), measured on an
assignment without probes, less a margin that doubles while the file is
still too large.

  fit-target.py REFERENCE.gguf IN.mlir OUT_PREFIX "OPTIONS"

Writes OUT_PREFIX.mlir and OUT_PREFIX.gguf; prints both sizes."""
import os, re, subprocess, sys

reference, source, prefix, options = sys.argv[1:5]
limit = os.path.getsize(reference)


def assign(target, opts, out):
    subprocess.run(["quant-opt", source,
                    f"--llmq-assign-bits=target-bytes={target} {opts}",
                    "-o", out + ".mlir"], check=True,
                   stderr=subprocess.DEVNULL)
    subprocess.run(["quant-translate", "--export-gguf", out + ".mlir",
                    "-o", out + ".gguf"], check=True)
    ir = open(out + ".mlir").read()
    assigned = int(re.search(r"assigned_bytes = (\d+)", ir).group(1))
    weights = len(re.findall(r"llmq.weight @", ir))
    return os.path.getsize(out + ".gguf"), assigned, weights


size, assigned, weights = assign(limit, "sensitivity-tokens=0",
                                 prefix + "-plain")
overhead = size - assigned
margin = 32 * weights
for _ in range(6):
    target = limit - overhead - margin
    size, _, _ = assign(target, options, prefix)
    if size <= limit:
        break
    margin *= 2
print(f"{os.path.basename(prefix)}: {size} bytes, reference {limit} bytes:",
      "no larger" if size <= limit else "LARGER")
sys.exit(0 if size <= limit else 1)
