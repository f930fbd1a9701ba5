"""llama2.c tokenizer: known encodings, byte fallback, decode round trip, fast merge == llama2.c loop."""

import os
import struct
import sys

from _common import check, data_paths, finish

from ost.models.perplexity import read_stories
from ost.models.tokenizer import Tokenizer, TokenizerFormatError

_, tok_path, text_path = data_paths(sys.argv[1])
tmp = sys.argv[2]
os.makedirs(tmp, exist_ok=True)

tok = Tokenizer.load(tok_path, 512)
print(f"vocab {tok.vocab_size} max_token_length {tok.max_token_length}")
print("special:", [tok.vocab[i] for i in range(3)], "byte 0x0A:", tok.vocab[13], "id 259:", tok.vocab[259])

ids = tok.encode("Once upon a time")
print("encode('Once upon a time') =", ",".join(map(str, ids)))
check(ids == [1, 403, 407, 261, 378], "known encoding of 'Once upon a time'")
check(tok.encode("Once upon a time", bos=False, eos=True) == [403, 407, 261, 378, 2], "bos/eos flags")
check(tok.encode("") == [1] and tok.encode("", bos=False) == [], "empty text")
# Byte fallback: '\n' and CJK characters are not in the vocabulary.
ids = tok.encode("a\nb", bos=False)
print("encode('a\\nb') =", ids)
check(13 in ids and tok.decode(ids) == " a\nb", "newline falls back to byte token <0x0A> = 13")
ids = tok.encode("日本", bos=False)
want = [b + 3 for b in "日本".encode("utf-8")]
print("encode('日本') =", ids)
check(ids[-6:] == want, "unknown UTF-8 bytes become byte tokens (byte + 3)")
check(tok.decode([1] + ids) == "日本", "decode of byte tokens restores UTF-8 (space after BOS stripped)")
check(tok.encode("é", bos=False)[-1] == tok.lookup["é".encode()], "multi-byte character in the vocabulary")

stories = read_stories(text_path, 0, 60)
rt = all(tok.decode(tok.encode(s)) == s for s in stories)
check(rt, "decode(encode(story)) == story for the first 60 stories")
same = all(tok.encode(s) == tok.encode_reference(s) for s in stories[:12])
extra = ["  double  spaces ", "Tom's \"quote\" — dash… ok", "x" * 50, "abc\n\nxyz 123!?", "€™ñé"]
same = same and all(tok.encode(s) == tok.encode_reference(s) for s in extra)
check(same, "heap merge == llama2.c's quadratic merge loop (12 stories + edge cases)")
n = sum(len(tok.encode(s)) - 1 for s in read_stories(text_path, 0, 200))
print(f"first 200 stories: {n} tokens without BOS")
check(n == 74200, "first 200 stories encode to 74,200 tokens (PROVENANCE.md)")

# Malformed tokenizer files.
with open(tok_path, "rb") as f:
    raw = f.read()
p = os.path.join(tmp, "trunc_tok.bin")
with open(p, "wb") as f:
    f.write(raw[:3000])
try:
    Tokenizer.load(p, 512)
    check(False, "truncated tokenizer rejected")
except TokenizerFormatError as e:
    print("error:", e)
    check("trunc_tok.bin" in str(e), "truncated tokenizer rejected with the file name")
p = os.path.join(tmp, "bad_len.bin")
with open(p, "wb") as f:
    f.write(raw[:4] + struct.pack("<fi", 0.0, 1000) + b"x")
try:
    Tokenizer.load(p)
    check(False, "bad token length rejected")
except TokenizerFormatError as e:
    print("error:", e)
    check("length 1000" in str(e), "bad token length rejected")
finish()
