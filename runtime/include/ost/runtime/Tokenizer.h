//===- Tokenizer.h - llama2.c BPE tokenizer ---------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
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

/// A text tokenizer: llama2.c `tokenizer.bin` or SentencePiece `.model`.
class Tokenizer {
public:
  virtual ~Tokenizer();
  /// Encodes `text`; `bos` prepends BOS, `eos` appends EOS.
  virtual std::vector<int32_t> encode(std::string_view text, bool bos,
                                      bool eos = false) const = 0;
  /// The text of a whole sequence (BOS/EOS dropped).
  virtual std::string decode(const std::vector<int32_t> &ids) const = 0;
  virtual int32_t vocabSize() const = 0;
  virtual int32_t bosId() const = 0;
  virtual int32_t eosId() const = 0;
};

/// Loads a tokenizer, choosing the format by extension: `.model` is a
/// SentencePiece model (Debian's libsentencepiece), anything else a llama2.c
/// `tokenizer.bin`. Returns null and sets `error` (naming the file) on
/// failure. `expectedVocabSize` > 0 checks the vocabulary size.
std::unique_ptr<Tokenizer> loadTokenizer(const std::string &path,
                                         std::string &error,
                                         int32_t expectedVocabSize = 0);

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

  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::unordered_map<std::string, int32_t> ids;
  int32_t maxTokenLength = 0;
};

} // namespace ost::runtime

#endif // OST_RUNTIME_TOKENIZER_H
