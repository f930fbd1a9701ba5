//===- HFTokenizerTest.cpp - tokenizer.json reader and its JSON parser ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The conformance with the `tokenizers` package on real text is
// test/python/hf-tokenizer*.test; these are the unit-level cases: the JSON
// parser's escapes and limits, the split patterns, BPE merge order, byte
// fallback, templates and load errors.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/src/Json.h"
#include "../../runtime/src/PreTokenizer.h"
#include "ost/runtime/Tokenizer.h"

#include <gtest/gtest.h>

using namespace ost::runtime;

namespace {

TEST(Json, ParsesEscapesAndSurrogatePairs) {
  json::Value v;
  std::string error;
  ASSERT_TRUE(json::parse(R"({"a": "x\n\u00e9\ud83d\ude00\"", "b": [1, -2.5e1, true, null]})", v, error)) << error;
  EXPECT_EQ(v.getString("a"), "x\n\xC3\xA9\xF0\x9F\x98\x80\"");
  const json::Value *b = v.get("b");
  ASSERT_TRUE(b && b->isArray());
  ASSERT_EQ(b->array.size(), 4u);
  EXPECT_EQ(b->array[1].number, -25.0);
  EXPECT_TRUE(b->array[2].boolean);
  EXPECT_TRUE(b->array[3].isNull());
}

TEST(Json, RejectsMalformedInputWithOffsets) {
  json::Value v;
  std::string error;
  EXPECT_FALSE(json::parse(R"({"a": 1,})", v, error));
  EXPECT_EQ(error, "offset 8: expected a string key");
  EXPECT_FALSE(json::parse(R"("\ud83d")", v, error));
  EXPECT_NE(error.find("low surrogate"), std::string::npos);
  EXPECT_FALSE(json::parse("[1] 2", v, error));
  EXPECT_NE(error.find("end of input"), std::string::npos);
  EXPECT_FALSE(json::parse("\"a\x01\"", v, error));
  EXPECT_FALSE(json::parse(std::string(100000, '['), v, error));
  EXPECT_NE(error.find("nesting"), std::string::npos);
}

std::vector<std::string> pieces(std::string_view text, SplitPattern p) {
  std::vector<std::string> out;
  for (auto [b, e] : splitByPattern(text, p))
    out.emplace_back(text.substr(b, e - b));
  return out;
}

TEST(PreTokenizer, Gpt2Pattern) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces("Hello world, it's  2024!\n", SplitPattern::Gpt2),
            (V{"Hello", " world", ",", " it", "'s", " ", " 2024", "!", "\n"}));
  EXPECT_EQ(pieces("I'LL", SplitPattern::Gpt2), (V{"I", "'", "LL"}));
}

TEST(PreTokenizer, Llama3AndQwen2Patterns) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pieces("I'LL 12345 (x)\n\nend", SplitPattern::Llama3),
            (V{"I", "'LL", " ", "123", "45", " (", "x", ")\n\n", "end"}));
  EXPECT_EQ(pieces("12345", SplitPattern::Qwen2),
            (V{"1", "2", "3", "4", "5"}));
}

TEST(PreTokenizer, InvalidUtf8IsOneCharacterPerByte) {
  size_t len;
  EXPECT_EQ(decodeUtf8("\xC3", 0, len), 0xFFFDu);
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(decodeUtf8("\xE2\x96\x81", 0, len), 0x2581u);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(pieces("a\xFF" "b", SplitPattern::Gpt2).size(), 3u);
}

/// A SentencePiece-style tokenizer: "▁a", "▁ab" merges, byte fallback.
constexpr const char *kSentencePiece = R"({
  "added_tokens": [{"id": 0, "content": "<unk>"}, {"id": 1, "content": "<s>"}],
  "normalizer": {"type": "Sequence", "normalizers": [
      {"type": "Prepend", "prepend": "\u2581"},
      {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
  "pre_tokenizer": null,
  "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
  "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true,
    "vocab": {"<unk>": 0, "<s>": 1, "\u2581": 2, "a": 3, "b": 4, "\u2581a": 5, "\u2581ab": 6, "<0x21>": 7},
    "merges": [["\u2581", "a"], ["\u2581a", "b"]]}})";

