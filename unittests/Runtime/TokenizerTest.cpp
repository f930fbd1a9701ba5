//===- TokenizerTest.cpp - llama2.c BPE tokenizer -------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Uses the real stories260K tokenizer from ../shared/data when present
// (skipped otherwise). Expected ids come from python/ost/models/tokenizer.py,
// an independent implementation of the same algorithm.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <unordered_map>

using namespace ost::runtime;

namespace {

const std::string kData = OST_SHARED_DATA_DIR;
const std::string kTokenizer = kData + "/models/stories260K.tok512.bin";

bool haveData() { return std::ifstream(kTokenizer).good(); }

class RealTokenizer : public ::testing::Test {
protected:
  void SetUp() override {
    if (!haveData())
      GTEST_SKIP() << "missing " << kTokenizer;
    std::string error;
    ASSERT_TRUE(tok.load(kTokenizer, error, 512)) << error;
  }
  Llama2cTokenizer tok;
};

TEST_F(RealTokenizer, KnownEncodings) {
  EXPECT_EQ(tok.vocabSize(), 512);
  EXPECT_EQ(tok.encode("Once upon a time", true),
            (std::vector<int32_t>{1, 403, 407, 261, 378}));
  // Byte fallback for characters missing from the vocabulary.
  EXPECT_EQ(tok.encode("Hello, world! 123 \xc3\xa9\xe4\xb8\xad", true),
            (std::vector<int32_t>{1, 346, 306, 414, 432, 263, 304, 341, 443,
                                  410, 475, 479, 472, 410, 485, 231, 187,
                                  176}));
  EXPECT_EQ(tok.encode("", true), (std::vector<int32_t>{1}));
  EXPECT_EQ(tok.encode("", false, true), (std::vector<int32_t>{2}));
}

TEST_F(RealTokenizer, DecodeRoundTrip) {
  std::string text = "Once upon a time, there was a little girl named Lily.";
  std::vector<int32_t> ids = tok.encode(text, true);
  std::string decoded;
  for (size_t i = 1; i < ids.size(); ++i)
    decoded += tok.decode(ids[i - 1], ids[i]);
  EXPECT_EQ(decoded, text);
  // Byte tokens decode to their byte.
  EXPECT_EQ(tok.decode(0, 3 + 'A'), "A");
}

// PROVENANCE.md: the first 200 TinyStories validation stories give 74,200
// predicted tokens under the protocol (BOS, 512-prediction windows).
TEST_F(RealTokenizer, ProvenanceTokenCount) {
  std::string text, error;
  ASSERT_TRUE(readTextFile(kData + "/text/tinystories.valid.0-499.txt", text,
                           error))
      << error;
  std::vector<std::string> docs = splitDocuments(text, 0, 200);
  ASSERT_EQ(docs.size(), 200u);
  int64_t predicted = 0, longDocs = 0;
  for (const std::string &doc : docs) {
    std::vector<int32_t> ids = tok.encode(doc, true);
    std::vector<Window> windows = makeWindows(ids, 512);
    longDocs += windows.size() > 1;
    for (const Window &w : windows)
      predicted += static_cast<int64_t>(w.targets.size());
  }
  EXPECT_EQ(predicted, 74200);
  EXPECT_EQ(longDocs, 14); // "14 of the first 200 stories are longer than 512"
}

/// llama2.c's merge loop as llama2.c writes it (rescan every adjacent pair,
/// merge the best, the leftmost of equal scores): the reference the
/// tokenizer's heap-based merge must equal.
std::vector<int32_t> naiveMerge(std::vector<int32_t> body,
                                const std::vector<std::string> &pieces,
                                const std::vector<float> &scores) {
  std::unordered_map<std::string, int32_t> ids;
  for (size_t i = 0; i < pieces.size(); ++i)
    ids.emplace(pieces[i], static_cast<int32_t>(i));
  while (body.size() >= 2) {
    float best = -1e30f;
    int32_t bestId = -1;
    size_t bestIdx = 0;
    for (size_t i = 0; i + 1 < body.size(); ++i) {
      auto it = ids.find(pieces[body[i]] + pieces[body[i + 1]]);
      if (it != ids.end() && scores[it->second] > best) {
        best = scores[it->second];
        bestId = it->second;
        bestIdx = i;
      }
    }
    if (bestId < 0)
      break;
    body[bestIdx] = bestId;
    body.erase(body.begin() + static_cast<std::ptrdiff_t>(bestIdx) + 1);
  }
  return body;
}

// A vocabulary of every string of 1-3 letters over {a, b, c, ' '} with
// scores from 3 values (many ties), random texts up to 300 characters: the
// encoder's merges equal llama2.c's loop, id for id.
TEST(Tokenizer, HeapMergeEqualsLlama2cLoop) {
  std::vector<std::string> pieces = {"<unk>", "<s>", "</s>"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back(name);
  }
  const std::string alphabet = "abc ";
  std::vector<std::string> words = {""};
  for (int len = 1; len <= 3; ++len) {
    std::vector<std::string> next;
    for (const std::string &w : words)
      for (char c : alphabet)
        next.push_back(w + c);
    words = next;
    pieces.insert(pieces.end(), words.begin(), words.end());
  }
  std::mt19937 gen(7);
  std::vector<float> scores(pieces.size());
  for (float &sc : scores)
    sc = static_cast<float>(gen() % 3);
  std::string path = ::testing::TempDir() + "/ties-tokenizer.bin";
  {
    std::ofstream out(path, std::ios::binary);
    int32_t maxLen = 8;
    out.write(reinterpret_cast<const char *>(&maxLen), 4);
    for (size_t i = 0; i < pieces.size(); ++i) {
      int32_t n = static_cast<int32_t>(pieces[i].size());
      out.write(reinterpret_cast<const char *>(&scores[i]), 4);
      out.write(reinterpret_cast<const char *>(&n), 4);
      out.write(pieces[i].data(), n);
    }
  }
  Llama2cTokenizer tok;
  std::string error;
  ASSERT_TRUE(tok.load(path, error)) << error;
  std::remove(path.c_str());
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    for (size_t n = gen() % 300; n > 0; --n)
      text += alphabet[gen() % alphabet.size()];
    if (text.empty())
      continue;
    // The encoder's symbols before merging: a leading " ", then one per
    // character (all are in the vocabulary).
    std::vector<int32_t> symbols;
    for (char c : " " + text)
      symbols.push_back(static_cast<int32_t>(
          std::find(pieces.begin(), pieces.end(), std::string(1, c)) -
          pieces.begin()));
    std::vector<int32_t> want = naiveMerge(symbols, pieces, scores);
    ASSERT_EQ(tok.encode(text, /*bos=*/false), want) << "text: '" << text << "'";
  }
}

TEST(Tokenizer, LoadErrorsNameTheFile) {
  Llama2cTokenizer tok;
  std::string error;
  EXPECT_FALSE(tok.load("/nonexistent/tok.bin", error));
  EXPECT_NE(error.find("/nonexistent/tok.bin"), std::string::npos) << error;

  std::string path = ::testing::TempDir() + "/truncated.tok.bin";
  {
    std::ofstream out(path, std::ios::binary);
    int32_t maxLen = 8;
    out.write(reinterpret_cast<const char *>(&maxLen), 4);
    float score = 0;
    out.write(reinterpret_cast<const char *>(&score), 4); // length missing
  }
  EXPECT_FALSE(tok.load(path, error));
  EXPECT_NE(error.find("truncated"), std::string::npos) << error;

  {
    std::ofstream out(path, std::ios::binary);
    int32_t maxLen = -1;
    out.write(reinterpret_cast<const char *>(&maxLen), 4);
  }
  EXPECT_FALSE(tok.load(path, error));
  EXPECT_NE(error.find("malformed"), std::string::npos) << error;
  std::remove(path.c_str());
}

} // namespace
