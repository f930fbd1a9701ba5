"""ost's tokenizer.json reader (runtime/src/HFTokenizer.cpp, through
`ost-run tokenize`) against the Hugging Face `tokenizers` package.

    check_hf_tokenizer.py OST_RUN WORKDIR [--text FILE ...] [--tokenizer tokenizer.json ...]

Trains small BPE tokenizers of every supported form with `tokenizers` itself
(GPT-2 byte level with and without prefix space and BOS template, with
SmolLM2's individual Digits, Llama-3 and
Qwen2 Split patterns + ByteLevel with ignore_merges, SentencePiece-style with
Metaspace or the Prepend/Replace normalizer and byte fallback), then encodes
built-in hostile strings (CJK, emoji, combining marks, digit runs, upper-case
contractions, tabs, CRLF, runs of spaces, added tokens inside text, invalid
UTF-8 is not tried: Python strings cannot hold it) and every --text file with
both and requires identical ids. --tokenizer adds existing files (e.g.
SmolLM2's) to the comparison. Decoding must give the text back.
"""

import argparse
import json
import os
import subprocess
import sys

from _common import check, finish

SAMPLES = [
    "Hello world, it's 2024!",
    "I'LL tell you: they'RE here, she's gone, WE'VE won -- don't 'quote' me.",
    "  leading spaces,   runs   of spaces\tand\ttabs\r\nCRLF lines\n\n\nblank lines  \n",
    "Numbers 1 12 123 1234 12345 3.14159 1,000,000 ٣٤٥ ²³",
    "Ünïcödé àccents, combining e\u0301 and Ω≈ç√∫ — “quotes” … ½",
    "中文字符和日本語のテキスト、한국어 텍스트。",
    "emoji 😀🎉👩‍💻 and symbols ©®™ ∑∏ ≠ ≤",
    "text with <|endoftext|> inside and <s> markers <|endoftext|><|endoftext|>end",
    "x",
    " ",
    "trailing space ",
    "\n",
    "Mixed-CASE words: McDonald's iPhone XMLHttpRequest snake_case kebab-case",
    "http://example.com/path?query=1&x=y#frag e-mail: a.b@c.de",
]

