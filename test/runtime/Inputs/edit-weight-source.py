#!/usr/bin/env python3
"""Rewrites the source of one weight in llmq IR, as a hostile or stale IR
file would have it.

    edit-weight-source.py IN OUT WEIGHT [offset=N] [key=K] [like=OTHER]

offset= and key= set those fields; like=OTHER copies key and offset from
weight OTHER (so WEIGHT reads a smaller tensor than its type needs).
"""
import re
import sys


def field(line, name):
    return re.search(name + r' = ("[^"]*"|\d+)', line).group(1)


def main():
    src, dst, weight = sys.argv[1:4]
    edits = dict(arg.split("=", 1) for arg in sys.argv[4:])
    lines = open(src).read().split("\n")
    find = lambda w: next(i for i, l in enumerate(lines)
                          if re.search(r"llmq\.weight @" + re.escape(w) + " ", l))
    i = find(weight)
    if "like" in edits:
        other = lines[find(edits.pop("like"))]
        edits["key"] = field(other, "key").strip('"')
        edits["offset"] = field(other, "offset")
    for name, value in edits.items():
        value = '"%s"' % value if name == "key" else value
        lines[i] = re.sub(name + r' = ("[^"]*"|\d+)', name + " = " + value,
                          lines[i], count=1)
    open(dst, "w").write("\n".join(lines))


if __name__ == "__main__":
    main()
