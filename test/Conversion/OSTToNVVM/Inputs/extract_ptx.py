#!/usr/bin/env python3
# ===- extract_ptx.py - PTX (or cubin) out of gpu.binary ops -----------=== #
#
# Part of the ost project: OSTQuant as an MLIR compiler.
#
# gpu-module-to-binary{format=isa} embeds each module's PTX as the escaped
# string `assembly = "..."` (format=bin: `bin = "..."`). Usage:
#   extract_ptx.py IN.mlir OUT.ptx    writes the (first) payload to OUT.ptx
# MLIR escapes non-printable bytes as \XX (two hex digits), plus \\ and \".
#
# ===------------------------------------------------------------------=== #
import re
import sys


def unescape(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            nxt = text[i + 1]
            if nxt in "\\\"":
                out.append(ord(nxt))
                i += 2
                continue
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
            continue
        out.extend(c.encode("utf-8"))
        i += 1
    return bytes(out)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    match = re.search(r'(?:assembly|bin) = "((?:[^"\\]|\\.)*)"', text)
    if not match:
        sys.exit("extract_ptx.py: no gpu.binary payload in " + sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(unescape(match.group(1)))


if __name__ == "__main__":
    main()
