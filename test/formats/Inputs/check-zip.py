"""Checks a zip written by zip-directory with Python's own zipfile module.

Usage: check-zip.py ARCHIVE.zip TREE
Prints the member names in archive order, then 'zip64-end: yes|no' and
'zip64-members: N'; exits 1 with a message if zipfile rejects the archive
(testzip: CRCs), a member differs from its file under TREE, or a member's
date, method, system or mode is not the fixed one.
"""
import os
import stat
import struct
import sys
import zipfile


def main():
    archive, tree = sys.argv[1], sys.argv[2]
    with zipfile.ZipFile(archive) as z:
        bad = z.testzip()
        if bad is not None:
            sys.exit("error: %s: bad CRC in '%s'" % (archive, bad))
        zip64_members = 0
        for info in z.infolist():
            print(info.filename)
            folder = info.filename.endswith("/")
            mode = info.external_attr >> 16
            want_mode = (stat.S_IFDIR | 0o755) if folder else (stat.S_IFREG | 0o644)
            if (info.date_time != (1980, 1, 1, 0, 0, 0) or info.compress_type != 0
                    or info.create_system != 3 or mode != want_mode):
                sys.exit("error: %s: '%s' has date %s, method %d, system %d, mode %o"
                         % (archive, info.filename, info.date_time, info.compress_type,
                            info.create_system, mode))
            # zipfile reads the ZIP64 field into file_size / header_offset;
            # the raw extra still shows whether the member had one.
            if b"\x01\x00" in info.extra[:2]:
                zip64_members += 1
            if folder:
                continue
            path = os.path.join(tree, info.filename.split("/", 1)[1])
            with open(path, "rb") as f, z.open(info) as m:
                while True:
                    a, b = f.read(1 << 20), m.read(1 << 20)
                    if a != b:
                        sys.exit("error: %s: '%s' differs from %s" % (archive, info.filename, path))
                    if not a:
                        break
    with open(archive, "rb") as f:
        f.seek(-42, os.SEEK_END)
        locator = f.read(4)
    print("zip64-end:", "yes" if locator == b"PK\x06\x07" else "no")
    print("zip64-members:", zip64_members)


main()
