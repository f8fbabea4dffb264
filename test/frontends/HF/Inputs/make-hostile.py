#!/usr/bin/env python3
"""Writes a tiny checkpoint (make-checkpoint.py) and then breaks it the way a
hostile file would, for the hardening tests.

    make-hostile.py DIR KIND

KIND is one of the names in KINDS below; each produces one malformed input
that the importer must refuse with one line, without reading out of bounds
or allocating what the file merely claims.
"""
import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def make(directory, *extra):
    subprocess.check_call([sys.executable, os.path.join(HERE, "make-checkpoint.py"),
                           directory, *extra])


def read_safetensors(path):
    data = open(path, "rb").read()
    (length,) = struct.unpack_from("<Q", data, 0)
    return json.loads(data[8:8 + length]), data[8 + length:]


def write_header_text(path, text, body):
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


def edit_config(directory, **changes):
    path = os.path.join(directory, "config.json")
    config = json.load(open(path))
    config.update(changes)
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def main():
    directory, kind = sys.argv[1], sys.argv[2]
    sharded = kind in ("wrong-shard", "two-shards")
    make(directory, *(["--sharded"] if sharded else []))
    st = os.path.join(directory, "model.safetensors")
    if kind == "overflow-shape":
        # 2^62 x 4 bf16 elements: the element count fits, bytes wrap to 0.
        header, body = read_safetensors(st)
        header["model.norm.weight"]["shape"] = [1 << 62, 4]
        write_header_text(st, json.dumps(header).encode(), body)
    elif kind == "huge-dim":
        header, body = read_safetensors(st)
        header["model.norm.weight"]["shape"] = [1 << 63]
        write_header_text(st, json.dumps(header).encode(), body)
    elif kind == "huge-header":
        # A sparse file with a 2 GiB header length: nothing but the length
        # is on disk, so reading it would allocate 2 GiB of zeros.
        with open(st, "wb") as f:
            f.write(struct.pack("<Q", 1 << 31))
            f.truncate(8 + (1 << 31) + 64)
    elif kind == "duplicate-key":
        header, body = read_safetensors(st)
        text = json.dumps(header)
        # Repeat the norm's entry, pointing at the LM head's bytes.
        head = json.dumps(header["lm_head.weight"])
        text = text[:-1] + ', "model.norm.weight": ' + head + "}"
        write_header_text(st, text.encode(), body)
    elif kind == "overlap":
        header, body = read_safetensors(st)
        header["model.norm.weight"]["data_offsets"] = \
            header["model.layers.0.input_layernorm.weight"]["data_offsets"]
        write_header_text(st, json.dumps(header).encode(), body)
    elif kind == "wrong-shard":
        path = os.path.join(directory, "model.safetensors.index.json")
        index = json.load(open(path))
        index["weight_map"]["lm_head.weight"] = "model-00001-of-00002.safetensors"
        with open(path, "w") as f:
            json.dump(index, f, indent=2)
    elif kind == "two-shards":
        # The first shard also holds the second shard's LM head.
        first = os.path.join(directory, "model-00001-of-00002.safetensors")
        second = os.path.join(directory, "model-00002-of-00002.safetensors")
        h1, b1 = read_safetensors(first)
        h2, b2 = read_safetensors(second)
        head = h2["lm_head.weight"]
        start, end = head["data_offsets"]
        h1["lm_head.weight"] = dict(head, data_offsets=[len(b1), len(b1) + end - start])
        write_header_text(first, json.dumps(h1).encode(), b1 + b2[start:end])
    elif kind == "layers-negative":
        edit_config(directory, num_hidden_layers=-1)
    elif kind == "layers-huge":
        edit_config(directory, num_hidden_layers=1000000000)
    elif kind == "layers-float":
        path = os.path.join(directory, "config.json")
        text = open(path).read().replace('"num_hidden_layers": 2',
                                         '"num_hidden_layers": 1e9')
        open(path, "w").write(text)
    elif kind == "vocab-2p63":
        path = os.path.join(directory, "config.json")
        text = open(path).read().replace('"vocab_size": 64',
                                         '"vocab_size": 9223372036854775808')
        open(path, "w").write(text)
    elif kind == "eps-string":
        edit_config(directory, rms_norm_eps="1e-6")
    elif kind == "tied-string":
        edit_config(directory, tie_word_embeddings="false")
    elif kind == "config-duplicate":
        path = os.path.join(directory, "config.json")
        text = open(path).read().rstrip()
        open(path, "w").write(text[:-1] + ',\n  "hidden_size": 64\n}\n')
    elif kind == "config-dev-zero":
        os.remove(os.path.join(directory, "config.json"))
        os.symlink("/dev/zero", os.path.join(directory, "config.json"))
    elif kind == "config-fifo":
        os.remove(os.path.join(directory, "config.json"))
        os.mkfifo(os.path.join(directory, "config.json"))
    elif kind == "tokenizer-dev-zero":
        os.remove(os.path.join(directory, "tokenizer.json"))
        os.symlink("/dev/zero", os.path.join(directory, "tokenizer.json"))
    elif kind == "tokenizer-fifo":
        os.remove(os.path.join(directory, "tokenizer.json"))
        os.mkfifo(os.path.join(directory, "tokenizer.json"))
    elif kind == "regex-limit":
        # A Split regex that backtracks exponentially on "aaaa...!".
        path = os.path.join(directory, "tokenizer.json")
        tokenizer = json.load(open(path))
        tokenizer["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "(a|aa)+$"},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False,
             "trim_offsets": True, "use_regex": False}]}
        with open(path, "w") as f:
            json.dump(tokenizer, f, indent=1)
    elif kind == "good":
        pass
    else:
        sys.exit("unknown kind " + kind)


if __name__ == "__main__":
    main()
