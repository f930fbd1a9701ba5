//===- ExerciseTokenizer.h - what the tokenizer fuzzers do with a load ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_FUZZ_EXERCISETOKENIZER_H
#define OST_FUZZ_EXERCISETOKENIZER_H

#include "ost/runtime/Tokenizer.h"

#include <cstdint>
#include <vector>

namespace ost::fuzz {

/// Encodes a few texts (ASCII, digits and other numerics, multi-byte and
/// invalid UTF-8, empty) with BOS and EOS, decodes the ids, then decodes
/// ids -2 .. 63 (out-of-range ones included).
inline void exerciseTokenizer(const runtime::Tokenizer &tok) {
  static const char *texts[] = {"Once upon a time", "3.14 \xc2\xbd \xd9\xa3",
                                "h\xc3\xa9llo", "\xff\xfe bad \xc3", ""};
  for (const char *text : texts) {
    std::vector<int32_t> ids = tok.encode(text, /*bos=*/true, /*eos=*/true);
    (void)tok.decode(ids);
  }
  std::vector<int32_t> first;
  for (int32_t id = -2; id < 64 && id < tok.vocabSize() + 2; ++id)
    first.push_back(id);
  (void)tok.decode(first);
}

} // namespace ost::fuzz

#endif // OST_FUZZ_EXERCISETOKENIZER_H
