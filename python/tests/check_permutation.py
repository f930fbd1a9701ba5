"""The rotate-half torch model equals the numpy llama2.c forward (interleaved RoPE)."""

import os
import sys

from _common import check, data_paths, finish, quiet_torch

import numpy as np
import torch

from ost.models import llama2c_numpy, llama_torch
from ost.models.llama2c import Llama2cConfig, read_checkpoint, write_checkpoint

quiet_torch()
model_path, _, _ = data_paths(sys.argv[1])
tmp = sys.argv[2]
os.makedirs(tmp, exist_ok=True)

# The permutation itself: [0, 2, 4, 6, 1, 3, 5, 7] inside each head of 8.
perm = llama_torch.interleaved_to_half_rows(2, 8)
print("permutation (2 heads of 8):", perm.tolist())
check(perm.tolist() == [0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15], "interleaved -> rotate-half rows")


def compare(ckpt, label, tokens):
    ref = llama2c_numpy.forward(ckpt, tokens)  # float64, interleaved RoPE, raw weights
    ids = torch.tensor([tokens], dtype=torch.int64)
    m = llama_torch.from_llama2c(ckpt)
    with torch.no_grad():
        l32 = m(ids)[0].numpy()
        l64 = m.double()(ids)[0].numpy()
    d64 = float(np.abs(l64 - ref).max())
    d32 = float(np.abs(l32 - ref).max())
    print(f"{label}: T={len(tokens)} max|logit|={np.abs(ref).max():.2f} diff float64 {d64:.2e} float32 {d32:.2e}")
    check(d64 < 1e-5, f"{label}: torch (float64) == numpy interleaved forward, max diff < 1e-5")
    check(d32 < 1e-4, f"{label}: torch (float32) == numpy interleaved forward, max diff < 1e-4")
    # Negative control: without the permutation the models differ.
    orig = llama_torch.interleaved_to_half_rows
    llama_torch.interleaved_to_half_rows = lambda h, d: np.arange(h * d)
    try:
        wrong = llama_torch.from_llama2c(ckpt).double()
    finally:
        llama_torch.interleaved_to_half_rows = orig
    with torch.no_grad():
        dw = float(np.abs(wrong(ids)[0].numpy() - ref).max())
    check(dw > 1e-2, f"{label}: the unpermuted model differs (max diff {dw:.2f}), so the check can fail")


rng = np.random.default_rng(1)
ck = read_checkpoint(model_path)
tokens = [1, 403, 407, 261, 378] + rng.integers(3, 512, 295).tolist()
compare(ck, "stories260K", tokens)

# A random checkpoint covering the other branches: MHA (n_kv_heads == n_heads),
# a separate classifier, head size 16, odd-sized hidden dim.
cfg = Llama2cConfig(dim=64, hidden_dim=90, n_layers=3, n_heads=4, n_kv_heads=4, vocab_size=97, seq_len=64,
                    shared_classifier=False)
tensors = {}
for name, shape in cfg.tensor_shapes():
    if name.startswith("freq_cis"):
        continue
    scale = 1.0 if name.startswith("rms") else 1.0 / np.sqrt(shape[-1])
    tensors[name] = (rng.standard_normal(shape) * scale + (1.0 if name.startswith("rms") else 0.0)).astype(np.float32)
p = os.path.join(tmp, "random_mha.bin")
write_checkpoint(p, cfg, tensors)
compare(read_checkpoint(p), "random MHA unshared", rng.integers(0, 97, 64).tolist())
finish()
