"""Writes a tiny LLaMA-style decoder and calibration data, without real data.

Usage: tiny_llama.py [--outline] OUT_DIR
       ->  OUT_DIR/{model.mlir, tok.bin, text.txt}

* model.mlir: @forward(ids : tensor<?x?xi64>) with an embedding (259 x 16),
  two decoder layers (RMSNorm with a weight, q/k/v projections split into
  4 query heads over 2 KV heads of 4 channels, rotate-half RoPE, causal
  ost.attention, o_proj, SwiGLU MLP of 24; at most 64 positions) and an
  untied lm_head. Weights
  are deterministic pseudo-random values; the q/k/v inputs get a few
  outlier channels (larger norm weights) so quantization has work to do.
  With --outline the whole network is a private function @decoder that
  @forward calls (the same computation behind a func.call).
* tok.bin: a llama2.c tokenizer.bin with <unk>, <s>, </s> and the 256 byte
  tokens (every character falls back to its byte, id = byte + 3).
* text.txt: twelve short documents separated by <|endoftext|>.
"""

import math
import os
import struct
import sys

VOCAB, DIM, HIDDEN, LAYERS, HEADS, KV_HEADS, SEQ = 259, 16, 24, 2, 4, 2, 64
HEAD_DIM = DIM // HEADS
KV_DIM = KV_HEADS * HEAD_DIM


class Values:
    """Deterministic values in [-1, 1) from a 32-bit LCG (no numpy needed)."""

    def __init__(self, seed):
        self.state = seed

    def take(self, count, scale=1.0):
        out = []
        for _ in range(count):
            self.state = (1103515245 * self.state + 12345) % (1 << 31)
            out.append(round(scale * (self.state / (1 << 30) - 1.0), 5))
        return out


def dense(shape, values):
    def nest(dims, vals):
        if len(dims) == 1:
            return "[" + ", ".join(repr(v) for v in vals) + "]"
        step = len(vals) // dims[0]
        return "[" + ", ".join(nest(dims[1:], vals[i * step:(i + 1) * step])
                               for i in range(dims[0])) + "]"
    return "dense<%s> : tensor<%sxf32>" % (nest(shape, values),
                                           "x".join(str(d) for d in shape))


