"""Convert a Hugging Face LLaMA model (model directory or GGUF file) to ONNX.

    scripts/python.sh -m ost.export.hf SRC OUT.onnx [--max-seq-len N] [--opset 17] [--external-data]
        [--kv-cache OUT.cache.onnx] [--no-tokenizer]

SRC is a directory with config.json and safetensors/bin weights, or a .gguf
file (quantized tensors are dequantized to float32 by transformers/gguf).
The model is mapped onto ost.models.llama_torch (checked: architecture,
rope_theta, rms_norm_eps, tie_word_embeddings, head_dim, GQA; unsupported
fields are refused by name) and exported like the other exporters: input
`input_ids` int64 [batch, seq], output `logits` float32 [batch, seq, vocab].
--max-seq-len defaults to min(max_position_embeddings, 2048): the causal-mask
initializer holds max_seq_len^2 float32 values (2048: 16 MiB).
The tokenizer is written as tokenizer.json (+ tokenizer_config.json) beside
OUT.onnx. metadata_props records the source and, for GGUF, the source
tensor types (ost.source_tensor_types).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from ost.export._common import add_export_args, export_graphs


def _die(msg: str) -> int:
    sys.stdout.flush()  # keep the progress lines before the error
    print(f"error: {msg}", file=sys.stderr)
    return 1


def _quant_note(src) -> str:
    """One line saying what the source weights were before dequantization."""
    from ost.export.hf_source import QUANT_NOTES

    quant = src.quantized_types()
    if not quant:
        return "source weights are floating point: exported as float32"
    parts = [f"{t} ({QUANT_NOTES.get(t, 'quantized')}) x{n}" for t, n in sorted(quant.items(), key=lambda kv: -kv[1])]
    return ("source weights were quantized: " + ", ".join(parts) + "; dequantized to float32, so the exported "
            "\"float\" model holds exactly the quantized grid values (it is the quantized model, not the original)")


def _self_check(hf_model, model) -> float:
    """max|a-b| / max|b| of llama_torch's logits against transformers' on 8 fixed tokens."""
    import torch

    v = model.config.vocab_size
    ids = torch.tensor([[(i * 7919 + 1) % v for i in range(min(8, model.config.max_seq_len))]])
    with torch.no_grad():
        ref = hf_model(ids).logits.double()
        got = model(ids).double()
    return float((got - ref).abs().max() / ref.abs().max())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.export.hf", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", metavar="SRC", help="Hugging Face model directory or .gguf file")
    add_export_args(ap)
    ap.add_argument("--no-tokenizer", action="store_true", help="do not write tokenizer.json")
    args = ap.parse_args(argv)

    t0 = time.time()
    from ost.export.hf_mapping import UnsupportedModel, llama_config, to_ost_model
    from ost.export.hf_source import SourceError, load_hf_model, open_source

    try:
        src = open_source(args.source)
        cfg = llama_config(src.config, args.max_seq_len)
    except (SourceError, UnsupportedModel) as e:
        return _die(f"{args.source}: {e}" if isinstance(e, UnsupportedModel) else str(e))
    trained = int(getattr(src.config, "max_position_embeddings", 0) or 0)
    print(f"source: {src.description}" + (f" (general.file_type {src.file_type})" if src.file_type else ""))
    if src.kind == "gguf":
        print(f"source tensor types: {src.types_string()}")
    print(f"note: {_quant_note(src)}")
    print(f"max_seq_len: {cfg.max_seq_len} (max_position_embeddings {trained}; "
          f"default min(max_position_embeddings, 2048); causal mask {cfg.max_seq_len}^2 float32 = "
          f"{cfg.max_seq_len ** 2 * 4 / 2 ** 20:.1f} MiB)")
    if trained and cfg.max_seq_len > trained:
        print(f"warning: --max-seq-len {cfg.max_seq_len} exceeds max_position_embeddings {trained}")
    try:
        hf_model = load_hf_model(src)
        model = to_ost_model(hf_model, cfg)
    except (SourceError, UnsupportedModel) as e:
        return _die(f"{args.source}: {e}" if isinstance(e, UnsupportedModel) else str(e))
    diff = _self_check(hf_model, model)
    del hf_model
    print(f"loaded in {time.time() - t0:.1f} s; llama_torch vs transformers on 8 tokens: "
          f"max_rel_logit_diff {diff:.2e}")
    if not diff <= 1e-4:
        return _die(f"{args.source}: the mapped model differs from transformers' ({diff:.2e} > 1e-4)")

    meta = {"ost.source_format": "gguf" if src.kind == "gguf" else "huggingface",
            "ost.source_model_type": getattr(src.config, "model_type", "")}
    if src.kind == "gguf":
        meta["ost.source_tensor_types"] = src.types_string()
        meta["ost.source_file_type"] = src.file_type
    meta["ost.source_note"] = _quant_note(src)
    tok_path = None
    if not args.no_tokenizer:
        from ost.export.hf_tokenizer import write_tokenizer

        try:
            tok_path, summary = write_tokenizer(src, os.path.dirname(os.path.abspath(args.output)))
        except SourceError as e:
            return _die(str(e))
        print(f"tokenizer: {tok_path or ''}{' ' if tok_path else ''}({summary})")
        if tok_path:
            meta["ost.tokenizer"] = os.path.basename(tok_path)
    return export_graphs(args, prebuilt=(model, src.description, meta))


if __name__ == "__main__":
    sys.exit(main())
