"""llama2.c checkpoint reader: header, tensor shapes, frequency tables, write/read round trip."""

import os
import sys

from _common import check, data_paths, finish

import numpy as np

from ost.models.llama2c import (Llama2cConfig, Llama2cFormatError, read_checkpoint, rope_tables,
                                write_checkpoint)

model_path, _, _ = data_paths(sys.argv[1])
tmp = sys.argv[2]
os.makedirs(tmp, exist_ok=True)

ck = read_checkpoint(model_path)
c = ck.config
print(f"header: dim={c.dim} hidden_dim={c.hidden_dim} n_layers={c.n_layers} n_heads={c.n_heads} "
      f"n_kv_heads={c.n_kv_heads} vocab_size={c.vocab_size} seq_len={c.seq_len} "
      f"shared={int(c.shared_classifier)} head_size={c.head_size} kv_dim={c.kv_dim}")
for name, t in ck.tensors.items():
    print(f"tensor {name} {list(t.shape)} {t.dtype}")
n = sum(t.size for t in ck.tensors.values())
check(c.expected_file_size() == os.path.getsize(model_path) == 28 + 4 * n,
      f"file size {os.path.getsize(model_path)} = header + {n} floats")
check("wcls" not in ck.tensors and ck.classifier is ck.tensors["token_embedding"], "shared classifier is the embedding")
cos, sin = rope_tables(c.seq_len, c.head_size)
d = max(np.abs(cos - ck["freq_cis_real"]).max(), np.abs(sin - ck["freq_cis_imag"]).max())
check(d < 1e-5, f"freq_cis tables match cos/sin(pos * 10000^(-2i/head_size)) (max diff {d:.1e})")
check(float(np.abs(ck["rms_att"]).mean()) > 0.01 and np.isfinite(ck["wq"]).all(), "weights are finite and non-trivial")

# Round trip of a small checkpoint with a separate classifier (negative vocab_size).
rng = np.random.default_rng(0)
cfg = Llama2cConfig(dim=32, hidden_dim=48, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=40, seq_len=16,
                    shared_classifier=False)
tensors = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in cfg.tensor_shapes()
           if not name.startswith("freq_cis")}
p = os.path.join(tmp, "unshared.bin")
write_checkpoint(p, cfg, tensors)
with open(p, "rb") as f:
    vocab_field = int(np.frombuffer(f.read(28), "<i4")[5])
check(vocab_field == -40, f"unshared checkpoint stores vocab_size as {vocab_field}")
back = read_checkpoint(p)
check(not back.config.shared_classifier and back.config.vocab_size == 40, "reader sees the separate classifier")
check(all(np.array_equal(back[k], v) for k, v in tensors.items()), "round trip keeps every tensor bit-exact")
check(back.classifier is back.tensors["wcls"], "classifier is wcls")

# The reader must reject the same file read with the wrong sharing flag.
bad = os.path.join(tmp, "flipped.bin")
with open(p, "rb") as f:
    raw = bytearray(f.read())
raw[20:24] = np.int32(40).tobytes()
with open(bad, "wb") as f:
    f.write(raw)
try:
    read_checkpoint(bad)
    check(False, "flipped vocab sign is rejected")
except Llama2cFormatError as e:
    check("trailing bytes" in str(e) and "flipped.bin" in str(e), f"flipped vocab sign is rejected: {e}")
finish()
