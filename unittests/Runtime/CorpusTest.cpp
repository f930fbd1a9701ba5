//===- CorpusTest.cpp - evaluation text and windows -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Corpus.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace ost::runtime;

TEST(Corpus, SplitTrimsAndDropsEmptyDocuments) {
  std::string text = "  first story\n<|endoftext|>\n\n<|endoftext|>\nsecond\n"
                     "<|endoftext|>third";
  std::vector<std::string> docs = splitDocuments(text);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], "first story");
  EXPECT_EQ(docs[1], "second");
  EXPECT_EQ(docs[2], "third");
  EXPECT_EQ(splitDocuments(text, 1, 1), (std::vector<std::string>{"second"}));
  EXPECT_TRUE(splitDocuments(text, 5).empty());
}

TEST(Corpus, WindowsContinueTheStreamWithoutBos) {
  std::vector<int32_t> tokens = {1, 10, 11, 12, 13, 14, 15};
  std::vector<Window> w = makeWindows(tokens, 4);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].inputs, (std::vector<int32_t>{1, 10, 11, 12}));
  EXPECT_EQ(w[0].targets, (std::vector<int32_t>{10, 11, 12, 13}));
  EXPECT_EQ(w[1].inputs, (std::vector<int32_t>{13, 14}));
  EXPECT_EQ(w[1].targets, (std::vector<int32_t>{14, 15}));
  EXPECT_TRUE(makeWindows({1}, 4).empty());
}

TEST(Corpus, NllIsStableLogSoftmax) {
  NllAccumulator acc;
  float uniform[4] = {1000.f, 1000.f, 1000.f, 1000.f}; // large: needs the max shift
  ASSERT_TRUE(acc.add(uniform, 4, 2));
  EXPECT_NEAR(acc.meanNll(), std::log(4.0), 1e-12);
  EXPECT_NEAR(acc.perplexity(), 4.0, 1e-9);
  float nan[2] = {0.f, NAN};
  EXPECT_FALSE(acc.add(nan, 2, 0));
  EXPECT_FALSE(acc.add(uniform, 4, 7));
  EXPECT_EQ(acc.count(), 1);
}

TEST(Corpus, DocumentSelections) {
  size_t skip = 9, count = 9;
  EXPECT_TRUE(parseDocumentSelection("", skip, count));
  EXPECT_EQ(skip, 0u);
  EXPECT_EQ(count, 0u);
  EXPECT_TRUE(parseDocumentSelection("250:500", skip, count));
  EXPECT_EQ(skip, 250u);
  EXPECT_EQ(count, 250u);
  EXPECT_TRUE(parseDocumentSelection("30:", skip, count));
  EXPECT_EQ(skip, 30u);
  EXPECT_EQ(count, 0u);
  EXPECT_TRUE(parseDocumentSelection(":7", skip, count));
  EXPECT_EQ(skip, 0u);
  EXPECT_EQ(count, 7u);
  for (const char *bad : {"5", "5:5", "6:5", "a:b", "-1:3", "1:+3", " 1:3",
                          "99999999999999999999:1"})
    EXPECT_FALSE(parseDocumentSelection(bad, skip, count)) << bad;
}
