#!/usr/bin/env python3
"""Checks the super weights and pins of a model after --llmq-drop-layers
against those before it.

    check-drop-super-weights.py BEFORE.mlir AFTER.mlir DROPPED_BLOCK

Every entry of a kept block must be in AFTER under its renumbered weight
with the same row, column and value, the dropped block's entries gone, the
rest unchanged, and every weight named exists in AFTER and carries a pin at
those coordinates. Prints a summary line per check.
"""
import re
import sys

ENTRY = re.compile(r'#llmq\.super_weight<weight = @"?([\w.]+)"?, row = (\d+), '
                   r'col = (\d+), value = ([^ ]+) : f64>')


def read(path):
    text = open(path).read()
    entries = ENTRY.findall(re.search(r"llmq\.super_weights = \[([^\]]*)\]", text).group(1))
    pins = {}
    for m in re.finditer(r'llmq\.weight @"?([\w.]+)"? : [^{]*\{(.*)\}\s*$', text, re.M):
        pins[m.group(1)] = set(re.findall(r"#llmq\.pin<row = (\d+), col = (\d+)", m.group(2)))
    return entries, pins


before, _ = read(sys.argv[1])
after, pins = read(sys.argv[2])
dropped = int(sys.argv[3])


def moved(name):
    m = re.match(r"blk\.(\d+)\.(.*)", name)
    if not m:
        return name
    index = int(m.group(1))
    if index == dropped:
        return None
    return f"blk.{index - (index > dropped)}.{m.group(2)}"


expected = [(moved(w), r, c, v) for w, r, c, v in before if moved(w)]
print("entries before:", len(before), "of the dropped block:",
      sum(1 for w, *_ in before if moved(w) is None))
print("entries after match the renamed kept ones:", expected == after)
print("every entry names an existing weight with its pin:",
      all(w in pins and (r, c) in pins[w] for w, r, c, _ in after))
