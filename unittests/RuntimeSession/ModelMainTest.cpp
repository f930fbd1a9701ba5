//===- ModelMainTest.cpp - the compiled executables' main -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Runs FakeModelMain (the fake model of FakeModel.h linked with ostmain,
// the way ost-compile links a compiled model) and checks every subcommand
// against the fake's reference logits and ost-run's protocol (Corpus.h).
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "gtest/gtest.h"

#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace {

const std::string kMain = FAKE_MODEL_MAIN;

struct Result {
  int status = -1;
  std::string out, err;
};

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ModelMain : public ::testing::Test {
protected:
  void SetUp() override {
    dir = ::testing::TempDir() + "ost-model-main-" +
          ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(std::system(("rm -rf '" + dir + "' && mkdir -p '" + dir + "'")
                              .c_str()),
              0);
    writeTokenizer();
  }
  void TearDown() override {
    std::system(("rm -rf '" + dir + "'").c_str());
  }

  /// Runs `FakeModelMain ARGS` (a shell word list).
  Result run(const std::string &args) {
    std::string errPath = dir + "/stderr.txt";
    std::string cmd = "'" + kMain + "' " + args + " 2>'" + errPath + "'";
    Result r;
    FILE *pipe = popen(cmd.c_str(), "r");
    if (!pipe)
      return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
      r.out.append(buf, n);
    int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.err = readFile(errPath);
    return r;
  }

  /// A llama2.c tokenizer.bin of the fake vocabulary: <unk>, BOS, EOS and
  /// the 256 byte tokens <0xXX> (ids 3..258), so text encodes byte-wise.
  void writeTokenizer() {
    tokenizer = dir + "/tok.bin";
    std::ofstream out(tokenizer, std::ios::binary);
    auto put = [&](const std::string &piece) {
      float score = 0.0f;
      int32_t len = static_cast<int32_t>(piece.size());
      out.write(reinterpret_cast<const char *>(&score), sizeof(score));
      out.write(reinterpret_cast<const char *>(&len), sizeof(len));
      out.write(piece.data(), len);
    };
    int32_t maxLen = 6;
    out.write(reinterpret_cast<const char *>(&maxLen), sizeof(maxLen));
    put("<unk>");
    put("\n<s>\n");
    put("\n</s>\n");
    for (int b = 0; b < 256; ++b) {
      char piece[8];
      std::snprintf(piece, sizeof(piece), "<0x%02X>", b);
      put(piece);
    }
  }

  std::unique_ptr<ost::runtime::Tokenizer> loadTok() {
    std::string error;
    auto tok = ost::runtime::loadTokenizer(tokenizer, error);
    EXPECT_TRUE(tok) << error;
    return tok;
  }

  std::string dir, tokenizer;
};

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ModelMain, InfoAndUsage) {
  Result r = run("info");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "description: fake W16A16KV16\n"));
  EXPECT_TRUE(contains(r.out, "vocab: 259\n"));
  EXPECT_TRUE(contains(r.out, "layers: 2\n"));
  EXPECT_TRUE(contains(r.out, "kv_heads: 1\n"));
  EXPECT_TRUE(contains(r.out, "head_dim: 4\n"));
  EXPECT_TRUE(contains(r.out, "max_positions: 64\n"));
  EXPECT_TRUE(contains(r.out, "k_bits: 16\nv_bits: 16\n"));
  EXPECT_TRUE(contains(r.out, "weight_bytes: 1048576\n"));

  r = run("");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "usage:"));
  r = run("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(contains(r.out, "FakeModelMain perplexity --tokenizer TOK"));
  r = run("train");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "FakeModelMain: unknown command 'train'"));
  r = run("logits --tokens 1 --bogus 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      contains(r.err, "FakeModelMain: logits: unknown option '--bogus'"));
  r = run("logits --tokens 1 --tokens 2");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--tokens is given twice"));
  r = run("logits --tokens");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--tokens needs a value"));
  r = run("bench --repeat x");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--repeat must be an integer"));
}