BUILTIN_CORPUS = "\n".join(SAMPLES * 3) + """
Once upon a time, there was a little girl named Lily. She loved to play outside in the park.
One day, she saw a big, red ball. It's the biggest ball she'd ever seen! "Can I play?" she asked.
The quick brown fox jumps over the lazy dog 0123456789 times; THE END.
"""

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
          r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
         r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def train(kind, corpus, path):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    specials = ["<|endoftext|>", "<s>", "</s>"]
    byte_level = kind in ("gpt2", "gpt2-digits", "gpt2-prefix", "llama3", "qwen2")
    model = models.BPE(byte_fallback=not byte_level, unk_token=None if byte_level else "<unk>",
                       ignore_merges=kind in ("llama3", "qwen2"), fuse_unk=not byte_level)
    tok = Tokenizer(model)
    if kind == "gpt2":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    elif kind == "gpt2-digits":  # SmolLM2's Hugging Face tokenizer.json
        tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                     pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    elif kind == "gpt2-prefix":
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    elif kind in ("llama3", "qwen2"):
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3 if kind == "llama3" else QWEN2), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    elif kind == "sp-metaspace":
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first")
    elif kind == "sp-normalizer":
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    if byte_level:
        tok.decoder = decoders.ByteLevel()
        alphabet = pre_tokenizers.ByteLevel.alphabet()
    else:
        tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(),
                                         decoders.Fuse(), decoders.Strip(" ", 1, 0)])
        alphabet = []
        specials = ["<unk>"] + specials
    extra = {} if byte_level else {"limit_alphabet": 300}  # rare characters: byte fallback
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=specials, initial_alphabet=alphabet,
                                  show_progress=False, **extra)
    tok.train_from_iterator(corpus.split("\n"), trainer)
    if kind in ("gpt2-prefix", "llama3", "sp-metaspace", "sp-normalizer"):
        bos = tok.token_to_id("<s>")
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    tok.save(path)
    if not byte_level:
        # Byte-fallback tokens <0x00>..<0xFF> are ordinary vocabulary entries,
        # as in Llama-2's tokenizer.json (the trainer does not make them).
        j = json.load(open(path, encoding="utf-8"))
        vocab = j["model"]["vocab"]
        nxt = max(max(vocab.values()), max(t["id"] for t in j["added_tokens"])) + 1
        for b in range(256):
            name = "<0x%02X>" % b
            if name not in vocab:
                vocab[name] = nxt
                nxt += 1
        json.dump(j, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    return Tokenizer.from_file(path)


def ost_encode(ost_run, tok_path, text=None, text_file=None):
    cmd = [ost_run, "tokenize", "--tokenizer", tok_path]
    cmd += ["--prompt", text] if text is not None else ["--text", text_file, "--ids"]
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode:
        raise RuntimeError(f"{' '.join(cmd[:4])}: {p.stderr.decode(errors='replace').strip()}")
    lines = p.stdout.decode().splitlines()
    ids = [[int(x) for x in l[5:].split(",") if x] for l in lines if l.startswith("ids: ")]
    return ids


def ost_decode(ost_run, tok_path, ids):
    p = subprocess.run([ost_run, "tokenize", "--tokenizer", tok_path, "--decode", ",".join(map(str, ids))],
                       capture_output=True)
    out = p.stdout.decode("utf-8", errors="replace")
    return out.split("text: ", 1)[1][:-1] if "text: " in out else None


def compare(ost_run, name, path, hf, text_files, workdir):
    ok = True
    for i, s in enumerate(SAMPLES):
        if not s.strip():
            continue  # ost-run's --prompt of blank text: covered through files below
        want = hf.encode(s).ids
        got = ost_encode(ost_run, path, text=s)[0]
        if got != want:
            ok = False
            print(f"  {name} sample {i}: ost {got[:40]} != tokenizers {want[:40]}")
    check(ok, f"{name}: {len(SAMPLES)} built-in strings encode as tokenizers does")
    # Files: ost-run trims each document as its text protocol does.
    from_files = True
    for tf in text_files:
        text = open(tf, encoding="utf-8", newline="").read()  # keep \r as ost-run does
        docs = [d.strip() for d in text.split("<|endoftext|>") if d.strip()]
        want = [hf.encode(d).ids for d in docs]
        got = ost_encode(ost_run, path, text_file=tf)
        same = got == want
        if not same:
            for k, (g, w) in enumerate(zip(got, want)):
                if g != w:
                    j = next(x for x in range(min(len(g), len(w)) + 1) if x >= min(len(g), len(w)) or g[x] != w[x])
                    print(f"  {name} {os.path.basename(tf)} doc {k}: first difference at token {j}: "
                          f"ost {g[j:j + 8]} tokenizers {w[j:j + 8]} ({hf.decode(w[max(0, j - 3):j + 5])!r})")
                    break
        from_files &= same
        print(f"  {name} {os.path.basename(tf)}: {len(docs)} documents, {sum(map(len, want))} tokens")
    if text_files:
        check(from_files, f"{name}: text files encode as tokenizers does")
    # Decoding gives the text back (ids without the BOS template).
    sample = SAMPLES[0] + " " + SAMPLES[4] + " " + SAMPLES[5] + " " + SAMPLES[6]
    ids = hf.encode(sample, add_special_tokens=False).ids
    check(ost_decode(ost_run, path, ids) == hf.decode(ids), f"{name}: decode equals tokenizers' decode")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ost_run")
    ap.add_argument("workdir")
    ap.add_argument("--text", action="append", default=[])
    ap.add_argument("--tokenizer", action="append", default=[])
    ap.add_argument("--kinds", default="gpt2,gpt2-digits,gpt2-prefix,llama3,qwen2,sp-metaspace,sp-normalizer")
    args = ap.parse_args()
    from tokenizers import Tokenizer

    os.makedirs(args.workdir, exist_ok=True)
    corpus = BUILTIN_CORPUS
    for tf in args.text:
        corpus += open(tf, encoding="utf-8").read()[:300000]
    samples_file = os.path.join(args.workdir, "samples.txt")
    with open(samples_file, "w", encoding="utf-8", newline="") as f:
        f.write("<|endoftext|>".join(SAMPLES))
    files = [samples_file] + args.text
    for kind in [k for k in args.kinds.split(",") if k]:
        path = os.path.join(args.workdir, kind, "tokenizer.json")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        hf = train(kind, corpus, path)
        compare(args.ost_run, kind, path, hf, files, args.workdir)
    for path in args.tokenizer:
        compare(args.ost_run, os.path.basename(os.path.dirname(path)) or path, path, Tokenizer.from_file(path),
                files, args.workdir)
    finish()


if __name__ == "__main__":
    main()
