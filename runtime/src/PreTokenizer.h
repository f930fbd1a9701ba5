//===- PreTokenizer.h - Hugging Face pre-tokenizer patterns -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The regular expressions that Hugging Face byte-level tokenizers split text
// with, written out as scanners (the runtime has no regex engine with
// Unicode classes): GPT-2's (GPT-2, SmolLM, StarCoder, ByteLevel's
// use_regex) and the Llama-3 / Qwen2 one (contractions case-insensitive, an
// optional leading non-letter glued to letters, digits in runs of at most 3
// or 1, newlines kept with punctuation). Each returns the byte ranges of the
// pieces, which cover the text exactly. Unicode classes (\p{L}, \p{N}, \s)
// come from generated tables (UnicodeTables.inc); invalid UTF-8 bytes count
// as one non-letter, non-number, non-space character each.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_PRETOKENIZER_H
#define OST_RUNTIME_PRETOKENIZER_H

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace ost::runtime {

enum class SplitPattern {
  /// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  Gpt2,
  /// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
  ///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,
  /// Llama3 with \p{N} (single digits): Qwen2.
  Qwen2,
};

/// The pattern a tokenizer.json regex string denotes, or false when it is
/// not one of the known ones.
bool recognizeSplitPattern(std::string_view regex, SplitPattern &pattern);

using ByteRange = std::pair<size_t, size_t>; // [begin, end)

/// Splits UTF-8 `text` into the matches of `pattern`.
std::vector<ByteRange> splitByPattern(std::string_view text,
                                      SplitPattern pattern);

/// Whether `cp` is in Unicode's \p{N} (Nd, Nl, No): the characters that
/// Rust's char::is_numeric, and so the `tokenizers` Digits step, accepts.
bool isNumeric(uint32_t cp);

/// Decodes one UTF-8 character at `text[pos]`; sets `length` (1 for an
/// invalid byte, whose code point is returned as 0xFFFD).
uint32_t decodeUtf8(std::string_view text, size_t pos, size_t &length);

} // namespace ost::runtime

#endif // OST_RUNTIME_PRETOKENIZER_H
