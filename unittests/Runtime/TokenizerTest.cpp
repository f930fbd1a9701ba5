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

#include <cstdio>
#include <fstream>

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
