#!/usr/bin/env python3
# ===- accuracy.py - method x bit-width perplexity table on stories260K ---=== #
#
# The accuracy benchmark of docs/Calibration.md: compiles stories260K
# (../shared/data) with every method at every configuration through
# `ost-compile`, calibrating on TinyStories stories 0-249, and evaluates the
# perplexity of stories 250-499 (in domain) and of the first 20,000
# characters of WikiText-2 test (out of domain) with `ost-run perplexity`.
#
# Writes <out>/accuracy-stories260K.json ({"fp": ppl, "<method>": {"<bits>":
# ppl}}), accuracy-stories260K-wikitext2.json (same layout), and
# accuracy-stories260K.md (the table, timings and the command).
#
#   scripts/python.sh bench/accuracy/accuracy.py [--build build] [--out docs/results]
#       [--methods rtn,gptq,...] [--bits W4A16KV16,...] [--steps 100]
# ===---------------------------------------------------------------------=== #
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time

METHODS = ["rtn", "smoothquant", "gptq", "quarot", "spinquant", "ostquant"]
BITS = ["W4A16KV16", "W4A4KV16", "W4A4KV4"]


def run(cmd, log):
    log.write("$ " + " ".join(shlex.quote(c) for c in cmd) + "\n")
    log.flush()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log.write(proc.stdout)
    log.flush()
    if proc.returncode != 0:
        sys.exit(f"accuracy: command failed ({proc.returncode}); see {log.name}:\n"
                 + proc.stdout[-2000:])
    return proc.stdout


def perplexity(args, model, text, docs, log):
    cmd = [os.path.join(args.build, "bin", "ost-run"), "perplexity", "--model", model,
           "--tokenizer", args.tokenizer, "--text", text, "--num-threads", str(args.threads)]
    if docs:
        cmd += ["--docs", docs]
    out = run(cmd, log)
    m = re.search(r"^perplexity: ([0-9.eE+-]+)", out, re.M)
    if not m:
        sys.exit(f"accuracy: no perplexity line from {model}; see {log.name}")
    return float(m.group(1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build", default=os.path.join(root, "build"))
    p.add_argument("--data", default=os.path.join(root, "..", "shared", "data"))
    p.add_argument("--out", default=os.path.join(root, "docs", "results"))
    p.add_argument("--work", default=None, help="scratch folder (default: <build>/accuracy)")
    p.add_argument("--methods", default=",".join(METHODS))
    p.add_argument("--bits", default=",".join(BITS))
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--samples", type=int, default=128)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--calib-docs", default="0:250")
    p.add_argument("--eval-docs", default="250:500")
    args = p.parse_args()

    model_bin = os.path.join(args.data, "models", "stories260K.bin")
    args.tokenizer = os.path.join(args.data, "models", "stories260K.tok512.bin")
    stories = os.path.join(args.data, "text", "tinystories.valid.0-499.txt")
    wiki_raw = os.path.join(args.data, "text", "wikitext2.test.raw")
    for f in (model_bin, args.tokenizer, stories, wiki_raw):
        if not os.path.exists(f):
            sys.exit(f"accuracy: {f} is missing; the benchmark needs ../shared/data "
                     "(see ../shared/data/PROVENANCE.md)")
    work = args.work or os.path.join(args.build, "accuracy")
    os.makedirs(work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(work, "accuracy.log"), "w")

    onnx = os.path.join(work, "stories260K.onnx")
    env = dict(os.environ, PYTHONPATH=os.path.join(root, "python"))
    subprocess.run([sys.executable, "-m", "ost.export.llama2c", model_bin, onnx],
                   check=True, env=env, stdout=subprocess.DEVNULL)
    wiki = os.path.join(work, "wikitext2.test.20000.txt")
    with open(wiki_raw, encoding="utf-8") as f:
        head = f.read(20000)
    with open(wiki, "w", encoding="utf-8") as f:
        f.write(head)

    table = {"fp": perplexity(args, onnx, stories, args.eval_docs, log)}
    wtable = {"fp": perplexity(args, onnx, wiki, None, log)}
    times = {}
    print(f"fp: {table['fp']:.4f}  wikitext2 {wtable['fp']:.2f}", flush=True)
    for method in args.methods.split(","):
        table[method], wtable[method], times[method] = {}, {}, {}
        for bits in args.bits.split(","):
            out = os.path.join(work, f"{method}-{bits}.mlir")
            cmd = [os.path.join(args.build, "bin", "ost-compile"), onnx, f"--method={method}",
                   f"--bits={bits}", f"--calib={stories}", f"--calib-docs={args.calib_docs}",
                   f"--tokenizer={args.tokenizer}", f"--steps={args.steps}",
                   f"--samples={args.samples}", f"--num-threads={args.threads}",
                   "--compile-to=quantized", "--quiet", "-o", out]
            start = time.time()
            run(cmd, log)
            times[method][bits] = round(time.time() - start, 1)
            table[method][bits] = perplexity(args, out, stories, args.eval_docs, log)
            wtable[method][bits] = perplexity(args, out, wiki, None, log)
            print(f"{method:12s} {bits:10s} ppl {table[method][bits]:.4f}  wikitext2 "
                  f"{wtable[method][bits]:.2f}  compile {times[method][bits]} s", flush=True)

    with open(os.path.join(args.out, "accuracy-stories260K.json"), "w") as f:
        json.dump(table, f, indent=2)
        f.write("\n")
    with open(os.path.join(args.out, "accuracy-stories260K-wikitext2.json"), "w") as f:
        json.dump(wtable, f, indent=2)
        f.write("\n")
    bits_list = args.bits.split(",")
    lines = [
        "# Accuracy: stories260K, every method x configuration",
        "",
        f"Perplexity of TinyStories validation documents {args.eval_docs} (end exclusive; in",
        "domain) and, in parentheses, of the first 20,000 characters of WikiText-2 test as one",
        "document (out of domain). Calibration (transform training, GPTQ, SmoothQuant",
        f"statistics) uses documents {args.calib_docs} only: {args.steps} calibration steps of "
        f"4 x 256 tokens, {args.samples} GPTQ blocks of 256 tokens.",
        "",
        f"FP32: **{table['fp']:.4f}** ({wtable['fp']:.2f})",
        "",
        "| method | " + " | ".join(bits_list) + " |",
        "|---|" + "---|" * len(bits_list),
    ]
    for method in args.methods.split(","):
        cells = [f"{table[method][b]:.4f} ({wtable[method][b]:.2f})" for b in bits_list]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    lines += ["", f"Compile time (s, ost-compile including calibration and GPTQ, "
              f"--num-threads={args.threads}, 2-core machine):", "",
              "| method | " + " | ".join(bits_list) + " |", "|---|" + "---|" * len(bits_list)]
    for method in args.methods.split(","):
        lines.append(f"| {method} | " + " | ".join(str(times[method][b]) for b in bits_list) + " |")
    lines += ["", "Made by:", "", "```sh",
              "scripts/python.sh bench/accuracy/accuracy.py " +
              " ".join(shlex.quote(a) for a in sys.argv[1:]), "```", ""]
    with open(os.path.join(args.out, "accuracy-stories260K.md"), "w") as f:
        f.write("\n".join(lines))
    print("wrote", os.path.join(args.out, "accuracy-stories260K.md"))


if __name__ == "__main__":
    main()
