"""Writes a tiny one-layer decoder and what it needs to run, without real data.

Usage: tiny_decoder.py OUT_DIR  ->  OUT_DIR/{model.mlir, tok.bin, text.txt}

* tok.bin: a llama2.c tokenizer.bin with <unk>, <s>, </s> and the 256 byte
  tokens only (every character falls back to its byte, id = byte + 3);
* model.mlir: embedding (259 x 8, deterministic pseudo-random values), one
  decoder layer whose linears carry their role and layer (q/k/v share an
  input, gate/up share one, o, down) and a tied lm_head;
* text.txt: three short documents separated by <|endoftext|>.
"""

import os
import struct
import sys

VOCAB, DIM, HIDDEN = 259, 8, 16


def values(count, seed):
    """Deterministic values in [-1, 1) from a 32-bit LCG (no numpy needed)."""
    state = seed
    out = []
    for _ in range(count):
        state = (1103515245 * state + 12345) % (1 << 31)
        out.append(round(state / (1 << 30) - 1.0, 4))
    return out


def dense(rows, cols, seed):
    v = values(rows * cols, seed)
    body = ", ".join(
        "[" + ", ".join(repr(x) for x in v[r * cols:(r + 1) * cols]) + "]"
        for r in range(rows))
    return "dense<[%s]> : tensor<%dx%dxf32>" % (body, rows, cols)


def write_tokenizer(path):
    pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
    pieces += [b"<0x%02X>" % b for b in range(256)]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for p in pieces:
            f.write(struct.pack("<fi", 0.0, len(p)) + p)


def write_model(path):
    t = "tensor<1x?x%dxf32>"
    x, hid, logits = t % DIM, t % HIDDEN, t % VOCAB
    w = lambda name, rows, cols, seed: "    %%%s = arith.constant %s\n" % (
        name, dense(rows, cols, seed))

    def linear(res, inp, weight, role, rows, cols, out_t):
        return ("    %%%s = ost.linear %%%s, %%%s {role = #ost.role<%s>, "
                "layer = 0 : i64} : %s, tensor<%dx%dxf32> -> %s\n" %
                (res, inp, weight, role, x if cols == DIM else hid, rows,
                 cols, out_t))

    body = [
        "func.func @forward(%%ids: tensor<1x?xi64>) -> %s {\n" % logits,
        w("table", VOCAB, DIM, 1),
        w("wq", DIM, DIM, 2), w("wk", DIM, DIM, 3), w("wv", DIM, DIM, 4),
        w("wo", DIM, DIM, 5), w("wg", HIDDEN, DIM, 6), w("wu", HIDDEN, DIM, 7),
        w("wd", DIM, HIDDEN, 8),
        "    %%h = ost.embedding %%table[%%ids] : tensor<%dx%dxf32>, "
        "tensor<1x?xi64> -> %s\n" % (VOCAB, DIM, x),
        "    %%n = ost.rms_norm %%h : %s\n" % x,
        linear("q", "n", "wq", "q_proj", DIM, DIM, x),
        linear("k", "n", "wk", "k_proj", DIM, DIM, x),
        linear("v", "n", "wv", "v_proj", DIM, DIM, x),
        "    %%qk = ost.mul %%q, %%k : %s\n" % x,
        "    %%a = ost.add %%qk, %%v : %s\n" % x,
        linear("o", "a", "wo", "o_proj", DIM, DIM, x),
        "    %%h2 = ost.add %%h, %%o : %s\n" % x,
        "    %%n2 = ost.rms_norm %%h2 : %s\n" % x,
        linear("g", "n2", "wg", "gate_proj", HIDDEN, DIM, hid),
        linear("u", "n2", "wu", "up_proj", HIDDEN, DIM, hid),
        "    %%s = ost.silu %%g : %s\n" % hid,
        "    %%m = ost.mul %%s, %%u : %s\n" % hid,
        linear("d", "m", "wd", "down_proj", DIM, HIDDEN, x),
        "    %%h3 = ost.add %%h2, %%d : %s\n" % x,
        "    %%n3 = ost.rms_norm %%h3 : %s\n" % x,
        "    %%logits = ost.lm_head %%n3, %%table : %s, tensor<%dx%dxf32> -> %s\n"
        % (x, VOCAB, DIM, logits),
        "    return %%logits : %s\n" % logits,
        "}\n",
    ]
    with open(path, "w") as f:
        f.write("".join(body))


def write_text(path):
    docs = ["Once upon a time there was a tiny model.",
            "It had one layer and eight channels.",
            "The end."]
    with open(path, "w") as f:
        f.write("\n<|endoftext|>\n".join(docs) + "\n")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_tokenizer(os.path.join(out, "tok.bin"))
    write_model(os.path.join(out, "model.mlir"))
    write_text(os.path.join(out, "text.txt"))


if __name__ == "__main__":
    main()
