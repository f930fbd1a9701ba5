"""Reference perplexity of an exported model by two independent paths: ONNX Runtime and transformers.

    scripts/python.sh -m ost.reference.perplexity --onnx MODEL.onnx --tokenizer tokenizer.json \\
        --text wikitext2.test.raw [--torch SRC] [--context 2048] [--threads 2] [--max-windows N] [--json OUT]

Protocol (the one `ost-run perplexity` uses, runtime/src/Corpus.cpp), for a
file that is one document (no <|endoftext|> separators):
  * text = the whole file, leading/trailing ASCII whitespace trimmed;
  * tokens = the tokenizer.json encoding of it (`tokenizers`, special tokens
    on: a BOS only where the post-processor adds one);
  * non-overlapping windows start s = 0, C, 2C, ...: inputs tokens[s:s+len],
    targets tokens[s+1:s+1+len], len = min(C, n-1-s);
  * NLL = logsumexp(logits) - logits[target] in float64, summed over all
    targets; perplexity = exp(mean).
Paths: `ort` runs MODEL.onnx with ONNX Runtime (CPU, float32); `torch`
(with --torch SRC, a Hugging Face directory or GGUF file) runs transformers'
own LlamaForCausalLM loaded from SRC (ost.export.hf_source), independent of
ost's export. Both see the same tokens. Output, one line per path, then the
ratio and the first window's logit agreement:

    ort: perplexity: 17.123456 tokens: 287,000 ...
    torch: perplexity: 17.123460 tokens: 287,000 ...
    ratio torch/ort: 1.00000023
    first window max_rel_logit_diff ort-vs-torch: 3.1e-06 (max|a-b| / max|b|)

With --llama2c PATH.bin or --synthetic SPEC instead of --onnx, it scores ost's
own torch model (ost.models.llama_torch; --backend numpy: the independent
llama2.c forward) by the story protocol of shared/data/PROVENANCE.md
(<|endoftext|>-separated stories, llama2.c tokenizer.bin; the protocol is in
python/ost/models/perplexity.py):

    scripts/python.sh -m ost.reference.perplexity --llama2c stories260K.bin \\
        --text tinystories.valid.0-499.txt [--first 200] [--skip N] [--window 512] [--backend numpy] [--json]
    # -> predicted tokens 74200, mean NLL 1.3079, PPL 3.698
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

SEPARATOR = "<|endoftext|>"
ASCII_SPACE = " \t\n\r\v\f"


def read_tokens(text_path: str, tokenizer_path: str) -> Tuple[List[int], bool]:
    """(tokens, whether the tokenizer added a BOS) for the whole trimmed file."""
    from tokenizers import Tokenizer

    with open(text_path, "rb") as f:
        text = f.read().decode("utf-8").strip(ASCII_SPACE)
    if SEPARATOR in text:
        raise SystemExit(f"error: {text_path}: contains {SEPARATOR} separators; this reference treats the file "
                         "as one document")
    tk = Tokenizer.from_file(tokenizer_path)
    with_special = tk.encode(text, add_special_tokens=True).ids
    plain = tk.encode(text, add_special_tokens=False).ids
    return with_special, len(with_special) != len(plain)


def windows(n: int, context: int) -> List[Tuple[int, int]]:
    return [(s, min(context, n - 1 - s)) for s in range(0, n - 1, context)]


def window_nll(logits: np.ndarray, targets: np.ndarray) -> float:
    """Sum over positions of logsumexp - logit[target], in float64."""
    x = logits.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(x - m).sum(axis=-1))
    return float((lse - x[np.arange(len(targets)), targets]).sum())


def ort_runner(onnx_path: str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    # ONNX Runtime fuses DequantizeLinear + MatMul into MatMulNBits with
    # int8 activations (accuracy level 4) unless told otherwise; the
    # reference computes what the graph says (float activations).
    opts.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
    sess = ort.InferenceSession(onnx_path, opts, providers=["CPUExecutionProvider"])
    return lambda ids: sess.run(["logits"], {"input_ids": ids[None, :].astype(np.int64)})[0][0]


def torch_runner(source: str, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    import torch
    from ost.export.hf_source import load_hf_model, open_source

    torch.set_num_threads(threads)
    model = load_hf_model(open_source(source))

    def run(ids: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(ids[None, :].astype(np.int64))).logits[0].numpy()

    return run


def evaluate(name: str, run, tokens: np.ndarray, context: int, max_windows: int,
             keep_first: bool) -> Tuple[Dict, Optional[np.ndarray]]:
    wins = windows(len(tokens), context)[: max_windows or None]
    total, count, first = 0.0, 0, None
    t0 = time.time()
    for i, (s, n) in enumerate(wins):
        logits = run(tokens[s: s + n])
        if logits.shape[0] != n:
            raise SystemExit(f"error: {name}: logits have {logits.shape[0]} rows for {n} inputs")
        if keep_first and i == 0:
            first = logits.copy()
        total += window_nll(logits, tokens[s + 1: s + 1 + n])
        count += n
        el = time.time() - t0
        print(f"  {name}: window {i + 1}/{len(wins)} ppl so far {math.exp(total / count):.6f} "
              f"({el:.0f} s, eta {el / (i + 1) * (len(wins) - i - 1):.0f} s)", file=sys.stderr, flush=True)
    res = {"perplexity": math.exp(total / count), "mean_nll": total / count, "tokens": count,
           "windows": len(wins), "seconds": time.time() - t0}
    return res, first


def main_stories(argv) -> int:
    """The story protocol on ost's torch model (--llama2c/--synthetic; ost.models.perplexity)."""
    from ost.models.common import add_model_args, die, load_model, load_tokenizer, set_threads
    from ost.models.perplexity import evaluate, read_stories

    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.reference.perplexity",
                                 description="Reference perplexity of the torch model on a story file "
                                             "(shared/data/PROVENANCE.md protocol; ost.models.perplexity).")
    add_model_args(ap)
    ap.add_argument("--tokenizer", help="tokenizer.bin (default: <model stem>.tok*.bin next to the checkpoint)")
    ap.add_argument("--text", required=True, help="stories separated by <|endoftext|>")
    ap.add_argument("--first", type=int, default=0, help="use this many stories (0: all)")
    ap.add_argument("--skip", type=int, default=0, help="skip this many stories first")
    ap.add_argument("--chars", type=int, default=0,
                    help="treat the file as ONE document and score its first N characters (e.g. WikiText-2); "
                         "--first/--skip are ignored")
    ap.add_argument("--window", type=int, default=512, help="predictions per window (context)")
    ap.add_argument("--backend", choices=["torch", "numpy"], default="torch",
                    help="numpy: the independent llama2.c reference (llama2.c checkpoints only)")
    ap.add_argument("--onnx", default="",
                    help="score this ONNX file with ONNX Runtime instead (e.g. ost-compile --target=onnx "
                         "output); the checkpoint still gives the tokenizer and the context")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: 1 for small models)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    model, desc = load_model(args)
    set_threads(model, args.threads)
    cfg = model.config
    if args.window > cfg.max_seq_len:
        die(f"--window {args.window} exceeds the model context {cfg.max_seq_len}")
    ckpt = None
    if args.backend == "numpy":
        if not args.llama2c:
            die("--backend numpy needs --llama2c")
        from ost.models.llama2c import read_checkpoint
        ckpt = read_checkpoint(args.llama2c)
    tok = load_tokenizer(args.tokenizer, args.llama2c, cfg.vocab_size)
    if args.chars:
        try:
            with open(args.text, encoding="utf-8") as f:
                stories = [f.read(args.chars)]
        except (OSError, UnicodeDecodeError) as e:
            die(f"{args.text}: cannot read text: {e}")
    else:
        stories = read_stories(args.text, args.skip, args.first)
    if not stories or not stories[0]:
        die(f"{args.text}: no stories selected (skip={args.skip}, first={args.first})")
    t0 = time.time()
    backend, run = args.backend, None
    if args.onnx:
        backend, desc = "onnxruntime", args.onnx
        run = ort_runner(args.onnx, max(args.threads, 1))
    r = evaluate(model, tok, stories, args.window, "logits" if run else backend, ckpt, run)
    r.update(model=desc, backend=backend, skip=args.skip, seconds=round(time.time() - t0, 2))
    if args.json:
        print(json.dumps(r))
    else:
        print(f"model: {desc}")
        if args.chars:
            print(f"document: first {len(stories[0])} characters of {args.text}")
        else:
            print(f"stories: {r['stories']} (skip {args.skip}; {r['long_stories']} longer than {args.window} tokens)")
        print(f"predicted tokens: {r['predicted_tokens']}")
        print(f"mean NLL: {r['mean_nll']:.4f} nats/token")
        print(f"PPL: {r['ppl']:.3f}")
        print(f"time: {r['seconds']:.1f} s ({backend})")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if any(a.split("=", 1)[0] in ("--llama2c", "--synthetic") for a in argv):
        return main_stories(argv)
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.reference.perplexity", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", required=True, help="exported model (ONNX Runtime path)")
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json")
    ap.add_argument("--text", required=True, help="evaluation text (one document)")
    ap.add_argument("--torch", metavar="SRC", default="", help="HF directory or GGUF file for the transformers path")
    ap.add_argument("--context", type=int, default=2048, help="predictions per window (default 2048)")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads of each runtime (default 2)")
    ap.add_argument("--max-windows", type=int, default=0, help="only the first N windows (0: all)")
    ap.add_argument("--json", default="", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    if args.context <= 0:
        ap.error("--context must be positive")

    t0 = time.time()
    ids, bos = read_tokens(args.text, args.tokenizer)
    tokens = np.asarray(ids, dtype=np.int64)
    print(f"text: {args.text}, {len(tokens)} tokens ({'with' if bos else 'no'} BOS), context {args.context}, "
          f"{len(windows(len(tokens), args.context))} windows, tokenized in {time.time() - t0:.1f} s")
    results: Dict[str, Dict] = {}
    firsts = {}
    paths = [("ort", lambda: ort_runner(args.onnx, args.threads))]
    if args.torch:
        paths.append(("torch", lambda: torch_runner(args.torch, args.threads)))
    for name, make in paths:
        t1 = time.time()
        run = make()
        load = time.time() - t1
        res, firsts[name] = evaluate(name, run, tokens, args.context, args.max_windows, keep_first=bool(args.torch))
        res["load_seconds"] = load
        results[name] = res
        del run
        print(f"{name}: perplexity: {res['perplexity']:.6f} tokens: {res['tokens']} "
              f"(mean NLL {res['mean_nll']:.6f}, {res['windows']} windows, load {load:.1f} s, "
              f"run {res['seconds']:.1f} s)", flush=True)
    summary = {"text": args.text, "onnx": args.onnx, "tokenizer": args.tokenizer, "context": args.context,
               "bos": bos, "paths": results}
    if args.torch:
        ratio = results["torch"]["perplexity"] / results["ort"]["perplexity"]
        a, b = firsts["ort"], firsts["torch"]
        diff = float(np.abs(a.astype(np.float64) - b).max() / np.abs(b).max())
        summary.update({"ratio_torch_over_ort": ratio, "first_window_max_rel_logit_diff": diff})
        print(f"ratio torch/ort: {ratio:.8f}")
        print(f"first window max_rel_logit_diff ort-vs-torch: {diff:.3e} (max|a-b| / max|b|, "
              f"{a.shape[0]} positions, max|logit| {np.abs(b).max():.2f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
