"""Write the tokenizer of a Hugging Face directory or a GGUF file as tokenizer.json.

    path, summary = write_tokenizer(src, out_dir)   # (None, reason) when the source has none

* Model directory: its tokenizer.json is copied byte for byte; a directory
  with only slow-tokenizer files (tokenizer.model, vocab.json + merges.txt)
  is converted by transformers' AutoTokenizer(...).save_pretrained. Its
  tokenizer_config.json (add_bos_token, eos_token) is copied beside it.
* GGUF with `tokenizer.ggml.model = gpt2` (byte-level BPE): rebuilt with the
  `tokenizers` package from the file's tokens, merges and token types, with
  the pre-tokenizer llama.cpp uses for `tokenizer.ggml.pre`:
    smollm, starcoder, refact   Digits(individual_digits) + ByteLevel(GPT-2 regex)
    gpt-2                       ByteLevel(GPT-2 regex)
  Control tokens (type 3) become special added tokens; a BOS template only
  when `tokenizer.ggml.add_bos_token` is true. This reproduces the original
  SmolLM2 tokenizer.json. transformers' own GGUF conversion does not: it
  drops the Digits step (multi-digit numbers merge) and adds <|im_start|>
  as a BOS to every encoding.
* GGUF with `tokenizer.ggml.model = llama` (SentencePiece): transformers'
  conversion (AutoTokenizer(gguf_file=...)).
Other GGUF tokenizer models and pre-tokenizer types are refused by name.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import Optional, Tuple

from ost.export.hf_source import HFSource, SourceError

_DIGITS_BYTELEVEL = ("smollm", "starcoder", "refact")
_TOKEN_TYPE_CONTROL = 3
_SLOW_FILES = ("tokenizer.model", "vocab.json", "tokenizer_config.json")


def write_tokenizer(src: HFSource, out_dir: str) -> Tuple[Optional[str], str]:
    os.makedirs(out_dir, exist_ok=True)
    if src.kind == "hf":
        return _from_dir(src.path, out_dir)
    return _from_gguf(src, out_dir)


def _copy_config(src_dir: str, out_dir: str) -> None:
    cfg = os.path.join(src_dir, "tokenizer_config.json")
    if os.path.exists(cfg):
        shutil.copyfile(cfg, os.path.join(out_dir, "tokenizer_config.json"))


def _from_dir(model_dir: str, out_dir: str) -> Tuple[Optional[str], str]:
    out = os.path.join(out_dir, "tokenizer.json")
    src = os.path.join(model_dir, "tokenizer.json")
    if os.path.exists(src):
        if os.path.abspath(src) != os.path.abspath(out):
            shutil.copyfile(src, out)
            _copy_config(model_dir, out_dir)
        return out, f"copied {src}"
    if not any(os.path.exists(os.path.join(model_dir, f)) for f in _SLOW_FILES):
        return None, f"none in {model_dir} (no tokenizer.json written)"
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    except Exception as e:  # noqa: BLE001
        raise SourceError(f"{model_dir}: transformers cannot load the tokenizer: {e}") from None
    return _save_fast(tok, out_dir, f"converted by transformers from {model_dir}")


def _save_fast(tok, out_dir: str, how: str) -> Tuple[str, str]:
    if not getattr(tok, "is_fast", False):
        raise SourceError(f"{how}: transformers made no fast tokenizer, so there is no tokenizer.json")
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        tok.save_pretrained(tmp)
        for name in ("tokenizer.json", "tokenizer_config.json"):
            if os.path.exists(os.path.join(tmp, name)):
                shutil.copyfile(os.path.join(tmp, name), os.path.join(out_dir, name))
    return os.path.join(out_dir, "tokenizer.json"), how


def _field(reader, key, default=None):
    f = reader.fields.get(key)
    return default if f is None else f.contents()


def _from_gguf(src: HFSource, out_dir: str) -> Tuple[Optional[str], str]:
    import gguf

    reader = gguf.GGUFReader(src.path)
    kind = _field(reader, "tokenizer.ggml.model")
    if kind is None:
        return None, f"none in {src.path} (no tokenizer.ggml.* fields; no tokenizer.json written)"
    if kind == "llama":
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(src.model_dir, gguf_file=src.gguf_name, local_files_only=True)
        return _save_fast(tok, out_dir, f"SentencePiece vocabulary of {src.path} converted by transformers")
    if kind != "gpt2":
        raise SourceError(f"{src.path}: GGUF tokenizer model {kind!r} is not supported "
                          "(supported: gpt2 byte-level BPE, llama SentencePiece); export with --no-tokenizer")
    pre = _field(reader, "tokenizer.ggml.pre", "gpt-2")
    if pre not in _DIGITS_BYTELEVEL + ("gpt-2",):
        raise SourceError(f"{src.path}: GGUF pre-tokenizer type {pre!r} is not supported (supported: "
                          f"{', '.join(_DIGITS_BYTELEVEL + ('gpt-2',))}); export with --no-tokenizer")
    tokens = list(_field(reader, "tokenizer.ggml.tokens"))
    merges = list(_field(reader, "tokenizer.ggml.merges", []))
    types = list(_field(reader, "tokenizer.ggml.token_type", [1] * len(tokens)))
    add_bos = bool(_field(reader, "tokenizer.ggml.add_bos_token", False))
    bos = _field(reader, "tokenizer.ggml.bos_token_id")
    eos = _field(reader, "tokenizer.ggml.eos_token_id")
    tk = _byte_level_bpe(src.path, tokens, merges, types, digits=pre in _DIGITS_BYTELEVEL,
                         bos=tokens[bos] if add_bos and bos is not None else None)
    out = os.path.join(out_dir, "tokenizer.json")
    tk.save(out)
    config = {"add_bos_token": add_bos, "add_eos_token": False, "tokenizer_class": "PreTrainedTokenizerFast"}
    if bos is not None:
        config["bos_token"] = tokens[bos]
    if eos is not None:
        config["eos_token"] = tokens[eos]
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    n_special = sum(1 for t in types if t == _TOKEN_TYPE_CONTROL)
    return out, (f"rebuilt from {src.path}: byte-level BPE ({'Digits + ' if pre in _DIGITS_BYTELEVEL else ''}"
                 f"ByteLevel, GGUF pre-tokenizer {pre!r}), {len(tokens)} tokens, {len(merges)} merges, "
                 f"{n_special} special, {'BOS ' + repr(tokens[bos]) if add_bos and bos is not None else 'no BOS'}")


def _byte_level_bpe(path, tokens, merges, types, digits: bool, bos: Optional[str]):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    vocab = {}
    for i, t in enumerate(tokens):
        if t in vocab:
            raise SourceError(f"{path}: GGUF token {t!r} appears twice (ids {vocab[t]} and {i})")
        vocab[t] = i
    pairs = []
    for m in merges:
        parts = m.split(" ")
        if len(parts) != 2 or not all(parts):
            raise SourceError(f"{path}: GGUF merge {m!r} is not two tokens separated by one space")
        pairs.append((parts[0], parts[1]))
    tk = Tokenizer(models.BPE(vocab=vocab, merges=pairs, dropout=None, unk_token=None,
                              fuse_unk=False, byte_fallback=False))
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tk.pre_tokenizer = (pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
                        if digits else byte_level)
    tk.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    if bos is None:
        tk.post_processor = processors.ByteLevel(trim_offsets=False)
    else:
        tk.post_processor = processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B",
                                                          special_tokens=[(bos, vocab[bos])])
    special = [AddedToken(tokens[i], special=True, normalized=False)
               for i, t in enumerate(types) if t == _TOKEN_TYPE_CONTROL]
    if special:
        tk.add_special_tokens(special)
    return tk
