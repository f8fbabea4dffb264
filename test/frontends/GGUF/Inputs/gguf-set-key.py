#!/usr/bin/env python3
"""Overwrites the value of one integer metadata key of a GGUF file in place
(same type, so the layout is unchanged), as a hostile file would have it.

    gguf-set-key.py IN.gguf OUT.gguf KEY VALUE
"""
import struct
import sys

# GGUF value type -> struct format of the scalar.
FORMATS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 10: "Q", 11: "q"}


def main():
    src, dst, key, value = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
    data = bytearray(open(src, "rb").read())
    at = data.index(struct.pack("<Q", len(key)) + key) + 8 + len(key)
    (kind,) = struct.unpack_from("<I", data, at)
    struct.pack_into("<" + FORMATS[kind], data, at + 4, value)
    open(dst, "wb").write(data)


if __name__ == "__main__":
    main()
