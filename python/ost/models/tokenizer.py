"""llama2.c tokenizer.bin reader and its BPE encoder / decoder.

File layout: int32 max_token_length, then for every token: float32 score,
int32 length, `length` bytes (no terminator). The vocabulary size is not stored;
the reader takes tokens until the end of the file (and checks the count when
the caller knows it).

Encoding follows llama2.c's `encode()` (run.c), which is the protocol in
shared/data/PROVENANCE.md:
  1. optional BOS (id 1);
  2. a leading space is prepended to a non-empty text;
  3. the text is split into UTF-8 characters (code points, up to 4 bytes), each
     looked up in the vocabulary; a character that is not there falls back to
     one byte token per byte, id = byte + 3 (<0x00> is id 3);
  4. repeatedly, the adjacent pair whose concatenated *token strings* form a
     vocabulary entry with the highest score is merged (leftmost pair on
     ties), until no pair merges;
  5. optional EOS (id 2).
"""

from __future__ import annotations

import heapq
import re
import struct
from typing import Dict, List, Optional

BOS_ID = 1
EOS_ID = 2
BYTE_TOKEN_OFFSET = 3  # <0x00> is token 3

_BYTE_TOKEN_RE = re.compile(rb"^<0x([0-9A-Fa-f]{2})>$")


class TokenizerFormatError(ValueError):
    """tokenizer.bin is truncated or malformed. The message names the file."""


