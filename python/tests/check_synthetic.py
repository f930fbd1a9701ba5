"""Synthetic LLaMA generator: determinism (same seed => identical bytes) and outlier channels."""

import hashlib
import sys

from _common import check, finish, quiet_torch

import numpy as np
import torch

from ost.models.llama_torch import (SyntheticSpec, build_synthetic, channel_outlier_ratio, outlier_plan,
                                    synthetic_weights)

quiet_torch()
SPEC = "dim=64,hidden=172,layers=2,heads=8,kv_heads=4,vocab=512,seq=256,outliers=4,seed=0"


def digest(spec):
    w = synthetic_weights(SyntheticSpec.parse(spec))
    h = hashlib.sha256()
    for k in sorted(w):
        h.update(k.encode())
        h.update(np.ascontiguousarray(w[k]).tobytes())
    return h.hexdigest()


a, b = digest(SPEC), digest(SPEC)
print("weights sha256:", a)
check(a == b, "same spec and seed => identical weight bytes")
check(digest(SPEC.replace("seed=0", "seed=1")) != a, "another seed => different weights")
torch.manual_seed(123)  # the global torch RNG must not matter
check(digest(SPEC) == a, "independent of torch's global RNG state")

ids = torch.from_numpy(np.random.default_rng(7).integers(0, 512, (4, 128)))


def channel_ratio(x):
    rms = x.reshape(-1, x.shape[-1]).pow(2).mean(0).sqrt()
    return float(rms.max() / rms.median())


for spec, want in ((SPEC, True), (SPEC.replace("outliers=4", "outliers=0"), False),
                   ("dim=128,hidden=344,layers=5,heads=4,kv_heads=1,vocab=300,seq=128,outliers=2,seed=3", True),
                   ("dim=96,hidden=256,layers=3,heads=6,kv_heads=3,vocab=256,seq=64,outliers=3,seed=9,tie=1", True)):
    m = build_synthetic(spec)
    worst, per = channel_outlier_ratio(m, ids[:, :min(128, m.config.max_seq_len)] % m.config.vocab_size)
    # What the linear layers see: RMSNorm outputs (QKV / gate-up inputs).
    seen = []
    hooks = [l.input_layernorm.register_forward_hook(lambda mod, i, o: seen.append(channel_ratio(o)))
             for l in m.layers]
    with torch.no_grad():
        logits = m(ids[:, :min(128, m.config.max_seq_len)] % m.config.vocab_size)
    for h in hooks:
        h.remove()
    plan = outlier_plan(m.synthetic_spec)
    print(f"{spec}\n  outlier channels {plan.channels.tolist()} scales {np.round(plan.scales, 1).tolist()}\n"
          f"  residual max/median channel RMS per layer boundary {[round(r, 1) for r in per]}\n"
          f"  normalised QKV inputs {[round(r, 1) for r in seen]}; logits std {float(logits.std()):.2f} "
          f"max {float(logits.abs().max()):.1f}")
    if want:
        check(worst >= 20, f"outliers: residual max/median channel RMS >= 20 at every layer boundary (min {worst:.1f})")
        check(min(seen) >= 20, f"outliers reach the linear layers' inputs (min ratio {min(seen):.1f})")
        check(float(logits.abs().max()) < 100 and torch.isfinite(logits).all(), "logits stay sane")
    else:
        check(max(per) < 3, f"no outliers: ratio stays small (max {max(per):.2f})")

# FFN outliers are an exact equivalence: same function, outliers at down_proj's input.
base = build_synthetic(SPEC)
ffn = build_synthetic(SPEC + ",ffn_outliers=4,ffn_outlier_scale=50")
inp = []
hk = ffn.layers[0].mlp.down_proj.register_forward_hook(lambda mod, i, o: inp.append(channel_ratio(i[0])))
with torch.no_grad():
    d = float((ffn(ids) - base(ids)).abs().max())
hk.remove()
print(f"ffn_outliers=4: down_proj input ratio {inp[0]:.1f}, logits diff vs no FFN outliers {d:.2e}")
check(inp[0] >= 20 and d < 1e-3, "FFN outliers: down_proj input has outliers, function unchanged")

for bad in ("dim=64,heads=5", "outliers=40", "bogus=1", "dim=abc"):
    try:
        SyntheticSpec.parse(bad)
        check(False, f"bad spec '{bad}' rejected")
    except ValueError as e:
        check(True, f"bad spec '{bad}' rejected: {e}")
finish()
