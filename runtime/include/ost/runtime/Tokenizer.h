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
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ost::runtime {

/// Token ids with a fixed meaning in llama2.c vocabularies.
inline constexpr int32_t kBosId = 1;
inline constexpr int32_t kEosId = 2;
inline constexpr int32_t kByteTokenOffset = 3;

class Tokenizer {
public:
  /// Loads `path`. On failure returns false and sets `error` to a message
  /// naming the file and what is wrong (missing, truncated, malformed).
  /// `expectedVocabSize` > 0 reads exactly that many tokens (llama2.c's
  /// files may carry trailing data); 0 reads to the end of the file.
  bool load(const std::string &path, std::string &error,
            int32_t expectedVocabSize = 0);

  /// Encodes `text`; `bos` prepends id 1, `eos` appends id 2.
  std::vector<int32_t> encode(std::string_view text, bool bos,
                              bool eos = false) const;

  /// The text of token `id` following `previous` (llama2.c decode: the
  /// leading space after BOS is dropped, `<0xXX>` pieces become the byte).
  std::string decode(int32_t previous, int32_t id) const;

  int32_t vocabSize() const { return static_cast<int32_t>(pieces.size()); }
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
