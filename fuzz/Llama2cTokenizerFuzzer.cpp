//===- Llama2cTokenizerFuzzer.cpp - libFuzzer target of tokenizer.bin -----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Any bytes as a llama2.c tokenizer.bin (written to a file: the loader reads
// paths); when they load, the tokenizer encodes and decodes a few texts and
// the first ids. Errors are expected; a crash or sanitizer report is a bug.
//
//===----------------------------------------------------------------------===//

#include "ExerciseTokenizer.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path =
      "/tmp/ost-fuzz-tokenizer-" + std::to_string(getpid()) + ".bin";
  if (FILE *f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  ost::runtime::Llama2cTokenizer tok;
  std::string error;
  if (!tok.load(path, error))
    return 0;
  ost::fuzz::exerciseTokenizer(tok);
  return 0;
}
