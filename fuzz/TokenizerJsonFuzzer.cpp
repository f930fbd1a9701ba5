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

#include "ExerciseTokenizer.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ost::runtime::HFTokenizer tok;
  std::string error;
  std::string_view json(reinterpret_cast<const char *>(data), size);
  if (!tok.loadFromString(json, "fuzz.json", error))
    return 0;
  ost::fuzz::exerciseTokenizer(tok);
  return 0;
}
