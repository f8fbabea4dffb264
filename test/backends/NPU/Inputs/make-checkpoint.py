#!/usr/bin/env python3
"""Writes a random-weight Llama checkpoint (HF layout, bf16) for sharding
tests: sizes from the command line, the tokenizer of test/models/kjv-tiny.

The weights only need to be deterministic, finite and of a sensible scale:
each bf16 value has a random sign, exponent 2^-5 or 2^-4 and mantissa
(|w| in [1/32, 1/8)), built from random bytes so that millions of values
take well under a second without numpy; norms are 1.
"""
import argparse
import json
import os
import random
import shutil
import struct


def random_bf16(rng, count, high=0x3D):
    # bf16 little-endian: low byte = exponent lsb + 7 mantissa bits, high
    # byte = sign + upper 7 exponent bits.
    table = bytes((high | (0x80 if b & 1 else 0)) for b in range(256))
    hi = rng.randbytes(count).translate(table)
    lo = rng.randbytes(count)
    out = bytearray(2 * count)
    out[0::2] = lo
    out[1::2] = hi
    return bytes(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--tokenizer-dir", required=True)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--kv-heads", type=int, default=16)
    p.add_argument("--ffn", type=int, default=1024)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    with open(os.path.join(args.tokenizer_dir, "config.json")) as f:
        vocab = json.load(f)["vocab_size"]
    head_dim = args.hidden // args.heads
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)

    tensors = [("model.embed_tokens.weight", [vocab, args.hidden])]
    for l in range(args.layers):
        pre = f"model.layers.{l}."
        tensors += [
            (pre + "input_layernorm.weight", [args.hidden]),
            (pre + "self_attn.q_proj.weight", [args.heads * head_dim, args.hidden]),
            (pre + "self_attn.k_proj.weight", [args.kv_heads * head_dim, args.hidden]),
            (pre + "self_attn.v_proj.weight", [args.kv_heads * head_dim, args.hidden]),
            (pre + "self_attn.o_proj.weight", [args.hidden, args.heads * head_dim]),
            (pre + "post_attention_layernorm.weight", [args.hidden]),
            (pre + "mlp.gate_proj.weight", [args.ffn, args.hidden]),
            (pre + "mlp.up_proj.weight", [args.ffn, args.hidden]),
            (pre + "mlp.down_proj.weight", [args.hidden, args.ffn]),
        ]
    tensors += [("model.norm.weight", [args.hidden]),
                ("lm_head.weight", [vocab, args.hidden])]

    header, blobs, offset = {}, [], 0
    for name, shape in tensors:
        count = 1
        for d in shape:
            count *= d
        if len(shape) == 1:
            data = struct.pack("<H", 0x3F80) * count  # 1.0
        else:
            data = random_bf16(rng, count)
        header[name] = {"dtype": "BF16", "shape": shape,
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(os.path.join(args.out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)

    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": args.hidden, "intermediate_size": args.ffn,
        "num_attention_heads": args.heads, "num_key_value_heads": args.kv_heads,
        "head_dim": head_dim, "num_hidden_layers": args.layers,
        "vocab_size": vocab, "max_position_embeddings": args.context,
        "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": False, "bos_token_id": 0, "eos_token_id": 1,
        "torch_dtype": "bfloat16"}
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        src = os.path.join(args.tokenizer_dir, name)
        if os.path.exists(src):
            shutil.copy(src, os.path.join(args.out, name))


if __name__ == "__main__":
    main()