class Tokenizer:
    def __init__(self, vocab: List[bytes], scores: List[float], max_token_length: int, path: str = "<memory>"):
        self.vocab = vocab
        self.scores = scores
        self.max_token_length = max_token_length
        self.path = path
        self.lookup: Dict[bytes, int] = {}
        for i, t in enumerate(vocab):
            # llama2.c uses a binary search over the sorted vocabulary; with
            # duplicates the first one found wins. Keep the first id.
            self.lookup.setdefault(t, i)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    # -- reading ---------------------------------------------------------------
    @classmethod
    def load(cls, path: str, vocab_size: Optional[int] = None) -> "Tokenizer":
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            raise TokenizerFormatError(f"{path}: cannot read tokenizer: {e.strerror}") from e
        if len(data) < 4:
            raise TokenizerFormatError(f"{path}: truncated tokenizer: {len(data)} bytes, the header needs 4")
        (max_len,) = struct.unpack_from("<i", data, 0)
        if max_len <= 0 or max_len > 4096:
            raise TokenizerFormatError(f"{path}: malformed tokenizer: max_token_length = {max_len}")
        off = 4
        vocab: List[bytes] = []
        scores: List[float] = []
        while off < len(data) and (vocab_size is None or len(vocab) < vocab_size):
            if off + 8 > len(data):
                raise TokenizerFormatError(
                    f"{path}: truncated tokenizer: token {len(vocab)} header at byte {off} is cut off")
            score, n = struct.unpack_from("<fi", data, off)
            off += 8
            if n < 0 or n > max_len:
                raise TokenizerFormatError(
                    f"{path}: malformed tokenizer: token {len(vocab)} has length {n} (max_token_length {max_len})")
            if off + n > len(data):
                raise TokenizerFormatError(
                    f"{path}: truncated tokenizer: token {len(vocab)} needs {n} bytes at byte {off}, "
                    f"only {len(data) - off} remain")
            vocab.append(data[off:off + n])
            scores.append(score)
            off += n
        if vocab_size is not None and len(vocab) != vocab_size:
            raise TokenizerFormatError(
                f"{path}: tokenizer has {len(vocab)} tokens, the model expects {vocab_size}")
        if len(vocab) < 259:
            raise TokenizerFormatError(
                f"{path}: malformed tokenizer: {len(vocab)} tokens, fewer than the 3 specials + 256 byte tokens")
        return cls(vocab, scores, max_len, path)

    # -- encoding ----------------------------------------------------------------
    def _utf8_chars(self, data: bytes) -> List[bytes]:
        """Splits bytes into UTF-8 code points the way run.c does (max 4 bytes per char)."""
        chars: List[bytes] = []
        buf = bytearray()
        for i, b in enumerate(data):
            if (b & 0xC0) != 0x80:
                buf = bytearray()  # a new character starts
            buf.append(b)
            nxt = data[i + 1] if i + 1 < len(data) else None
            if nxt is not None and (nxt & 0xC0) == 0x80 and len(buf) < 4:
                continue
            chars.append(bytes(buf))
            buf = bytearray()
        return chars

    def encode(self, text, bos: bool = True, eos: bool = False) -> List[int]:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        tokens: List[int] = []
        if bos:
            tokens.append(BOS_ID)
        if data:
            data = b" " + data
        for ch in self._utf8_chars(data):
            tid = self.lookup.get(ch)
            if tid is not None:
                tokens.append(tid)
            else:
                tokens.extend(b + BYTE_TOKEN_OFFSET for b in ch)
        tokens = self._merge(tokens)
        if eos:
            tokens.append(EOS_ID)
        return tokens

    def _merge(self, tokens: List[int]) -> List[int]:
        """BPE merging, same result as llama2.c's quadratic loop, in O(n log n).

        A heap holds candidate pairs keyed by (-score, position of the left
        token); positions keep their order under merging, so the heap's top is
        llama2.c's choice: the highest score, leftmost on ties. Stale entries
        (a side already merged away or changed) are skipped when popped.
        """
        vocab, scores, lookup = self.vocab, self.scores, self.lookup
        n = len(tokens)
        tok = list(tokens)
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        alive = [True] * n
        heap: List[tuple] = []

        def push(i: int) -> None:
            j = nxt[i]
            if j < n:
                tid = lookup.get(vocab[tok[i]] + vocab[tok[j]])
                if tid is not None:
                    heapq.heappush(heap, (-scores[tid], i, tok[i], j, tok[j], tid))

        for i in range(n - 1):
            push(i)
        while heap:
            _, i, ti, j, tj, tid = heapq.heappop(heap)
            if not (alive[i] and alive[j] and nxt[i] == j and tok[i] == ti and tok[j] == tj):
                continue
            tok[i] = tid
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prv[nxt[j]] = i
            if prv[i] >= 0:
                push(prv[i])
            push(i)
        return [tok[i] for i in range(n) if alive[i]]

    def _merge_reference(self, tokens: List[int]) -> List[int]:
        """llama2.c's loop verbatim (quadratic); kept to test _merge against."""
        vocab, scores, lookup = self.vocab, self.scores, self.lookup
        tokens = list(tokens)
        while True:
            best_score, best_id, best_idx = -1e10, -1, -1
            for i in range(len(tokens) - 1):
                tid = lookup.get(vocab[tokens[i]] + vocab[tokens[i + 1]])
                if tid is not None and scores[tid] > best_score:
                    best_score, best_id, best_idx = scores[tid], tid, i
            if best_idx < 0:
                return tokens
            tokens[best_idx:best_idx + 2] = [best_id]

    def encode_reference(self, text, bos: bool = True, eos: bool = False) -> List[int]:
        """encode() with the quadratic reference merge loop."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        tokens = [BOS_ID] if bos else []
        if data:
            data = b" " + data
        for ch in self._utf8_chars(data):
            tid = self.lookup.get(ch)
            tokens.extend([tid] if tid is not None else [b + BYTE_TOKEN_OFFSET for b in ch])
        tokens = self._merge_reference(tokens)
        return tokens + [EOS_ID] if eos else tokens

    # -- decoding ----------------------------------------------------------------
    def token_bytes(self, tid: int, prev: Optional[int] = None) -> bytes:
        """One token's bytes as llama2.c's decode() prints them."""
        piece = self.vocab[tid]
        if prev == BOS_ID and piece.startswith(b" "):
            piece = piece[1:]
        m = _BYTE_TOKEN_RE.match(piece)
        if m:
            return bytes([int(m.group(1), 16)])
        return piece

    def decode(self, ids: List[int]) -> str:
        """Decodes a token sequence; BOS/EOS are dropped, the space after BOS is stripped."""
        out = bytearray()
        prev = None
        for t in ids:
            if t in (BOS_ID, EOS_ID):
                prev = t
                continue
            out += self.token_bytes(t, prev)
            prev = t
        return out.decode("utf-8", errors="replace")


def main(argv=None) -> int:
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="Encode text with a llama2.c tokenizer.bin (prints token ids).")
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--no-bos", action="store_true")
    ap.add_argument("--decode", help="comma-separated ids to decode instead")
    ap.add_argument("text", nargs="?", default="")
    args = ap.parse_args(argv)
    try:
        tok = Tokenizer.load(args.tokenizer)
    except TokenizerFormatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if args.decode:
        print(tok.decode([int(x) for x in args.decode.split(",") if x.strip()]))
    else:
        print(",".join(str(t) for t in tok.encode(args.text, bos=not args.no_bos)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