TEST(HFTokenizer, SentencePieceStyleWithByteFallback) {
  HFTokenizer tok;
  std::string error;
  ASSERT_TRUE(tok.loadFromString(kSentencePiece, "sp.json", error)) << error;
  EXPECT_EQ(tok.bosId(), 1);
  // "ab a!" -> ▁ab ▁a <0x21> ; 'c' has neither a token nor a byte token: unk.
  EXPECT_EQ(tok.encode("ab a!", true), (std::vector<int32_t>{1, 6, 5, 7}));
  EXPECT_EQ(tok.encode("c", false), (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(tok.decode({1, 6, 5, 7}), "ab a!");
}

TEST(HFTokenizer, MergesApplyByRankThenPosition) {
  // "aaa" with the single merge (a, a): the leftmost pair merges first.
  constexpr const char *json = R"({"pre_tokenizer": {"type": "ByteLevel", "use_regex": false},
    "model": {"type": "BPE", "vocab": {"a": 0, "aa": 1, "b": 2, "ab": 3},
              "merges": ["a b", "a a"]}})";
  HFTokenizer tok;
  std::string error;
  ASSERT_TRUE(tok.loadFromString(json, "m.json", error)) << error;
  EXPECT_EQ(tok.encode("aaa", false), (std::vector<int32_t>{1, 0}));
  // (a, b) ranks first, so "aab" is a + ab, not aa + b.
  EXPECT_EQ(tok.encode("aab", false), (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(tok.bosId(), -1);
}

TEST(HFTokenizer, DigitsSplitsEveryUnicodeNumeric) {
  // Digits{individual_digits} isolates every \p{N} character, as Rust's
  // char::is_numeric does: '\u00bd' (No, bytes C2 BD -> "\u00c2\u00bd")
  // is its own piece, so the higher-ranked merge (a, \u00c2) cannot span it.
  constexpr const char *json = R"({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [
      {"type": "Digits", "individual_digits": true},
      {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]},
    "model": {"type": "BPE", "vocab": {"a": 0, "\u00c2": 1, "\u00bd": 2, "a\u00c2": 3,
                                       "\u00c2\u00bd": 4, "7": 5, "a7": 6},
              "merges": ["a \u00c2", "\u00c2 \u00bd", "a 7"]}})";
  HFTokenizer tok;
  std::string error;
  ASSERT_TRUE(tok.loadFromString(json, "d.json", error)) << error;
  EXPECT_EQ(tok.encode("a\u00bd", false), (std::vector<int32_t>{0, 4}));
  EXPECT_EQ(tok.encode("a7", false), (std::vector<int32_t>{0, 5}));
  EXPECT_TRUE(isNumeric(0x0663));  // ARABIC-INDIC DIGIT THREE (Nd)
  EXPECT_TRUE(isNumeric(0x00B2));  // SUPERSCRIPT TWO (No)
  EXPECT_TRUE(isNumeric(0x2163));  // ROMAN NUMERAL FOUR (Nl)
  EXPECT_FALSE(isNumeric('x'));
}

TEST(HFTokenizer, LoadErrorsNameTheField) {
  HFTokenizer tok;
  std::string error;
  EXPECT_FALSE(tok.loadFromString("[]", "x.json", error));
  EXPECT_EQ(error, "x.json: not a tokenizer.json: no 'model' object");
  EXPECT_FALSE(tok.loadFromString(
      R"({"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "continuing_subword_prefix": "##"}})",
      "x.json", error));
  EXPECT_EQ(error, "x.json: BPE continuing_subword_prefix '##' is not supported");
  EXPECT_FALSE(tok.loadFromString(
      R"({"pre_tokenizer": {"type": "Whitespace"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
      "x.json", error));
  EXPECT_NE(error.find("pre_tokenizer 'Whitespace' is not supported"), std::string::npos);
}

TEST(HFTokenizer, LoaderAllowsAPaddedModelVocabulary) {
  // The model may have more embedding rows than tokenizer.json has tokens.
  std::string error;
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/ost-hf-vocab.json";
  FILE *f = fopen(path.c_str(), "w");
  ASSERT_TRUE(f);
  fputs(R"({"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})", f);
  fclose(f);
  EXPECT_TRUE(loadTokenizer(path, error, 64)) << error;
  EXPECT_FALSE(loadTokenizer(path, error, 1));
  EXPECT_NE(error.find("tokenizer has 2 tokens, the model needs 1"), std::string::npos);
}

} // namespace
