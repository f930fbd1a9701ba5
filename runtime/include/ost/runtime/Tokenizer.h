//===- Tokenizer.h - text tokenizers of the runtime -------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Three formats behind one interface: llama2.c `tokenizer.bin`, SentencePiece
// `.model` (Debian's libsentencepiece) and Hugging Face `tokenizer.json`
// (HFTokenizer below).
//
// Reads llama2.c `tokenizer.bin` files (int32 max_token_length, then per
// token: float32 score, int32 length, bytes) and encodes text exactly as
// llama2.c's encode(): a leading space on non-empty text, UTF-8 characters
// looked up in the vocabulary with byte fallback (id = byte + 3), then
// repeated merging of the adjacent pair whose concatenation is the
// highest-scoring vocabulary entry (leftmost on ties). No MLIR dependency:
// the same code runs in ost-run and in compiled executables.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_TOKENIZER_H
#define OST_RUNTIME_TOKENIZER_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ost::runtime {

/// Token ids with a fixed meaning in llama2.c vocabularies.
inline constexpr int32_t kBosId = 1;
inline constexpr int32_t kEosId = 2;
inline constexpr int32_t kByteTokenOffset = 3;

/// A text tokenizer: llama2.c `tokenizer.bin`, SentencePiece `.model` or
/// Hugging Face `tokenizer.json`.
class Tokenizer {
public:
  virtual ~Tokenizer();
  /// Encodes `text`; `bos` prepends BOS, `eos` appends EOS.
  virtual std::vector<int32_t> encode(std::string_view text, bool bos,
                                      bool eos = false) const = 0;
  /// The text of a whole sequence (BOS/EOS dropped).
  virtual std::string decode(const std::vector<int32_t> &ids) const = 0;
  virtual int32_t vocabSize() const = 0;
  /// The id `encode(..., bos=true)` starts with, or -1 when the tokenizer
  /// adds none (e.g. GPT-2-style tokenizer.json files).
  virtual int32_t bosId() const = 0;
  /// The end-of-sequence id generation stops at, or -1 when unknown.
  virtual int32_t eosId() const = 0;
  /// True when a model's embedding may have more rows than the vocabulary
  /// (Hugging Face models pad it, e.g. to a multiple of 64).
  virtual bool allowsLargerModelVocab() const { return false; }
};

/// Loads a tokenizer, choosing the format by extension: `.model` is a
/// SentencePiece model (Debian's libsentencepiece), `.json` a Hugging Face
/// tokenizer.json, anything else a llama2.c `tokenizer.bin`. Returns null and
/// sets `error` (naming the file) on failure. `expectedVocabSize` > 0 checks
/// the vocabulary size against the model's (a tokenizer.json may have fewer
/// tokens than the model has embedding rows, never more).
std::unique_ptr<Tokenizer> loadTokenizer(const std::string &path,
                                         std::string &error,
                                         int32_t expectedVocabSize = 0);

/// "" when `tok` (loaded from `path`) fits a model whose vocabulary is
/// `modelVocab`; otherwise the message that it is another model's tokenizer
/// (it has more tokens than the model has embedding rows). Unlike
/// loadTokenizer's `expectedVocabSize`, fewer tokens are accepted.
std::string checkTokenizerFitsModel(const Tokenizer &tok,
                                    const std::string &path,
                                    int64_t modelVocab);

/// "" when `ids` (the encoded `prompt`) is not empty; otherwise that the
/// prompt encodes to no tokens, so generation has nothing to continue.
std::string checkPromptEncodes(const std::vector<int32_t> &ids,
                               const std::string &prompt);

/// llama2.c's tokenizer.bin and BPE encoder.
class Llama2cTokenizer final : public Tokenizer {
public:
  /// Loads `path`. On failure returns false and sets `error` to a message
  /// naming the file and what is wrong (missing, truncated, malformed).
  /// `expectedVocabSize` > 0 reads exactly that many tokens (llama2.c's
  /// files may carry trailing data); 0 reads to the end of the file.
  bool load(const std::string &path, std::string &error,
            int32_t expectedVocabSize = 0);

  /// Encodes `text`; `bos` prepends id 1, `eos` appends id 2.
  std::vector<int32_t> encode(std::string_view text, bool bos,
                              bool eos = false) const override;

  /// The text of token `id` following `previous` (llama2.c decode: the
  /// leading space after BOS is dropped, `<0xXX>` pieces become the byte).
  std::string decode(int32_t previous, int32_t id) const;
  std::string decode(const std::vector<int32_t> &ids) const override;

  int32_t vocabSize() const override {
    return static_cast<int32_t>(pieces.size());
  }
  int32_t bosId() const override { return kBosId; }
  int32_t eosId() const override { return kEosId; }
  const std::string &piece(int32_t id) const { return pieces[id]; }
  float score(int32_t id) const { return scores[id]; }

private:
  int32_t lookup(std::string_view piece) const;
  /// Applies the BPE merges to the symbols of one text, in place.
  void mergePairs(std::vector<int32_t> &body) const;

  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::unordered_map<std::string, int32_t> ids;
  int32_t maxTokenLength = 0;
};

/// Hugging Face `tokenizer.json` with a BPE model, in the two forms LLaMA
/// family checkpoints ship:
///  * byte-level BPE (GPT-2, SmolLM2, Llama-3, Qwen2): added tokens split off
///    first, then the ByteLevel pre-tokenizer (GPT-2's pattern) or a Split
///    with the GPT-2, Llama-3 or Qwen2 pattern followed by ByteLevel, bytes
///    mapped to GPT-2's printable alphabet, merges by rank;
///  * SentencePiece-style BPE (Llama-2, TinyLlama, Mistral): the Prepend("▁")
///    + Replace(" ", "▁") normalizer or the Metaspace pre-tokenizer, merges
///    over characters, byte fallback to `<0xXX>`.
/// BOS/EOS: the post-processor's TemplateProcessing prefix (what HF
/// `tokenizer(text)` adds) is what `encode(bos=true)` adds; the EOS comes
/// from tokenizer_config.json beside the file when present. Anything else
/// (other models, normalizers, patterns, continuing-subword prefixes) is
/// refused at load time with a message naming the field.
class HFTokenizer final : public Tokenizer {
public:
  HFTokenizer();
  ~HFTokenizer() override;
  bool load(const std::string &path, std::string &error);
  /// Loads from the text of a tokenizer.json (`name` is used in messages;
  /// `configText`, if not empty, is the text of tokenizer_config.json).
  bool loadFromString(std::string_view json, const std::string &name,
                      std::string &error, std::string_view configText = {});

  std::vector<int32_t> encode(std::string_view text, bool bos,
                              bool eos = false) const override;
  std::string decode(const std::vector<int32_t> &ids) const override;
  int32_t vocabSize() const override;
  int32_t bosId() const override;
  int32_t eosId() const override;
  bool allowsLargerModelVocab() const override { return true; }
  /// The string of token `id` as stored in the vocabulary.
  const std::string &piece(int32_t id) const;

  struct Impl;

private:
  std::unique_ptr<Impl> impl;
};

} // namespace ost::runtime

#endif // OST_RUNTIME_TOKENIZER_H