TEST_F(ModelMain, LogitsFullAndDecodeMatchTheReference) {
  std::vector<int32_t> ids = {1, 40, 41, 42, 43};
  std::vector<float> expected = fake::referenceLogits(ids);
  for (const char *mode : {"", " --decode"}) {
    std::string out = dir + "/logits.bin";
    Result r = run("logits --tokens 1,40,41,42,43 --num-threads 1 --out '" +
                   out + "'" + mode);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "shape: 5x259\n")) << r.out;
    std::string bytes = readFile(out);
    ASSERT_EQ(bytes.size(), expected.size() * sizeof(float)) << mode;
    EXPECT_EQ(std::memcmp(bytes.data(), expected.data(), bytes.size()), 0)
        << mode;
  }
  // --prompt with the tokenizer: BOS and the bytes of "hi" (+3; without a
  // " " piece, llama2.c's encoder adds no leading space).
  std::string out = dir + "/prompt.bin";
  Result r = run("logits --tokenizer '" + tokenizer +
                 "' --prompt hi --out '" + out + "'");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<float> prompt = fake::referenceLogits({1, 107, 108});
  std::string bytes = readFile(out);
  ASSERT_EQ(bytes.size(), prompt.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(bytes.data(), prompt.data(), bytes.size()), 0);
}

TEST_F(ModelMain, LogitsErrors) {
  Result r = run("logits --tokens 1,259");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "FakeModelMain: token 259 (index 1) is outside "
                              "the vocabulary [0, 259)"))
      << r.err;
  r = run("logits --tokens 1,13 --decode");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(
      r.err, "FakeModelMain: fake step: token 13 at position 1 is poisoned"))
      << r.err;
  r = run("logits --tokens 1,x");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--tokens: 'x' is not a token id"));
  r = run("logits");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "give --tokens, or --prompt with --tokenizer"));
  r = run("logits --prompt hi --tokenizer '" + dir + "/missing.bin'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "missing.bin")) << r.err;
  std::string many;
  for (int i = 0; i < 65; ++i)
    many += (i ? "," : "") + std::to_string(5);
  r = run("logits --tokens " + many);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "do not fit in the KV cache of 64")) << r.err;
}

TEST_F(ModelMain, PerplexityFollowsTheProtocol) {
  std::string text = "Once upon a time there was a cat.\n<|endoftext|>\n"
                     "Short.\n<|endoftext|>\n"
                     "A third document, long enough for several windows.\n";
  std::string textPath = dir + "/text.txt";
  std::ofstream(textPath) << text;
  auto tok = loadTok();
  ASSERT_TRUE(tok);
  for (const char *docs : {"", "1:3", "1:", ":2"}) {
    size_t skip = docs[0] == '1' ? 1 : 0;
    size_t count = std::string(docs) == "1:3" ? 2
                   : std::string(docs) == ":2" ? 2
                                               : 0;
    ost::runtime::NllAccumulator acc;
    for (const std::string &doc :
         ost::runtime::splitDocuments(text, skip, count))
      for (const ost::runtime::Window &w :
           ost::runtime::makeWindows(tok->encode(doc, true), 16)) {
        std::vector<float> logits = fake::referenceLogits(w.inputs);
        for (size_t t = 0; t < w.targets.size(); ++t)
          acc.add(logits.data() + t * fake::kVocab, fake::kVocab,
                  w.targets[t]);
      }
    char expected[128];
    std::snprintf(expected, sizeof(expected), "perplexity: %.6f tokens: %lld\n",
                  acc.perplexity(), static_cast<long long>(acc.count()));
    std::string args = "perplexity --tokenizer '" + tokenizer + "' --text '" +
                       textPath + "' --context 16";
    if (*docs)
      args += std::string(" --docs ") + docs;
    Result r = run(args);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(contains(r.out, expected)) << docs << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "documents: ")) << r.out;
    EXPECT_TRUE(contains(r.out, "mean_nll: ")) << r.out;
    EXPECT_TRUE(contains(r.err, " tok/s  ETA ")) << r.err;
    r = run(args + " --quiet");
    EXPECT_EQ(r.err, "");
  }
  // --context above the cache size is capped to it (64).
  Result r = run("perplexity --tokenizer '" + tokenizer + "' --text '" +
                 textPath + "' --context 100000 --quiet");
  EXPECT_EQ(r.status, 0) << r.err;

  r = run("perplexity --tokenizer '" + tokenizer + "' --text '" + dir +
          "/none.txt'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "none.txt: cannot open text file")) << r.err;
  r = run("perplexity --tokenizer '" + tokenizer + "' --text '" + textPath +
          "' --docs 3:1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--docs must be A:B with A < B, got '3:1'"));
  r = run("perplexity --tokenizer '" + tokenizer + "' --text '" + textPath +
          "' --docs 7:");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "no documents selected"));
  r = run("perplexity --text '" + textPath + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--tokenizer is required"));
}

