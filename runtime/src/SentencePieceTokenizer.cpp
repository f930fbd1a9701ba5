//===- SentencePieceTokenizer.cpp - SentencePiece .model tokenizers -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Wraps Debian's libsentencepiece (LLaMA-1/2 tokenizer.model files) behind
// the Tokenizer interface, and the loader that picks the format.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include <sentencepiece_processor.h>

#include <exception>
#include <fstream>

namespace ost::runtime {

namespace {

class SentencePieceTokenizer final : public Tokenizer {
public:
  bool load(const std::string &path, std::string &error) {
    sentencepiece::util::Status status;
    try {
      status = processor.Load(path);
    } catch (const std::exception &e) {
      // Debian's libsentencepiece bundles its own protobuf; in a program
      // that also loads libprotobuf.so (the ONNX importer: ost-run,
      // ost-compile, ost-opt) it gets libprotobuf's symbols, whose version
      // check throws (docs/Tokenizers.md).
      error = path +
              ": cannot load a SentencePiece model in a program that also "
              "loads the ONNX importer's libprotobuf (Debian's "
              "libsentencepiece carries an incompatible copy: " +
              e.what() +
              "); use the model's tokenizer.json instead (python -m "
              "ost.export.hf writes one), or load the .model in a compiled "
              "executable";
      return false;
    }
    if (!status.ok()) {
      error = path + ": cannot load SentencePiece model: " + status.ToString();
      return false;
    }
    return true;
  }

  std::vector<int32_t> encode(std::string_view text, bool bos,
                              bool eos) const override {
    std::vector<int> pieces;
    std::vector<int32_t> ids;
    if (bos && processor.bos_id() >= 0)
      ids.push_back(processor.bos_id());
    if (processor.Encode(std::string(text), &pieces).ok())
      ids.insert(ids.end(), pieces.begin(), pieces.end());
    if (eos && processor.eos_id() >= 0)
      ids.push_back(processor.eos_id());
    return ids;
  }

  std::string decode(const std::vector<int32_t> &ids) const override {
    std::vector<int> pieces;
    for (int32_t id : ids)
      if (id != processor.bos_id() && id != processor.eos_id() && id >= 0 &&
          id < processor.GetPieceSize())
        pieces.push_back(id);
    std::string text;
    if (!processor.Decode(pieces, &text).ok())
      return {};
    return text;
  }

  int32_t vocabSize() const override { return processor.GetPieceSize(); }
  int32_t bosId() const override { return processor.bos_id(); }
  int32_t eosId() const override { return processor.eos_id(); }

private:
  sentencepiece::SentencePieceProcessor processor;
};

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const std::string &path,
                                         std::string &error,
                                         int32_t expectedVocabSize) {
  if (!std::ifstream(path).good()) {
    error = path + ": cannot open tokenizer file";
    return nullptr;
  }
  std::unique_ptr<Tokenizer> tokenizer;
  if (endsWith(path, ".json")) {
    auto hf = std::make_unique<HFTokenizer>();
    if (!hf->load(path, error))
      return nullptr;
    tokenizer = std::move(hf);
  } else if (endsWith(path, ".model")) {
    auto sp = std::make_unique<SentencePieceTokenizer>();
    if (!sp->load(path, error))
      return nullptr;
    tokenizer = std::move(sp);
  } else {
    auto bpe = std::make_unique<Llama2cTokenizer>();
    if (!bpe->load(path, error, expectedVocabSize))
      return nullptr;
    tokenizer = std::move(bpe);
  }
  if (expectedVocabSize > 0 && tokenizer->allowsLargerModelVocab() &&
      tokenizer->vocabSize() <= expectedVocabSize)
    return tokenizer;
  if (expectedVocabSize > 0 && tokenizer->vocabSize() != expectedVocabSize) {
    error = path + ": tokenizer has " + std::to_string(tokenizer->vocabSize()) +
            " tokens, the model needs " + std::to_string(expectedVocabSize);
    return nullptr;
  }
  return tokenizer;
}

} // namespace ost::runtime
