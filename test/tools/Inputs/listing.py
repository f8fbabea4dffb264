#!/usr/bin/env python3
"""Prints every path under DIR (relative, sorted, one a line, directories
with a trailing slash), with each regular file's SHA-256: two listings are
equal exactly when nothing under DIR was written, removed or renamed.

    listing.py DIR
"""
import hashlib
import os
import sys

root = sys.argv[1]
for parent, dirs, files in os.walk(root):
    dirs.sort()
    rel = os.path.relpath(parent, root)
    for name in dirs:
        print(os.path.normpath(os.path.join(rel, name)) + "/")
    for name in sorted(files):
        path = os.path.join(parent, name)
        digest = ""
        if os.path.isfile(path) and not os.path.islink(path):
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
        print(os.path.normpath(os.path.join(rel, name)), digest)
