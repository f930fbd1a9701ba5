//===- SentencePieceTest.cpp - SentencePiece .model tokenizers ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Trains a small SentencePiece model with Debian's libsentencepiece_train
// (no model file needs to ship), then loads it through loadTokenizer.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include <sentencepiece_trainer.h>

#include "gtest/gtest.h"

#include <fstream>

using namespace ost::runtime;

namespace {

std::string trainModel() {
  std::string dir = ::testing::TempDir();
  std::string corpus = dir + "/sp_corpus.txt";
  {
    std::ofstream out(corpus);
    const char *words[] = {"the", "little", "girl", "saw", "a", "big",
                           "red", "ball", "and", "dog", "played", "park"};
    for (int i = 0; i < 400; ++i) {
      for (int j = 0; j < 8; ++j)
        out << words[(i * 7 + j * 5) % 12] << (j == 7 ? ".\n" : " ");
    }
  }
  std::string prefix = dir + "/sp_test";
  auto status = sentencepiece::SentencePieceTrainer::Train(
      "--input=" + corpus + " --model_prefix=" + prefix +
      " --vocab_size=60 --model_type=bpe --character_coverage=1.0"
      " --minloglevel=2");
  EXPECT_TRUE(status.ok()) << status.ToString();
  return prefix + ".model";
}

TEST(SentencePiece, LoadEncodeDecode) {
  std::string path = trainModel();
  std::string error;
  std::unique_ptr<Tokenizer> tok = loadTokenizer(path, error);
  ASSERT_TRUE(tok) << error;
  EXPECT_EQ(tok->vocabSize(), 60);
  EXPECT_EQ(tok->bosId(), 1); // SentencePiece's LLaMA-style defaults
  EXPECT_EQ(tok->eosId(), 2);
  std::vector<int32_t> ids = tok->encode("the little girl saw a big dog.", true, true);
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(ids.back(), 2);
  EXPECT_EQ(tok->decode(ids), "the little girl saw a big dog.");
  EXPECT_FALSE(loadTokenizer(path, error, 512)) << "vocab size is checked";
  EXPECT_NE(error.find("needs 512"), std::string::npos) << error;
}

TEST(SentencePiece, CorruptModelIsAnError) {
  std::string path = ::testing::TempDir() + "/corrupt.model";
  std::ofstream(path) << "not a protobuf";
  std::string error;
  EXPECT_FALSE(loadTokenizer(path, error));
  EXPECT_NE(error.find("corrupt.model"), std::string::npos) << error;
}

} // namespace
