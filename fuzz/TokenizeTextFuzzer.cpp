//===- TokenizeTextFuzzer.cpp - hostile text through real tokenizers ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The bytes are text (any encoding, invalid UTF-8 included) encoded by every
// tokenizer named in OST_FUZZ_TOKENIZERS (colon-separated paths: a
// tokenizer.json, a llama2.c tokenizer.bin), then decoded. Encoding must not
// crash and must give ids inside the vocabulary.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::unique_ptr<ost::runtime::Tokenizer>> loadAll() {
  std::vector<std::unique_ptr<ost::runtime::Tokenizer>> all;
  const char *list = std::getenv("OST_FUZZ_TOKENIZERS");
  std::stringstream paths(list ? list : "");
  for (std::string path; std::getline(paths, path, ':');) {
    if (path.empty())
      continue;
    std::string error;
    auto tok = ost::runtime::loadTokenizer(path, error);
    if (!tok) {
      std::fprintf(stderr, "ost-fuzz-tokenize-text: %s\n", error.c_str());
      std::exit(2);
    }
    all.push_back(std::move(tok));
  }
  if (all.empty()) {
    std::fprintf(stderr, "ost-fuzz-tokenize-text: set OST_FUZZ_TOKENIZERS\n");
    std::exit(2);
  }
  return all;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const auto tokenizers = loadAll();
  std::string_view text(reinterpret_cast<const char *>(data), size);
  for (const auto &tok : tokenizers) {
    std::vector<int32_t> ids = tok->encode(text, /*bos=*/true);
    for (int32_t id : ids)
      if (id < 0 || id >= tok->vocabSize())
        std::abort(); // an id outside the vocabulary
    (void)tok->decode(ids);
  }
  return 0;
}
