#!/usr/bin/env python3
"""Copies a model directory with its tokenizer.json's normalizer replaced
(and its pre-tokenizer, when given).

    set-normalizer.py SRC_DIR DST_DIR NORMALIZER_JSON [PRE_TOKENIZER_JSON]
"""
import json
import os
import shutil
import sys

src, dst, normalizer = sys.argv[1:4]
shutil.copytree(src, dst)
path = os.path.join(dst, "tokenizer.json")
with open(path, encoding="utf-8") as f:
    tokenizer = json.load(f)
tokenizer["normalizer"] = json.loads(normalizer)
if len(sys.argv) > 4:
    tokenizer["pre_tokenizer"] = json.loads(sys.argv[4])
with open(path, "w", encoding="utf-8") as f:
    json.dump(tokenizer, f, ensure_ascii=False)