def rope_tables():
    cos, sin = [], []
    for t in range(SEQ):
        for i in range(HEAD_DIM // 2):
            angle = t / (10000.0 ** (2 * i / HEAD_DIM))
            cos.append(round(math.cos(angle), 6))
            sin.append(round(math.sin(angle), 6))
    return cos, sin


def write_model(path, outline):
    rng = Values(7)
    act = "tensor<?x?x%dxf32>"
    x_t, kv_t, hid_t = act % DIM, act % KV_DIM, act % HIDDEN
    qh_t = "tensor<?x?x%dx%dxf32>" % (HEADS, HEAD_DIM)
    kh_t = "tensor<?x?x%dx%dxf32>" % (KV_HEADS, HEAD_DIM)
    rope_t = "tensor<?x%dxf32>" % (HEAD_DIM // 2)
    lines = []
    if outline:
        lines += ["func.func @forward(%%ids: tensor<?x?xi64>) -> %s {" % (act % VOCAB),
                  "  %%logits = func.call @decoder(%%ids) : (tensor<?x?xi64>) -> %s"
                  % (act % VOCAB),
                  "  return %%logits : %s" % (act % VOCAB),
                  "}"]
    lines.append("func.func %s@%s(%%ids: tensor<?x?xi64>) -> %s {" % (
        "private " if outline else "", "decoder" if outline else "forward",
        act % VOCAB))
    const = lambda name, shape, vals: lines.append(
        "  %%%s = arith.constant %s" % (name, dense(shape, vals)))
    lines.append("  %c0 = arith.constant 0 : index")
    lines.append("  %c1 = arith.constant 1 : index")
    const("emb", [VOCAB, DIM], rng.take(VOCAB * DIM))
    cos, sin = rope_tables()
    const("cos", [SEQ, HEAD_DIM // 2], cos)
    const("sin", [SEQ, HEAD_DIM // 2], sin)
    lines.append("  %%h0 = ost.embedding %%emb[%%ids] : tensor<%dx%dxf32>, "
                 "tensor<?x?xi64> -> %s" % (VOCAB, DIM, x_t))
    lines.append("  %b = tensor.dim %ids, %c0 : tensor<?x?xi64>")
    lines.append("  %t = tensor.dim %ids, %c1 : tensor<?x?xi64>")
    for table in ("cos", "sin"):
        lines.append("  %%%s_t = tensor.extract_slice %%%s[0, 0] [%%t, %d] [1, 1] : "
                     "tensor<%dx%dxf32> to %s" % (table, table, HEAD_DIM // 2, SEQ,
                                                HEAD_DIM // 2, rope_t))

    def linear(res, inp, in_t, out_t, rows, cols, role, layer, scale):
        w = "w_%s_%d" % (role, layer)
        const(w, [rows, cols], rng.take(rows * cols, scale))
        lines.append("  %%%s = ost.linear %%%s, %%%s {role = #ost.role<%s>, "
                     "layer = %d : i64} : %s, tensor<%dx%dxf32> -> %s" %
                     (res, inp, w, role, layer, in_t, rows, cols, out_t))

    h = "h0"
    for l in range(LAYERS):
        g_attn = [round(1.0 + 0.25 * v, 5) for v in rng.take(DIM)]
        g_attn[3], g_attn[11] = 6.0, -4.5  # outlier channels
        const("g_attn_%d" % l, [DIM], g_attn)
        const("g_ffn_%d" % l, [DIM], [round(1.0 + 0.25 * v, 5) for v in rng.take(DIM)])
        p = "l%d_" % l
        lines.append("  %%%sn = ost.rms_norm %%%s weight %%g_attn_%d : %s, tensor<%dxf32>"
                     % (p, h, l, x_t, DIM))
        s = 1.0 / math.sqrt(DIM)
        linear(p + "q", p + "n", x_t, x_t, DIM, DIM, "q_proj", l, s)
        linear(p + "k", p + "n", x_t, kv_t, KV_DIM, DIM, "k_proj", l, s)
        linear(p + "v", p + "n", x_t, kv_t, KV_DIM, DIM, "v_proj", l, s)
        for name, t, heads in (("q", x_t, HEADS), ("k", kv_t, KV_HEADS), ("v", kv_t, KV_HEADS)):
            lines.append("  %%%s%s4 = tensor.expand_shape %%%s%s [[0], [1], [2, 3]] "
                         "output_shape [%%b, %%t, %d, %d] : %s into %s" %
                         (p, name, p, name, heads, HEAD_DIM, t,
                          qh_t if heads == HEADS else kh_t))
        lines.append("  %%%sqr = ost.rope %%%sq4, %%cos_t, %%sin_t : %s, %s, %s" % (p, p, qh_t, rope_t, rope_t))
        lines.append("  %%%skr = ost.rope %%%sk4, %%cos_t, %%sin_t : %s, %s, %s" % (p, p, kh_t, rope_t, rope_t))
        lines.append("  %%%satt = ost.attention %%%sqr, %%%skr, %%%sv4 {causal} : %s, %s, %s"
                     % (p, p, p, p, qh_t, kh_t, kh_t))
        lines.append("  %%%sa = tensor.collapse_shape %%%satt [[0], [1], [2, 3]] : %s into %s"
                     % (p, p, qh_t, x_t))
        linear(p + "o", p + "a", x_t, x_t, DIM, DIM, "o_proj", l, s)
        lines.append("  %%%sr1 = ost.add %%%s, %%%so : %s" % (p, h, p, x_t))
        lines.append("  %%%sn2 = ost.rms_norm %%%sr1 weight %%g_ffn_%d : %s, tensor<%dxf32>"
                     % (p, p, l, x_t, DIM))
        linear(p + "g", p + "n2", x_t, hid_t, HIDDEN, DIM, "gate_proj", l, s)
        linear(p + "u", p + "n2", x_t, hid_t, HIDDEN, DIM, "up_proj", l, s)
        lines.append("  %%%ssg = ost.silu %%%sg : %s" % (p, p, hid_t))
        lines.append("  %%%sm = ost.mul %%%ssg, %%%su : %s" % (p, p, p, hid_t))
        linear(p + "d", p + "m", hid_t, x_t, DIM, HIDDEN, "down_proj", l,
               1.0 / math.sqrt(HIDDEN))
        lines.append("  %%%sr2 = ost.add %%%sr1, %%%sd : %s" % (p, p, p, x_t))
        h = p + "r2"
    const("g_final", [DIM], [1.0] * DIM)
    lines.append("  %%nf = ost.rms_norm %%%s weight %%g_final : %s, tensor<%dxf32>" % (h, x_t, DIM))
    const("w_head", [VOCAB, DIM], rng.take(VOCAB * DIM))
    lines.append("  %%logits = ost.lm_head %%nf, %%w_head : %s, tensor<%dx%dxf32> -> %s"
                 % (x_t, VOCAB, DIM, act % VOCAB))
    lines.append("  return %%logits : %s" % (act % VOCAB))
    lines.append("}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_tokenizer(path):
    pieces = [b"<unk>", b"\n<s>\n", b"\n</s>\n"]
    pieces += [b"<0x%02X>" % b for b in range(256)]
    with open(path, "wb") as f:
        f.write(struct.pack("<i", max(len(p) for p in pieces)))
        for p in pieces:
            f.write(struct.pack("<fi", 0.0, len(p)) + p)


def write_text(path):
    words = ("once upon a time there was a tiny model that liked to count "
             "the stars and the rivers and the small green hills").split()
    rng = Values(11)
    docs = []
    for d in range(12):
        picks = rng.take(40)
        docs.append(" ".join(words[int((v + 1.0) / 2.0 * len(words)) % len(words)]
                             for v in picks) + ".")
    with open(path, "w") as f:
        f.write("\n<|endoftext|>\n".join(docs) + "\n")


def main():
    args = sys.argv[1:]
    outline = "--outline" in args
    out = [a for a in args if a != "--outline"][0]
    os.makedirs(out, exist_ok=True)
    write_model(os.path.join(out, "model.mlir"), outline)
    write_tokenizer(os.path.join(out, "tok.bin"))
    write_text(os.path.join(out, "text.txt"))


if __name__ == "__main__":
    main()
