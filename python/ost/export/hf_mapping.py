"""Map a transformers LLaMA-family model onto ost.models.llama_torch.

    cfg = llama_config(hf_config, max_seq_len=0)   # UnsupportedModel for anything llama_torch does not compute
    model = to_ost_model(hf_model, cfg)            # same weights, rotate-half RoPE, GQA, (un)tied head

Accepted: model_type `llama` (LlamaForCausalLM) and `mistral` when its
sliding window does not bind (no window, or one at least as long as the
exported context): both are then exactly the llama_torch forward. Refused,
with every offending field named: other architectures (Qwen2's q/k/v biases
are named as such), `hidden_act` other than silu, `attention_bias`,
`mlp_bias`, `rope_scaling` other than the default (llama3, linear, dynamic,
yarn, ...), a `head_dim` other than hidden_size / num_attention_heads,
`partial_rotary_factor` < 1, and a sliding window shorter than the context.

Context: `max_seq_len` 0 means min(max_position_embeddings, 2048). It sets
the rows of the RoPE tables and the side of the additive causal-mask
initializer, which holds max_seq_len^2 float32 values (2048: 16 MiB,
8192: 256 MiB), hence the cap.
"""

from __future__ import annotations

from typing import List

DEFAULT_MAX_SEQ = 2048


class UnsupportedModel(Exception):
    """The model is not one llama_torch computes exactly (the message names the fields)."""


def default_max_seq(hf_config) -> int:
    return min(int(getattr(hf_config, "max_position_embeddings", 0) or DEFAULT_MAX_SEQ), DEFAULT_MAX_SEQ)


def _architecture_problem(c) -> str:
    mt = getattr(c, "model_type", "?")
    archs = getattr(c, "architectures", None) or []
    if mt == "qwen2":
        return ("architecture qwen2 (Qwen2ForCausalLM) is not supported: its q/k/v_proj have biases "
                "(attention bias), which ost.models.llama_torch does not implement")
    if mt not in ("llama", "mistral"):
        name = f"{mt} ({', '.join(archs)})" if archs else mt
        return (f"architecture {name} is not LLaMA: supported are model_type llama (LlamaForCausalLM) and "
                "mistral without a binding sliding window")
    bad = [a for a in archs if not a.endswith("ForCausalLM")]
    if bad:
        return f"architectures {bad}: only causal-LM heads (*ForCausalLM) are exported"
    return ""


def config_problems(c, max_seq_len: int) -> List[str]:
    """Every reason llama_torch would not compute the same function as transformers."""
    problems = []
    act = getattr(c, "hidden_act", "silu")
    if act != "silu":
        problems.append(f"hidden_act={act!r}: only silu (SwiGLU MLP) is supported")
    for name in ("attention_bias", "mlp_bias"):
        if getattr(c, name, False):
            problems.append(f"{name}=true: llama_torch's linear layers have no bias")
    rs = getattr(c, "rope_scaling", None)
    if rs:
        kind = rs.get("rope_type", rs.get("type", "?")) if isinstance(rs, dict) else rs
        if kind != "default":
            problems.append(f"rope_scaling type {kind!r} is not supported (only plain RoPE with rope_theta)")
    prf = getattr(c, "partial_rotary_factor", 1.0)
    if prf is not None and float(prf) != 1.0:
        problems.append(f"partial_rotary_factor={prf}: RoPE must rotate the whole head")
    hidden, heads = int(c.hidden_size), int(c.num_attention_heads)
    kv = int(getattr(c, "num_key_value_heads", None) or heads)
    head_dim = getattr(c, "head_dim", None)
    if hidden % heads:
        problems.append(f"hidden_size {hidden} is not divisible by num_attention_heads {heads}")
    elif head_dim is not None and int(head_dim) != hidden // heads:
        problems.append(f"head_dim {head_dim} != hidden_size / num_attention_heads = {hidden // heads} "
                        "(llama_torch derives the head size from hidden_size)")
    if heads % kv:
        problems.append(f"num_attention_heads {heads} is not a multiple of num_key_value_heads {kv}")
    window = getattr(c, "sliding_window", None)
    if getattr(c, "model_type", "") == "mistral" and window is not None and int(window) < max_seq_len:
        problems.append(f"sliding_window {window} < max_seq_len {max_seq_len}: sliding-window attention is "
                        f"not implemented (export with --max-seq-len {window} or less)")
    return problems


def llama_config(c, max_seq_len: int = 0):
    """The ost.models.llama_torch.LlamaConfig of transformers config `c`."""
    from ost.models.llama_torch import LlamaConfig

    arch = _architecture_problem(c)
    if arch:
        raise UnsupportedModel(arch)
    seq = max_seq_len or default_max_seq(c)
    problems = config_problems(c, seq)
    if problems:
        raise UnsupportedModel("unsupported configuration: " + "; ".join(problems))
    heads = int(c.num_attention_heads)
    cfg = LlamaConfig(dim=int(c.hidden_size), hidden_dim=int(c.intermediate_size),
                      n_layers=int(c.num_hidden_layers), n_heads=heads,
                      n_kv_heads=int(getattr(c, "num_key_value_heads", None) or heads),
                      vocab_size=int(c.vocab_size), max_seq_len=seq, norm_eps=float(c.rms_norm_eps),
                      rope_theta=float(getattr(c, "rope_theta", 10000.0)),
                      tie_embeddings=bool(getattr(c, "tie_word_embeddings", False)))
    cfg.validate()
    return cfg


def to_ost_model(hf_model, cfg):
    """llama_torch.LlamaForCausalLM holding `hf_model`'s weights (float32)."""
    import torch
    from ost.models.llama_torch import LlamaForCausalLM

    state = {}
    for name, tensor in hf_model.state_dict().items():
        if "rotary_emb" in name:
            continue  # transformers' inv_freq buffer; llama_torch builds its own tables
        state[name[len("model."):] if name.startswith("model.") else name] = tensor.detach().to(torch.float32)
    if cfg.tie_embeddings:
        head = state.pop("lm_head.weight", None)
        if head is not None and not torch.equal(head, state["embed_tokens.weight"]):
            raise UnsupportedModel("tie_word_embeddings is true but lm_head.weight differs from the embedding")
    model = LlamaForCausalLM(cfg)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if m not in ("rope_cos", "rope_sin", "causal_mask")
               and not (cfg.tie_embeddings and m == "lm_head.weight")]
    if missing or unexpected:
        raise UnsupportedModel(f"weights do not map onto llama_torch: missing {missing[:8]}, "
                               f"unexpected {list(unexpected)[:8]}")
    model.eval()
    return model
