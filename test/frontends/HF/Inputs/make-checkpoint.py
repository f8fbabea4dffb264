#!/usr/bin/env python3
"""Writes a tiny Hugging Face llama checkpoint, optionally broken on purpose.

    make-checkpoint.py DIR [--sharded] [--break KIND]

The weights are deterministic pseudo-random bf16 values; only the files'
structure matters to the importer tests. Each --break KIND produces one kind
of bad input the importer must reject with a clear diagnostic.
"""
import argparse
import json
import os
import struct

HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, VOCAB, LAYERS = 32, 4, 2, 8, 64, 64, 2

BREAKS = [
    "missing-config", "unknown-model-type", "truncated-header",
    "header-too-long", "offsets-outside", "unknown-dtype", "wrong-shape",
    "missing-tensor", "missing-shard", "shard-outside",
]


def tensors():
    """(name, shape) of every tensor, in HF naming."""
    out = [("model.embed_tokens.weight", [VOCAB, HIDDEN])]
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        out += [
            (p + "input_layernorm.weight", [HIDDEN]),
            (p + "self_attn.q_proj.weight", [HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.k_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.v_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]),
            (p + "self_attn.o_proj.weight", [HIDDEN, HEADS * HEAD_DIM]),
            (p + "post_attention_layernorm.weight", [HIDDEN]),
            (p + "mlp.gate_proj.weight", [FFN, HIDDEN]),
            (p + "mlp.up_proj.weight", [FFN, HIDDEN]),
            (p + "mlp.down_proj.weight", [HIDDEN, FFN]),
        ]
    out += [("model.norm.weight", [HIDDEN]), ("lm_head.weight", [VOCAB, HIDDEN])]
    return out


def bf16_bytes(count, seed):
    """Deterministic small bf16 values (an LCG; no numpy needed)."""
    state, out = seed, bytearray()
    for _ in range(count):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        value = ((state >> 8) / float(1 << 23) - 0.5) * 0.2
        out += struct.pack("<I", struct.unpack("<I", struct.pack("<f", value))[0])[2:]
    return bytes(out)


def write_safetensors(path, entries, brk):
    header, blobs, offset = {}, [], 0
    for seed, (name, shape) in enumerate(entries):
        count = 1
        for d in shape:
            count *= d
        data = bf16_bytes(count, seed + 1)
        header[name] = {"dtype": "BF16", "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    first = entries[0][0]
    if brk == "unknown-dtype":
        header[first]["dtype"] = "I4"
    if brk == "offsets-outside":
        header[first]["data_offsets"] = [offset, offset + 2 * VOCAB * HIDDEN]
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    body = struct.pack("<Q", len(text)) + text + b"".join(blobs)
    if brk == "header-too-long":
        body = struct.pack("<Q", len(body) * 2) + body[8:]
    if brk == "truncated-header":
        body = body[:5]
    with open(path, "wb") as f:
        f.write(body)


def write_tokenizer(path):
    """A byte-level BPE tokenizer.json: specials, then printable characters."""
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,;:!?'-0123456789":
        if len(vocab) < VOCAB:
            vocab[c] = len(vocab)
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False,
              "rstrip": False, "normalized": False, "special": True}
             for t, i in list(vocab.items())[:3]]
    tokenizer = {
        "version": "1.0", "added_tokens": added, "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False,
                          "trim_offsets": True, "use_regex": True},
        "post_processor": None, "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "unk_token": None, "byte_fallback": False,
                  "vocab": vocab, "merges": []},
    }
    with open(path, "w") as f:
        json.dump(tokenizer, f, indent=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--sharded", action="store_true")
    ap.add_argument("--break", dest="brk", choices=BREAKS)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    brk = args.brk

    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": HIDDEN, "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS, "head_dim": HEAD_DIM,
        "intermediate_size": FFN, "vocab_size": VOCAB,
        "num_hidden_layers": LAYERS, "max_position_embeddings": 128,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "torch_dtype": "bfloat16",
        "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
    }
    if brk == "unknown-model-type":
        config["model_type"] = "gpt9"
    if brk == "wrong-shape":
        config["intermediate_size"] = FFN + 8
    if brk != "missing-config":
        with open(os.path.join(args.dir, "config.json"), "w") as f:
            json.dump(config, f, indent=2)

    write_tokenizer(os.path.join(args.dir, "tokenizer.json"))
    entries = tensors()
    if brk == "missing-tensor":
        entries = [e for e in entries if e[0] != "model.layers.1.mlp.up_proj.weight"]
    sharded = args.sharded or brk in ("missing-shard", "shard-outside")
    if not sharded:
        write_safetensors(os.path.join(args.dir, "model.safetensors"), entries, brk)
        return
    half = len(entries) // 2
    shards = {"model-00001-of-00002.safetensors": entries[:half],
              "model-00002-of-00002.safetensors": entries[half:]}
    weight_map = {}
    for name, part in shards.items():
        if not (brk == "missing-shard" and name.startswith("model-00002")):
            write_safetensors(os.path.join(args.dir, name), part, brk)
        for tensor, _ in part:
            weight_map[tensor] = name
    if brk == "shard-outside":
        weight_map["lm_head.weight"] = "../elsewhere/model.safetensors"
    with open(os.path.join(args.dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)


if __name__ == "__main__":
    main()
