"""Writes damaged copies of an ost calibration checkpoint.

Usage: corrupt_checkpoint.py CHECKPOINT OUT_DIR
       ->  OUT_DIR/{truncated,magic,rank,nan-value,momentum,second-moment,
                    negative-step,next-step,trailing,state-count}.ck

Reads the format of lib/Calibration/CalibrationCheckpoint.h (little-endian,
version 1) and writes it back with one field damaged per file, each a way a
disk error, another tool or a hand edit could break it.
"""

import math
import os
import struct
import sys


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        (v,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return v

    def string(self):
        n = self.take("I")
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s

    def doubles(self):
        n = self.take("Q")
        v = list(struct.unpack_from("<%dd" % n, self.data, self.pos))
        self.pos += 8 * n
        return v


def parse(data):
    assert data[:8] == b"OSTCKPT1", "not a checkpoint"
    r = Reader(data[8:])
    ck = {"fingerprint": r.string(), "next": r.take("q"),
          "first": r.take("d"), "params": []}
    for _ in range(r.take("I")):
        p = {"name": r.string()}
        p["shape"] = [r.take("q") for _ in range(r.take("I"))]
        p["value"] = r.doubles()
        p["states"] = []
        for _ in range(r.take("I")):
            p["states"].append({"step": r.take("q"), "m": r.doubles(),
                                "v": r.doubles()})
        ck["params"].append(p)
    assert r.pos == len(data) - 8, "trailing data"
    return ck


def write(ck, rank=None):
    def string(s):
        return struct.pack("<I", len(s)) + s

    def doubles(v):
        return struct.pack("<Q%dd" % len(v), len(v), *v)

    out = [b"OSTCKPT1", string(ck["fingerprint"]),
           struct.pack("<qdI", ck["next"], ck["first"], len(ck["params"]))]
    for i, p in enumerate(ck["params"]):
        out.append(string(p["name"]))
        out.append(struct.pack("<I", rank if rank is not None and i == 0
                               else len(p["shape"])))
        out.append(struct.pack("<%dq" % len(p["shape"]), *p["shape"]))
        out.append(doubles(p["value"]))
        out.append(struct.pack("<I", len(p["states"])))
        for s in p["states"]:
            out.append(struct.pack("<q", s["step"]) + doubles(s["m"]) +
                       doubles(s["v"]))
    return b"".join(out)


def main():
    data = open(sys.argv[1], "rb").read()
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ck = parse(data)
    assert write(ck) == data, "the format changed: update this script"

    def save(name, blob):
        with open(os.path.join(out, name + ".ck"), "wb") as f:
            f.write(blob)

    def edited(edit):
        c = parse(data)
        edit(c)
        return write(c)

    rotation = next(p for p in ck["params"] if len(p["shape"]) >= 2)
    name = rotation["name"]

    def first_rotation(c):
        return next(p for p in c["params"] if p["name"] == name)

    save("truncated", data[:len(data) // 2])
    save("magic", b"OSTCKPT9" + data[8:])
    save("rank", write(ck, rank=0xFFFFFFFF))
    save("nan-value", edited(lambda c: first_rotation(c)["value"].__setitem__(
        0, math.nan)))
    save("momentum", edited(lambda c: first_rotation(c)["states"][0][
        "m"].pop()))
    save("second-moment", edited(lambda c: first_rotation(c)["states"][0][
        "v"].extend([1.0, 2.0])))
    save("negative-step", edited(lambda c: first_rotation(c)["states"][0]
                                 .__setitem__("step", -3)))
    save("next-step", edited(lambda c: c.__setitem__("next", -1)))
    save("trailing", data + b"\0")
    save("state-count", edited(lambda c: first_rotation(c)["states"].append(
        {"step": 0, "m": [], "v": []})))


if __name__ == "__main__":
    main()
