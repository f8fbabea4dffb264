#!/usr/bin/env python3
"""zip-layout.py ZIP DIR: prints the zip's top-level entries, checks every
member's CRC, lists the members and extracts them into DIR."""
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as z:
    names = z.namelist()
    tops = sorted({n.split("/")[0] + ("/" if "/" in n else "") for n in names})
    print("top-level:", " ".join(tops))
    print("crc:", "ok" if z.testzip() is None else "bad " + z.testzip())
    for n in names:
        print(n)
    z.extractall(sys.argv[2])
