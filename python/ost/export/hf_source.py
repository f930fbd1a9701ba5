"""Open a Hugging Face model directory or a GGUF file and load it with transformers.

    src = open_source("path/to/model-dir")        # config.json + *.safetensors / *.bin
    src = open_source("path/to/model.Q4_1.gguf")  # transformers dequantizes to float32
    hf = load_hf_model(src)                       # transformers' own LlamaForCausalLM, float32, eval

open_source reads only the configuration (and, for GGUF, the tensor type of
every tensor), so unsupported models are refused before any weight is read.
GGUF files are loaded through transformers' GGUF reader
(`load_gguf_checkpoint`, which dequantizes with the `gguf` package and undoes
llama.cpp's q/k row permutation) into a model built from the GGUF config:
`from_pretrained(gguf_file=...)` would need the `accelerate` package, which
the project's virtualenv does not have.
Every failure is a SourceError whose message names the file.
"""

from __future__ import annotations

import collections
import os
from dataclasses import dataclass, field
from typing import Dict, Optional

GGUF_MAGIC = b"GGUF"

# What a GGUF tensor type means for the weights it held before dequantization.
QUANT_NOTES = {
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "Q4_0": "4-bit, groups of 32 with a float16 scale",
    "Q4_1": "4-bit, groups of 32 with a float16 scale and minimum",
    "Q5_0": "5-bit, groups of 32 with a float16 scale",
    "Q5_1": "5-bit, groups of 32 with a float16 scale and minimum",
    "Q8_0": "8-bit, groups of 32 with a float16 scale",
}


class SourceError(Exception):
    """A model source that cannot be opened or loaded (the message names the file)."""


@dataclass
class HFSource:
    path: str                    # absolute path of the directory or the .gguf file
    kind: str                    # "hf" or "gguf"
    config: object               # transformers PretrainedConfig
    tensor_types: Dict[str, int] = field(default_factory=dict)  # GGUF: tensor type -> count
    file_type: str = ""          # GGUF: general.file_type (e.g. MOSTLY_Q4_1)

    @property
    def description(self) -> str:
        return f"{self.kind}:{self.path}"

    @property
    def model_dir(self) -> str:
        return self.path if self.kind == "hf" else os.path.dirname(self.path)

    @property
    def gguf_name(self) -> Optional[str]:
        return os.path.basename(self.path) if self.kind == "gguf" else None

    def quantized_types(self) -> Dict[str, int]:
        """GGUF tensor types below 16 bits (the weights' precision before dequantization)."""
        return {t: n for t, n in self.tensor_types.items() if t not in ("F32", "F16", "BF16")}

    def types_string(self) -> str:
        return ",".join(f"{t}:{n}" for t, n in sorted(self.tensor_types.items(), key=lambda kv: -kv[1]))


def _is_gguf(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == GGUF_MAGIC


def open_source(path: str) -> HFSource:
    """Reads the configuration of a model directory or a GGUF file (no weights)."""
    full = os.path.abspath(path)
    if not os.path.exists(full):
        raise SourceError(f"{path}: no such file or directory "
                          "(expected a Hugging Face model directory or a .gguf file)")
    if os.path.isdir(full):
        return _open_dir(path, full)
    if not _is_gguf(full):
        raise SourceError(f"{path}: not a GGUF file (it does not start with 'GGUF') and not a directory")
    return _open_gguf(path, full)


def _open_dir(path: str, full: str) -> HFSource:
    from transformers import AutoConfig

    if not os.path.exists(os.path.join(full, "config.json")):
        raise SourceError(f"{path}: no config.json in the directory (expected a Hugging Face model directory)")
    try:
        config = AutoConfig.from_pretrained(full, local_files_only=True)
    except Exception as e:  # noqa: BLE001 - transformers raises many kinds
        raise SourceError(f"{os.path.join(path, 'config.json')}: transformers cannot read it: {e}") from None
    return HFSource(full, "hf", config)


def _open_gguf(path: str, full: str) -> HFSource:
    import gguf
    from transformers import AutoConfig

    try:
        reader = gguf.GGUFReader(full)
        types = collections.Counter(t.tensor_type.name for t in reader.tensors)
        ft = reader.fields.get("general.file_type")
        file_type = ""
        if ft is not None:
            code = int(ft.contents())
            try:
                file_type = gguf.LlamaFileType(code).name
            except ValueError:
                file_type = str(code)
        del reader
        config = AutoConfig.from_pretrained(os.path.dirname(full), gguf_file=os.path.basename(full),
                                            local_files_only=True)
    except Exception as e:  # noqa: BLE001 - gguf and transformers raise many kinds
        raise SourceError(f"{path}: transformers cannot read this GGUF file: {type(e).__name__}: {e}") from None
    return HFSource(full, "gguf", config, dict(types), file_type)


def load_hf_model(src: HFSource):
    """transformers' model of `src` in float32, eval mode (tied weights tied)."""
    import torch

    if src.kind == "hf":
        from transformers import AutoModelForCausalLM

        try:
            model = AutoModelForCausalLM.from_pretrained(src.path, dtype=torch.float32, local_files_only=True)
        except Exception as e:  # noqa: BLE001
            raise SourceError(f"{src.path}: transformers cannot load the weights: {type(e).__name__}: {e}") from None
        return model.eval()
    return _load_gguf_model(src)


def _load_gguf_model(src: HFSource):
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    try:
        from transformers.modeling_utils import no_init_weights
    except ImportError:  # pragma: no cover - older/newer transformers
        import contextlib
        no_init_weights = contextlib.nullcontext
    with no_init_weights():  # every weight is overwritten from the file
        model = AutoModelForCausalLM.from_config(src.config, dtype=torch.float32)
    try:
        tensors = load_gguf_checkpoint(src.path, return_tensors=True, model_to_load=model)["tensors"]
    except Exception as e:  # noqa: BLE001
        raise SourceError(f"{src.path}: transformers cannot read this GGUF file's tensors: "
                          f"{type(e).__name__}: {e}") from None
    tensors = {k: v.to(torch.float32) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    tied = bool(getattr(src.config, "tie_word_embeddings", False))
    missing = [k for k in missing if not (tied and k == "lm_head.weight")]
    if missing or unexpected:
        raise SourceError(f"{src.path}: GGUF tensors do not match the {type(model).__name__} of its config: "
                          f"missing {missing[:8]}, unexpected {list(unexpected)[:8]}")
    model.tie_weights()
    return model.eval()
