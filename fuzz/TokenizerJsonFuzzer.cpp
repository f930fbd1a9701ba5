//===- TokenizerJsonFuzzer.cpp - libFuzzer target of tokenizer.json -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Any bytes as a tokenizer.json; when they load, the tokenizer encodes a few
// texts (ASCII, digits, multi-byte UTF-8, invalid UTF-8) and decodes every
// id it produced plus the first ids of the vocabulary. Errors are expected;
// a crash or sanitizer report is a bug.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ost::runtime::HFTokenizer tok;
  std::string error;
  std::string_view json(reinterpret_cast<const char *>(data), size);
  if (!tok.loadFromString(json, "fuzz.json", error))
    return 0;
  static const char *texts[] = {"Once upon a time", "3.14 ½ ٣", "héllo wörld",
                                "\xff\xfe bad \xc3", ""};
  for (const char *text : texts) {
    std::vector<int32_t> ids = tok.encode(text, /*bos=*/true, /*eos=*/true);
    (void)tok.decode(ids);
  }
  std::vector<int32_t> first;
  for (int32_t id = -2; id < 64 && id < tok.vocabSize() + 2; ++id)
    first.push_back(id);
  (void)tok.decode(first);
  return 0;
}
