//===- PreTokenizer.cpp - Hugging Face pre-tokenizer patterns -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "PreTokenizer.h"

#include <algorithm>

namespace ost::runtime {

namespace {

struct CodePointRange {
  uint32_t first, last;
};

#include "UnicodeTables.inc"

template <size_t N>
bool inRanges(const CodePointRange (&ranges)[N], uint32_t cp) {
  const CodePointRange *it = std::upper_bound(
      std::begin(ranges), std::end(ranges), cp,
      [](uint32_t c, const CodePointRange &r) { return c < r.first; });
  return it != std::begin(ranges) && cp <= (it - 1)->last;
}

enum class Class : uint8_t { Letter, Number, Space, Other };

struct Char {
  uint32_t cp;
  size_t begin, end;
  Class cls;
};

Class classify(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
      return Class::Letter;
    if (cp >= '0' && cp <= '9')
      return Class::Number;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D))
      return Class::Space;
    return Class::Other;
  }
  if (inRanges(kLetterRanges, cp))
    return Class::Letter;
  if (inRanges(kNumberRanges, cp))
    return Class::Number;
  if (inRanges(kWhiteSpaceRanges, cp))
    return Class::Space;
  return Class::Other;
}

} // namespace

bool isNumeric(uint32_t cp) {
  return classify(cp) == Class::Number;
}

namespace {

std::vector<Char> decodeAll(std::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    size_t len;
    uint32_t cp = decodeUtf8(text, pos, len);
    chars.push_back({cp, pos, pos + len, classify(cp)});
    pos += len;
  }
  return chars;
}

uint32_t lower(uint32_t cp) {
  return cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp;
}

/// Length (in characters) of a contraction 's|'t|'re|'ve|'m|'ll|'d at `i`,
/// or 0. `anyCase` is the (?i:...) form.
size_t contraction(const std::vector<Char> &c, size_t i, bool anyCase) {
  if (c[i].cp != '\'' || i + 1 >= c.size())
    return 0;
  auto at = [&](size_t k) -> uint32_t {
    if (k >= c.size())
      return 0;
    return anyCase ? lower(c[k].cp) : c[k].cp;
  };
  uint32_t a = at(i + 1), b = at(i + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
    return 3;
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  return 0;
}

size_t runOf(const std::vector<Char> &c, size_t i, Class cls,
             size_t limit = SIZE_MAX) {
  size_t j = i;
  while (j < c.size() && c[j].cls == cls && j - i < limit)
    ++j;
  return j;
}

bool isNewline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

/// \s+(?!\S)|\s+ at a whitespace character `i`: the run, less its last
/// character when a non-space follows and at least two remain.
size_t whitespaceTail(const std::vector<Char> &c, size_t i) {
  size_t j = runOf(c, i, Class::Space);
  if (j == c.size() || j - i == 1)
    return j;
  return j - 1;
}

size_t matchGpt2(const std::vector<Char> &c, size_t i) {
  if (size_t n = contraction(c, i, /*anyCase=*/false))
    return i + n;
  size_t s = i;
  if (c[i].cp == ' ' && i + 1 < c.size() && c[i + 1].cls != Class::Space)
    s = i + 1; // ` ?` before a letter, number or other run
  switch (c[s].cls) {
  case Class::Letter:
  case Class::Number:
  case Class::Other:
    return runOf(c, s, c[s].cls);
  case Class::Space:
    return whitespaceTail(c, i);
  }
  return i + 1;
}

size_t matchLlama3(const std::vector<Char> &c, size_t i, size_t maxDigits) {
  if (size_t n = contraction(c, i, /*anyCase=*/true))
    return i + n;
  const Char &ch = c[i];
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (ch.cls == Class::Letter)
    return runOf(c, i, Class::Letter);
  if (ch.cls != Class::Number && !isNewline(ch.cp) && i + 1 < c.size() &&
      c[i + 1].cls == Class::Letter)
    return runOf(c, i + 1, Class::Letter);
  // \p{N}{1,maxDigits}
  if (ch.cls == Class::Number)
    return runOf(c, i, Class::Number, maxDigits);
  //  ?[^\s\p{L}\p{N}]+[\r\n]*
  size_t s = i;
  if (ch.cp == ' ' && i + 1 < c.size() && c[i + 1].cls == Class::Other)
    s = i + 1;
  if (c[s].cls == Class::Other) {
    size_t j = runOf(c, s, Class::Other);
    while (j < c.size() && isNewline(c[j].cp))
      ++j;
    return j;
  }
  // \s*[\r\n]+ : the longest whitespace prefix that ends with a newline.
  size_t j = runOf(c, i, Class::Space);
  for (size_t k = j; k > i; --k)
    if (isNewline(c[k - 1].cp))
      return k;
  return whitespaceTail(c, i);
}

} // namespace

uint32_t decodeUtf8(std::string_view text, size_t pos, size_t &length) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(pos);
  length = 1;
  if (b0 < 0x80)
    return b0;
  size_t n;
  uint32_t cp, min;
  if ((b0 & 0xE0) == 0xC0)
    n = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0)
    n = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0)
    n = 4, cp = b0 & 0x07, min = 0x10000;
  else
    return 0xFFFD;
  if (pos + n > text.size())
    return 0xFFFD;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(pos + k) & 0xC0) != 0x80)
      return 0xFFFD;
    cp = (cp << 6) | (byte(pos + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
    return 0xFFFD;
  length = n;
  return cp;
}

bool recognizeSplitPattern(std::string_view regex, SplitPattern &pattern) {
  static constexpr std::string_view kGpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kLlama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kQwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  if (regex == kGpt2)
    pattern = SplitPattern::Gpt2;
  else if (regex == kLlama3)
    pattern = SplitPattern::Llama3;
  else if (regex == kQwen2)
    pattern = SplitPattern::Qwen2;
  else
    return false;
  return true;
}

std::vector<ByteRange> splitByPattern(std::string_view text,
                                      SplitPattern pattern) {
  std::vector<Char> chars = decodeAll(text);
  std::vector<ByteRange> pieces;
  for (size_t i = 0; i < chars.size();) {
    size_t j;
    switch (pattern) {
    case SplitPattern::Gpt2:
      j = matchGpt2(chars, i);
      break;
    case SplitPattern::Llama3:
      j = matchLlama3(chars, i, 3);
      break;
    case SplitPattern::Qwen2:
      j = matchLlama3(chars, i, 1);
      break;
    }
    j = std::max(j, i + 1);
    pieces.emplace_back(chars[i].begin, chars[j - 1].end);
    i = j;
  }
  return pieces;
}

} // namespace ost::runtime
