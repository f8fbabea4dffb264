#!/usr/bin/env python3
"""Compares two llama-cpp.mjs generate outputs: how often each repeats its
most frequent 4-gram of token ids, and whether the continuations differ.

    compare-repetition.py PLAIN.json PENALIZED.json
"""
import json
import sys
from collections import Counter


def most_repeated(ids, n=4):
    grams = Counter(tuple(ids[i:i + n]) for i in range(len(ids) - n + 1))
    return max(grams.values()) if grams else 0


runs = [json.load(open(path))["ids"] for path in sys.argv[1:3]]
for name, ids in zip(("plain", "penalized"), runs):
    print(f"{name}: {len(ids)} tokens, most repeated 4-gram {most_repeated(ids)} times")
print("continuations differ" if runs[0] != runs[1] else "continuations are the same")
