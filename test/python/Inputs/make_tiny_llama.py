"""Write a tiny random LLaMA (transformers LlamaForCausalLM) and, optionally, a GGUF copy of it.

    make_tiny_llama.py OUT_DIR [--tie] [--gguf OUT.gguf [--f16] [--tokenizer-pre smollm]] [--seed N]
        [--config KEY=JSON ...]

OUT_DIR gets config.json + model.safetensors (save_pretrained) and a
byte-level BPE tokenizer (Digits + ByteLevel, like SmolLM2's) trained with
the `tokenizers` package on a built-in text, 300 tokens. Weights are seeded
and larger than transformers' initialization (std 0.2, norm weights
1 + N(0, 0.1^2)) so the logits are far from uniform.

--gguf writes the same model the way llama.cpp's converter does: GGUF
names (token_embd, blk.N.attn_q, ..., output_norm, output), q/k rows
permuted to llama.cpp's interleaved RoPE layout, tensors F32 (or, with
--f16, 2-D tensors F16 and norms F32, llama.cpp's MOSTLY_F16), the tokenizer
as tokenizer.ggml.* (model gpt2, pre smollm, no BOS). --config overrides a
config field (e.g. --config rope_theta=1e6); --tokenizer-pre sets tokenizer.ggml.pre (default smollm).
"""

import argparse
import json
import os

import numpy as np
import torch

TEXT = ("The quick brown fox jumps over the lazy dog in 1999. She sells sea shells by the sea shore. "
        "Once upon a time, 42 little lambs played in the green park, and the sun was shining. ")


def train_tokenizer(vocab_size: int):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tk.decoder = decoders.ByteLevel()
    tk.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>", "<|im_start|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tk.train_from_iterator([TEXT] * 20, trainer=trainer)
    return tk


def make_model(args):
    from transformers import LlamaConfig, LlamaForCausalLM

    fields = dict(vocab_size=300, hidden_size=64, intermediate_size=160, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                  rope_theta=50000.0, rms_norm_eps=1e-6, tie_word_embeddings=args.tie,
                  bos_token_id=1, eos_token_id=0)
    for item in args.config:
        key, value = item.split("=", 1)
        fields[key] = json.loads(value)
    torch.manual_seed(args.seed)
    model = LlamaForCausalLM(LlamaConfig(**fields))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:
                p.copy_(0.2 * torch.randn_like(p))
    model.tie_weights()
    return model.eval()


def permute_for_gguf(w: np.ndarray, n_head: int) -> np.ndarray:
    """HF rotate-half rows -> llama.cpp's interleaved rows, inside every head."""
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape))


def write_gguf(model, tk, path: str, f16: bool, pre: str) -> None:
    import gguf

    c = model.config
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny-llama")
    w.add_block_count(c.num_hidden_layers)
    w.add_context_length(c.max_position_embeddings)
    w.add_embedding_length(c.hidden_size)
    w.add_feed_forward_length(c.intermediate_size)
    w.add_head_count(c.num_attention_heads)
    w.add_head_count_kv(c.num_key_value_heads)
    w.add_rope_freq_base(c.rope_theta)
    w.add_layer_norm_rms_eps(c.rms_norm_eps)
    w.add_vocab_size(c.vocab_size)
    w.add_rope_dimension_count(c.hidden_size // c.num_attention_heads)
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)
    vocab = tk.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = [" ".join(m) for m in json.loads(tk.to_str())["model"]["merges"]]
    special = {"<|endoftext|>", "<|im_start|>"}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_types([3 if t in special else 1 for t in tokens])
    w.add_token_merges(merges)
    w.add_bos_token_id(1)
    w.add_eos_token_id(0)
    w.add_add_bos_token(False)

    sd = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}

    def put(name, a):
        w.add_tensor(name, a.astype(np.float16) if (f16 and a.ndim == 2) else a)

    put("token_embd.weight", sd["model.embed_tokens.weight"])
    for i in range(c.num_hidden_layers):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        put(b + "attn_norm.weight", sd[p + "input_layernorm.weight"])
        put(b + "attn_q.weight", permute_for_gguf(sd[p + "self_attn.q_proj.weight"], c.num_attention_heads))
        put(b + "attn_k.weight", permute_for_gguf(sd[p + "self_attn.k_proj.weight"], c.num_key_value_heads))
        put(b + "attn_v.weight", sd[p + "self_attn.v_proj.weight"])
        put(b + "attn_output.weight", sd[p + "self_attn.o_proj.weight"])
        put(b + "ffn_norm.weight", sd[p + "post_attention_layernorm.weight"])
        put(b + "ffn_gate.weight", sd[p + "mlp.gate_proj.weight"])
        put(b + "ffn_up.weight", sd[p + "mlp.up_proj.weight"])
        put(b + "ffn_down.weight", sd[p + "mlp.down_proj.weight"])
    put("output_norm.weight", sd["model.norm.weight"])
    if not c.tie_word_embeddings:
        put("output.weight", sd["lm_head.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--tie", action="store_true")
    ap.add_argument("--gguf", default="")
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tokenizer-pre", default="smollm", help="tokenizer.ggml.pre of the GGUF")
    ap.add_argument("--config", action="append", default=[], metavar="KEY=JSON")
    args = ap.parse_args()
    from transformers import PreTrainedTokenizerFast

    model = make_model(args)
    tk = train_tokenizer(model.config.vocab_size)
    assert tk.get_vocab_size() == model.config.vocab_size, tk.get_vocab_size()
    os.makedirs(args.out_dir, exist_ok=True)
    model.save_pretrained(args.out_dir)
    PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<|im_start|>", eos_token="<|endoftext|>",
                            add_bos_token=False).save_pretrained(args.out_dir)
    if args.gguf:
        write_gguf(model, tk, args.gguf, args.f16, args.tokenizer_pre)
    print(f"wrote {args.out_dir}" + (f" and {args.gguf}" if args.gguf else "")
          + f" (tied={int(model.config.tie_word_embeddings)}, vocab={tk.get_vocab_size()})")


if __name__ == "__main__":
    main()
