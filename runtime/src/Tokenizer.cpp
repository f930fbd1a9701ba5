//===- Tokenizer.cpp - llama2.c BPE tokenizer -----------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include <cstdio>
#include <queue>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ost::runtime {

namespace {

template <typename T> bool readPod(const std::string &data, size_t &off, T &out) {
  if (off + sizeof(T) > data.size())
    return false;
  std::memcpy(&out, data.data() + off, sizeof(T));
  off += sizeof(T);
  return true;
}

/// Length in bytes of the UTF-8 sequence starting with `lead` (1 for a
/// stray continuation byte, so malformed text still advances).
size_t utf8Length(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if ((lead & 0xE0) == 0xC0)
    return 2;
  if ((lead & 0xF0) == 0xE0)
    return 3;
  if ((lead & 0xF8) == 0xF0)
    return 4;
  return 1;
}

/// Parses "<0xXX>" into the byte it names.
bool parseByteToken(const std::string &piece, unsigned char &byte) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>')
    return false;
  unsigned value = 0;
  for (int i = 3; i < 5; ++i) {
    char c = piece[i];
    value <<= 4;
    if (c >= '0' && c <= '9')
      value |= c - '0';
    else if (c >= 'a' && c <= 'f')
      value |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      value |= c - 'A' + 10;
    else
      return false;
  }
  byte = static_cast<unsigned char>(value);
  return true;
}

} // namespace

