#!/usr/bin/env python3
"""Writes the seed corpora of the safetensors, hf-index, hf-config, tokenizer
and ir fuzz targets (test/fuzz/TARGET-corpus) from test/models and
test/dialects.

    make-seeds.py [TARGET...]      (default: all of them)

Seeds are small so that the fuzzer mutates them quickly; each is valid (or
nearly so) for its reader, to reach the checks past parsing. The IR seeds
need the model imported by quant-translate (on PATH) for the last one.
Crashing inputs the fuzzer finds are added beside the seeds by hand (named
crash-*), never by this script.
"""
import json
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEST = os.path.dirname(HERE)
MODELS = os.path.join(TEST, "models")


def write(target, name, data):
    folder = os.path.join(HERE, target + "-corpus")
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def safetensors(entries, metadata=None, pad=0):
    """entries: (name, dtype, shape, element bytes)."""
    header, blob = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape, width in entries:
        count = 1
        for d in shape:
            count *= d
        data = bytes((i * 7 + 3) & 0xFF for i in range(count * width))
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(blob), len(blob) + len(data)]}
        blob += data
    text = json.dumps(header, separators=(",", ":")).encode() + b" " * pad
    return struct.pack("<Q", len(text)) + text + blob


def safetensors_seeds():
    write("safetensors", "floats.safetensors", safetensors(
        [("model.norm.weight", "F32", [4], 4), ("a", "F16", [2, 3], 2),
         ("b", "BF16", [3, 2], 2)], metadata={"format": "pt"}))
    write("safetensors", "group.safetensors", safetensors(
        [("w.codes", "U8", [4, 8], 1), ("w.scales", "F8_E4M3", [4], 1),
         ("w.zeros", "I8", [4], 1), ("w.index", "I32", [2], 4)], pad=6))
    write("safetensors", "scalar-and-empty.safetensors", safetensors(
        [("scalar", "F32", [], 4), ("empty", "BF16", [0, 5], 2)]))
    write("safetensors", "no-tensors.safetensors", safetensors([]))


def hf_seeds():
    with open(os.path.join(MODELS, "qwen3-tiny-tied",
                           "model.safetensors.index.json"), "rb") as f:
        write("hf-index", "qwen3-tiny-tied.index.json", f.read())
    write("hf-index", "one-shard.index.json", json.dumps({
        "metadata": {"total_size": 8},
        "weight_map": {"model.norm.weight": "model-00005-of-00005.safetensors"}}))
    for model in sorted(os.listdir(MODELS)):
        config = os.path.join(MODELS, model, "config.json")
        if os.path.isfile(config):
            with open(config, "rb") as f:
                write("hf-config", model + ".config.json", f.read())


def reduced_tokenizer(model, keep, **changes):
    """`model`'s tokenizer.json with the vocabulary cut to ids below `keep`
    and only the merges among them; `changes` replace top-level keys."""
    with open(os.path.join(MODELS, model, "tokenizer.json")) as f:
        tok = json.load(f)
    vocab = {t: i for t, i in tok["model"]["vocab"].items() if i < keep}
    merges = [m for m in tok["model"]["merges"]
              if m[0] in vocab and m[1] in vocab and m[0] + m[1] in vocab]
    tok["model"]["vocab"], tok["model"]["merges"] = vocab, merges
    tok["added_tokens"] = [a for a in tok["added_tokens"] if a["id"] < keep]
    for key, value in changes.items():
        if key.startswith("model."):
            tok["model"][key[6:]] = value
        else:
            tok[key] = value
    return json.dumps(tok, ensure_ascii=False, separators=(",", ":"))


def tokenizer_seeds():
    write("tokenizer", "byte-level.json", reduced_tokenizer("kjv-tiny", 320))
    llama3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|"
              r"\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
    write("tokenizer", "split-regex.json", reduced_tokenizer(
        "kjv-tiny", 300, pre_tokenizer={"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": llama3},
             "behavior": "Isolated", "invert": False},
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False,
             "trim_offsets": True, "use_regex": False}]},
        post_processor={"type": "TemplateProcessing", "single": [
            {"SpecialToken": {"id": "<s>", "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}}]}))
    write("tokenizer", "sentencepiece.json",
          reduced_tokenizer("mistral-tiny-spm", 400))
    # String merges ("a b"), a Metaspace pre-tokenizer and a split on " ".
    with open(os.path.join(MODELS, "mistral-tiny-spm", "tokenizer.json")) as f:
        spm = json.load(f)
    keep = {t: i for t, i in spm["model"]["vocab"].items() if i < 300}
    meta = json.loads(reduced_tokenizer(
        "mistral-tiny-spm", 300, normalizer=None,
        pre_tokenizer={"type": "Metaspace", "replacement": "\u2581",
                       "prepend_scheme": "first", "split": True}))
    meta["model"]["merges"] = [" ".join(m) for m in meta["model"]["merges"]]
    meta["added_tokens"].append({"id": 299, "content": "[PAD]", "special": False,
                                 "lstrip": True, "rstrip": True})
    write("tokenizer", "metaspace.json",
          json.dumps(meta, ensure_ascii=False, separators=(",", ":")))
    del keep


def ir_seeds():
    for dialect in ("Llmq", "Graph"):
        folder = os.path.join(TEST, "dialects", dialect)
        with open(os.path.join(folder, "ops.mlir")) as f:
            write("ir", dialect.lower() + "-ops.mlir", f.read())
        with open(os.path.join(folder, "invalid.mlir")) as f:
            chunks = f.read().split("// -----")
        for i, chunk in enumerate(chunks):
            # Without the lit and -verify-diagnostics comments.
            lines = [l for l in chunk.strip().splitlines()
                     if "expected-" not in l and "RUN:" not in l]
            write("ir", "%s-invalid-%02d.mlir" % (dialect.lower(), i),
                  "\n".join(lines) + "\n")
    # An imported model whose weights resolve: ir-fuzzer runs in test/models.
    out = subprocess.run(
        ["quant-translate", "--import-hf", os.path.join(MODELS, "kjv-tiny")],
        check=True, capture_output=True, text=True).stdout
    out = re.sub(r'file = "[^"]*/kjv-tiny/', 'file = "kjv-tiny/', out)
    write("ir", "kjv-tiny.mlir", out)


SEEDS = {"safetensors": safetensors_seeds, "hf": hf_seeds,
         "tokenizer": tokenizer_seeds, "ir": ir_seeds}

if __name__ == "__main__":
    for name in sys.argv[1:] or SEEDS:
        SEEDS[name]()