/// Greedy generation with full forwards (what ost-run generate does).
std::vector<int32_t> greedy(std::vector<int32_t> ids, int64_t maxTokens) {
  for (int64_t s = 0;
       s < maxTokens && static_cast<int64_t>(ids.size()) < fake::kMaxPositions;
       ++s) {
    std::vector<float> row(fake::kVocab);
    fake::referenceRow(ids, static_cast<int64_t>(ids.size()) - 1, row.data());
    int32_t best = 0;
    for (int32_t v = 1; v < fake::kVocab; ++v)
      if (row[v] > row[best])
        best = v;
    if (best == 1 || best == 2)
      break;
    ids.push_back(best);
  }
  return ids;
}

TEST_F(ModelMain, GenerateUsesTheCache) {
  auto tok = loadTok();
  ASSERT_TRUE(tok);
  struct Case {
    std::string prompt;
    int64_t maxTokens;
  } cases[] = {{"hi", 10}, {"hello", 1}, {"x", 0},
               // 61 tokens with BOS: generation stops at the cache size.
               {std::string(60, 'a'), 20}};
  for (const Case &c : cases) {
    std::vector<int32_t> ids = greedy(tok->encode(c.prompt, true), c.maxTokens);
    Result r = run("generate --tokenizer '" + tokenizer + "' --prompt '" +
                   c.prompt + "' --max-tokens " + std::to_string(c.maxTokens));
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, tok->decode(ids) + "\n") << c.prompt;
  }
  std::vector<int32_t> full = greedy(tok->encode(std::string(60, 'a'), true), 20);
  EXPECT_EQ(full.size(), 64u);

  Result r = run("generate --tokenizer '" + tokenizer + "' --prompt '" +
                 std::string(70, 'a') + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "the prompt has 71 tokens, the KV cache holds 64"))
      << r.err;
  r = run("generate --tokenizer '" + tokenizer + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--prompt is required"));
}

TEST_F(ModelMain, BenchPrintsItsFigures) {
  Result r = run("bench --prompt-tokens 16 --decode-tokens 8 --repeat 2 "
                 "--num-threads 2 --copy-mib 4");
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char *figure :
       {"threads: 2\n", "prompt_tokens: 16\n", "decode_tokens: 8\n",
        "prefill_tokens_per_s: ", "prefill_last_tokens_per_s: ",
        "decode_tokens_per_s: ", "copy_bandwidth_gbs: ",
        "copy_bandwidth_convention: read+write", "decode_weight_gbs: ",
        "decode_bandwidth_fraction: ", "weight_bytes: 1048576\n",
        "copy_bytes: 4194304\n"})
    EXPECT_TRUE(contains(r.out, figure)) << figure << "\n" << r.out;
  r = run("bench --prompt-tokens 60 --decode-tokens 8");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "exceed the model's 64 positions")) << r.err;
  // The sum used to overflow and pass the check; then the token buffer's
  // allocation aborted.
  r = run("bench --prompt-tokens 9223372036854775807 --decode-tokens 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "exceed the model's 64 positions")) << r.err;
  // 1 TiB copy buffers (the largest --copy-mib) are refused before any
  // work, not faulted in until the machine runs out of memory.
  r = run("bench --prompt-tokens 4 --decode-tokens 4 --copy-mib 1048576");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.err, "--copy-mib 1048576 needs two buffers of that "
                              "size, more than this machine's"))
      << r.err;
}

} // namespace