bool Llama2cTokenizer::load(const std::string &path, std::string &error,
                     int32_t expectedVocabSize) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open tokenizer file";
    return false;
  }
  std::string data((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  size_t off = 0;
  int32_t maxLen = 0;
  if (!readPod(data, off, maxLen)) {
    error = path + ": truncated tokenizer: the 4-byte header is missing";
    return false;
  }
  if (maxLen <= 0 || maxLen > 4096) {
    error = path + ": malformed tokenizer: max_token_length = " +
            std::to_string(maxLen);
    return false;
  }
  pieces.clear();
  scores.clear();
  ids.clear();
  while (off < data.size() &&
         (expectedVocabSize <= 0 ||
          static_cast<int32_t>(pieces.size()) < expectedVocabSize)) {
    float s = 0;
    int32_t n = 0;
    if (!readPod(data, off, s) || !readPod(data, off, n)) {
      error = path + ": truncated tokenizer: token " +
              std::to_string(pieces.size()) + " is cut off";
      return false;
    }
    if (n < 0 || n > maxLen || off + static_cast<size_t>(n) > data.size()) {
      error = path + ": malformed tokenizer: token " +
              std::to_string(pieces.size()) + " has length " +
              std::to_string(n);
      return false;
    }
    pieces.emplace_back(data.data() + off, static_cast<size_t>(n));
    scores.push_back(s);
    off += n;
  }
  if (expectedVocabSize > 0 &&
      static_cast<int32_t>(pieces.size()) != expectedVocabSize) {
    error = path + ": tokenizer has " + std::to_string(pieces.size()) +
            " tokens, the model needs " + std::to_string(expectedVocabSize);
    return false;
  }
  if (pieces.size() < kByteTokenOffset + 256u) {
    error = path + ": tokenizer has only " + std::to_string(pieces.size()) +
            " tokens; llama2.c vocabularies hold BOS/EOS and 256 byte tokens";
    return false;
  }
  for (size_t i = 0; i < pieces.size(); ++i)
    ids.emplace(pieces[i], static_cast<int32_t>(i)); // first id wins
  maxTokenLength = maxLen;
  return true;
}

int32_t Llama2cTokenizer::lookup(std::string_view piece) const {
  auto it = ids.find(std::string(piece));
  return it == ids.end() ? -1 : it->second;
}

/// llama2.c's merge rule: repeatedly merge the adjacent pair whose
/// concatenation is in the vocabulary with the highest score (the leftmost
/// of equal scores; scores must exceed -1e30) until none is. Done with a
/// heap of candidate pairs over a linked list of symbols, lazily dropping
/// pairs a merge invalidated: O(n log n) instead of llama2.c's O(n^2)
/// rescans, with the same merges in the same order.
void Llama2cTokenizer::mergePairs(std::vector<int32_t> &body) const {
  const size_t n = body.size();
  if (n < 2)
    return;
  struct Symbol {
    int32_t id;
    int64_t prev, next; // -1: none
    uint32_t version;
  };
  struct Candidate {
    float score;
    int64_t left, right;
    uint32_t leftVersion, rightVersion;
    int32_t merged;
  };
  // The heap's top is the highest score, then the leftmost.
  auto after = [](const Candidate &a, const Candidate &b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::vector<Symbol> symbols(n);
  for (size_t i = 0; i < n; ++i)
    symbols[i] = {body[i], static_cast<int64_t>(i) - 1,
                  i + 1 < n ? static_cast<int64_t>(i + 1) : -1, 0};
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(after)>
      heap(after);
  std::string merged;
  auto consider = [&](int64_t left) {
    int64_t right = left < 0 ? -1 : symbols[left].next;
    if (right < 0)
      return;
    merged = pieces[symbols[left].id];
    merged += pieces[symbols[right].id];
    int32_t id = lookup(merged);
    if (id >= 0 && scores[id] > -1e30f)
      heap.push({scores[id], left, right, symbols[left].version,
                 symbols[right].version, id});
  };
  for (size_t i = 0; i + 1 < n; ++i)
    consider(static_cast<int64_t>(i));
  // A merge bumps the version of both symbols (the right one is gone), so a
  // candidate is current exactly when both versions are unchanged.
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    Symbol &l = symbols[c.left], &r = symbols[c.right];
    if (l.version != c.leftVersion || r.version != c.rightVersion)
      continue; // a merge changed one of the two symbols
    l.id = c.merged;
    ++l.version;
    ++r.version;
    l.next = r.next;
    if (l.next >= 0)
      symbols[l.next].prev = c.left;
    consider(l.prev);
    consider(c.left);
  }
  body.clear();
  for (int64_t i = 0; i >= 0; i = symbols[i].next)
    body.push_back(symbols[i].id);
}

std::vector<int32_t> Llama2cTokenizer::encode(std::string_view text, bool bos,
                                       bool eos) const {
  std::vector<int32_t> tokens;
  if (bos)
    tokens.push_back(kBosId);
  std::vector<int32_t> body;
  if (!text.empty()) {
    int32_t space = lookup(" ");
    if (space >= 0)
      body.push_back(space);
  }
  for (size_t i = 0; i < text.size();) {
    size_t len = std::min(utf8Length(static_cast<unsigned char>(text[i])),
                          text.size() - i);
    int32_t id = lookup(text.substr(i, len));
    if (id >= 0) {
      body.push_back(id);
    } else {
      for (size_t j = 0; j < len; ++j)
        body.push_back(static_cast<unsigned char>(text[i + j]) +
                       kByteTokenOffset);
    }
    i += len;
  }
  mergePairs(body);
  tokens.insert(tokens.end(), body.begin(), body.end());
  if (eos)
    tokens.push_back(kEosId);
  return tokens;
}

std::string Llama2cTokenizer::decode(int32_t previous, int32_t id) const {
  if (id < 0 || id >= vocabSize())
    return {};
  std::string piece = pieces[id];
  if (previous == kBosId && !piece.empty() && piece[0] == ' ')
    piece.erase(0, 1);
  unsigned char byte = 0;
  if (parseByteToken(piece, byte))
    return std::string(1, static_cast<char>(byte));
  return piece;
}

std::string Llama2cTokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string text;
  int32_t previous = -1;
  for (int32_t id : ids) {
    if (id != kBosId && id != kEosId)
      text += decode(previous, id);
    previous = id;
  }
  return text;
}

Tokenizer::~Tokenizer() = default;

std::string checkPromptEncodes(const std::vector<int32_t> &ids,
                               const std::string &prompt) {
  if (!ids.empty())
    return "";
  return "--prompt \"" + prompt +
         "\" encodes to no tokens (the tokenizer adds no BOS): there is "
         "nothing to continue";
}

std::string checkTokenizerFitsModel(const Tokenizer &tok,
                                    const std::string &path,
                                    int64_t modelVocab) {
  if (tok.vocabSize() <= modelVocab)
    return "";
  return path + ": the tokenizer has " + std::to_string(tok.vocabSize()) +
         " tokens but the model's vocabulary is " +
         std::to_string(modelVocab) + ": it is another model's tokenizer";
}

} // namespace ost::runtime
