//===- SessionTest.cpp - the session API on a hand-written step -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Drives Session.h with the fake model of FakeModel.h: positions, reset,
// cache and vocabulary checks, logits rows, errors raised by the step.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

#include "ost/runtime/Session.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>

namespace {

struct Destroy {
  void operator()(ostrt_context *s) const { ostrt_session_destroy(s); }
};
using Session = std::unique_ptr<ostrt_context, Destroy>;

Session open(int64_t maxTokens = 0, int32_t threads = 1) {
  char error[256] = "unset";
  Session s(ostrt_session_create(&fake::getInfo(), threads, maxTokens, error,
                                 sizeof(error)));
  EXPECT_TRUE(s) << error;
  EXPECT_STREQ(error, "");
  fake::clearCalls();
  return s;
}

/// The error of creating a session of `info`, or "" when it succeeds.
std::string createError(const ostrt_model_info &info, int64_t maxTokens = 0,
                        int32_t threads = 1) {
  char error[256] = "";
  ostrt_context *s =
      ostrt_session_create(&info, threads, maxTokens, error, sizeof(error));
  if (s) {
    ostrt_session_destroy(s);
    return "";
  }
  EXPECT_STRNE(error, "");
  return error;
}

bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

TEST(Session, CreateValidatesTheModelInfo) {
  ostrt_model_info info = fake::getInfo();
  EXPECT_EQ(createError(info), "");
  EXPECT_EQ(createError(info, fake::kMaxPositions), "");

  ostrt_model_info bad = info;
  bad.abi_version = 2;
  EXPECT_TRUE(contains(createError(bad), "ABI version 2"));
  bad = info;
  bad.vocab_size = 0;
  EXPECT_TRUE(contains(createError(bad), "vocab_size must be positive"));
  bad = info;
  bad.head_dim = -4;
  EXPECT_TRUE(contains(createError(bad), "head_dim must be positive"));
  bad = info;
  bad.max_positions = 0;
  EXPECT_TRUE(contains(createError(bad), "max_positions"));
  for (int64_t bits : {0, 1, 9, 15, 17, 32}) {
    bad = info;
    bad.k_bits = bits;
    EXPECT_TRUE(contains(createError(bad), "2..8 or 16")) << bits;
    bad = info;
    bad.v_bits = bits;
    EXPECT_TRUE(contains(createError(bad), "2..8 or 16")) << bits;
  }
  for (int64_t bits : {2, 4, 8}) {
    bad = info;
    bad.k_bits = bad.v_bits = bits;
    EXPECT_EQ(createError(bad), "") << bits;
  }
  bad = info;
  bad.step = nullptr;
  EXPECT_TRUE(contains(createError(bad), "no step function"));

  EXPECT_TRUE(contains(createError(info, fake::kMaxPositions + 1),
                       "KV cache size"));
  EXPECT_TRUE(contains(createError(info, -1), "KV cache size"));
  EXPECT_TRUE(contains(createError(info, 0, -2), "thread count"));

  char error[256] = "";
  EXPECT_EQ(ostrt_session_create(nullptr, 1, 0, error, sizeof(error)),
            nullptr);
  EXPECT_STREQ(error, "no model info");
  // Errors are truncated to the caller's buffer; a null buffer is allowed.
  char small[8];
  bad = info;
  bad.abi_version = 7;
  EXPECT_EQ(ostrt_session_create(&bad, 1, 0, small, sizeof(small)), nullptr);
  EXPECT_EQ(std::string(small).size(), 7u);
  EXPECT_EQ(ostrt_session_create(&bad, 1, 0, nullptr, 0), nullptr);
}

TEST(Session, Accessors) {
  Session full = open();
  EXPECT_EQ(ostrt_session_capacity(full.get()), fake::kMaxPositions);
  EXPECT_EQ(ostrt_session_position(full.get()), 0);
  EXPECT_EQ(ostrt_session_info(full.get()), &fake::getInfo());
  EXPECT_STREQ(ostrt_session_error(full.get()), "");
  EXPECT_EQ(ostrt_session_num_threads(full.get()), 1);
  Session small = open(8, 0);
  EXPECT_EQ(ostrt_session_capacity(small.get()), 8);
  // 0 threads: one per core.
  EXPECT_EQ(ostrt_session_num_threads(small.get()),
            static_cast<int32_t>(
                std::max(1u, std::thread::hardware_concurrency())));
  Session three = open(0, 3);
  EXPECT_EQ(ostrt_session_num_threads(three.get()), 3);
}

TEST(Session, PositionsAdvanceAndReset) {
  Session s = open();
  int32_t prompt[] = {1, 40, 41};
  float row[fake::kVocab];
  ASSERT_EQ(ostrt_session_forward(s.get(), prompt, 3, row, 0), 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 3);
  int32_t next = 42;
  ASSERT_EQ(ostrt_session_forward(s.get(), &next, 1, row, 0), 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 4);
  ASSERT_EQ(fake::getCalls().size(), 2u);
  EXPECT_EQ(fake::getCalls()[0].pos, 0);
  EXPECT_EQ(fake::getCalls()[0].ids, (std::vector<int64_t>{1, 40, 41}));
  EXPECT_EQ(fake::getCalls()[1].pos, 3);
  EXPECT_EQ(fake::getCalls()[1].ids, (std::vector<int64_t>{42}));

  ostrt_session_reset(s.get());
  EXPECT_EQ(ostrt_session_position(s.get()), 0);
  ASSERT_EQ(ostrt_session_forward(s.get(), &next, 1, row, 0), 0);
  EXPECT_EQ(fake::getCalls().back().pos, 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 1);
  // The sequence is now {42}: its logits, not those of {1, 40, 41, 42}.
  std::vector<float> expected = fake::referenceLogits({42});
  for (int64_t v = 0; v < fake::kVocab; ++v)
    ASSERT_EQ(row[v], expected[v]) << v;
}

TEST(Session, CacheCapacityIsCheckedBeforeTheStep) {
  Session s = open(8);
  std::vector<int32_t> ids(9, 50);
  EXPECT_EQ(ostrt_session_forward(s.get(), ids.data(), 9, nullptr, 0), -1);
  EXPECT_TRUE(contains(ostrt_session_error(s.get()), "0..8"));
  EXPECT_TRUE(contains(ostrt_session_error(s.get()), "KV cache of 8"));
  EXPECT_TRUE(fake::getCalls().empty());
  EXPECT_EQ(ostrt_session_position(s.get()), 0);

  ASSERT_EQ(ostrt_session_forward(s.get(), ids.data(), 6, nullptr, 0), 0);
  EXPECT_STREQ(ostrt_session_error(s.get()), "");
  EXPECT_EQ(ostrt_session_forward(s.get(), ids.data(), 3, nullptr, 0), -1);
  EXPECT_TRUE(contains(ostrt_session_error(s.get()), "6..8"));
  EXPECT_EQ(ostrt_session_position(s.get()), 6);
  ASSERT_EQ(ostrt_session_forward(s.get(), ids.data(), 2, nullptr, 0), 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 8);
  EXPECT_EQ(ostrt_session_forward(s.get(), ids.data(), 1, nullptr, 0), -1);
  EXPECT_EQ(fake::getCalls().size(), 2u);
  ostrt_session_reset(s.get());
  EXPECT_STREQ(ostrt_session_error(s.get()), "");
  EXPECT_EQ(ostrt_session_forward(s.get(), ids.data(), 8, nullptr, 0), 0);
}

TEST(Session, TokenIdsAreCheckedBeforeTheStep) {
  Session s = open();
  for (int32_t bad : {-1, static_cast<int32_t>(fake::kVocab), 100000}) {
    int32_t ids[] = {1, 5, bad, 6};
    EXPECT_EQ(ostrt_session_forward(s.get(), ids, 4, nullptr, 1), -1);
    std::string error = ostrt_session_error(s.get());
    EXPECT_TRUE(contains(error, "token " + std::to_string(bad) + " (index 2)"))
        << error;
    EXPECT_TRUE(contains(error, "[0, 259)")) << error;
  }
  EXPECT_TRUE(fake::getCalls().empty());
  EXPECT_EQ(ostrt_session_position(s.get()), 0);
  int32_t edge[] = {0, static_cast<int32_t>(fake::kVocab - 1)};
  EXPECT_EQ(ostrt_session_forward(s.get(), edge, 2, nullptr, 1), 0);
}

TEST(Session, EmptyCallsAreErrors) {
  Session s = open();
  int32_t id = 5;
  EXPECT_EQ(ostrt_session_forward(s.get(), &id, 0, nullptr, 0), -1);
  EXPECT_TRUE(contains(ostrt_session_error(s.get()), "at least one token"));
  EXPECT_EQ(ostrt_session_forward(s.get(), nullptr, 1, nullptr, 0), -1);
  EXPECT_TRUE(contains(ostrt_session_error(s.get()), "null token array"));
  EXPECT_TRUE(fake::getCalls().empty());
  EXPECT_EQ(ostrt_session_forward(nullptr, &id, 1, nullptr, 0), -1);
}

TEST(Session, AllRowsOrTheLastRow) {
  std::vector<int32_t> ids = {1, 70, 71, 72, 73};
  std::vector<float> expected = fake::referenceLogits(ids);
  int64_t n = static_cast<int64_t>(ids.size()), vocab = fake::kVocab;

  Session s = open();
  std::vector<float> all(n * vocab, -1.0f);
  ASSERT_EQ(ostrt_session_forward(s.get(), ids.data(), n, all.data(), 1), 0);
  EXPECT_EQ(fake::getCalls().back().rows, n);
  EXPECT_EQ(all, expected);

  ostrt_session_reset(s.get());
  // Only [vocab] is written: the sentinel after the row stays.
  std::vector<float> last(vocab + 1, -7.0f);
  ASSERT_EQ(ostrt_session_forward(s.get(), ids.data(), n, last.data(), 0), 0);
  EXPECT_EQ(fake::getCalls().back().rows, 1);
  EXPECT_EQ(last[vocab], -7.0f);
  for (int64_t v = 0; v < vocab; ++v)
    ASSERT_EQ(last[v], expected[(n - 1) * vocab + v]) << v;
}

TEST(Session, DecodeStepsMatchTheFullForward) {
  std::vector<int32_t> ids = {1, 90, 91, 92, 93, 94, 95};
  std::vector<float> expected = fake::referenceLogits(ids);
  int64_t vocab = fake::kVocab;
  Session s = open();
  // Prefill three tokens (all rows), then one token per call.
  std::vector<float> got(ids.size() * vocab);
  ASSERT_EQ(ostrt_session_forward(s.get(), ids.data(), 3, got.data(), 1), 0);
  for (size_t t = 3; t < ids.size(); ++t)
    ASSERT_EQ(ostrt_session_forward(s.get(), &ids[t], 1,
                                    got.data() + t * vocab, 0),
              0);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(ostrt_session_position(s.get()), 7);
  EXPECT_EQ(fake::getCalls().back().pos, 6);
}

TEST(Session, StepErrorsAreReturnedAndTheSessionGoesOn) {
  Session s = open();
  int32_t prompt[] = {1, 20, 21};
  ASSERT_EQ(ostrt_session_forward(s.get(), prompt, 3, nullptr, 0), 0);
  int32_t poisoned[] = {22, fake::kFailToken};
  float row[fake::kVocab];
  EXPECT_EQ(ostrt_session_forward(s.get(), poisoned, 2, row, 0), -1);
  std::string error = ostrt_session_error(s.get());
  EXPECT_EQ(error, "fake step: token 13 at position 4 is poisoned");
  EXPECT_EQ(ostrt_session_position(s.get()), 3);
  EXPECT_EQ(fake::getCalls().back().pos, 3);

  // The next call runs at the same position and overwrites what the failed
  // step left in the cache; the message is cleared.
  int32_t next[] = {22, 23};
  ASSERT_EQ(ostrt_session_forward(s.get(), next, 2, row, 0), 0);
  EXPECT_STREQ(ostrt_session_error(s.get()), "");
  EXPECT_EQ(fake::getCalls().back().pos, 3);
  EXPECT_EQ(ostrt_session_position(s.get()), 5);
  std::vector<float> expected = fake::referenceLogits({1, 20, 21, 22, 23});
  for (int64_t v = 0; v < fake::kVocab; ++v)
    ASSERT_EQ(row[v], expected[4 * fake::kVocab + v]) << v;

  // An error on the first call of a window, then a reset.
  EXPECT_EQ(ostrt_session_forward(s.get(), poisoned + 1, 1, nullptr, 1), -1);
  EXPECT_EQ(ostrt_session_position(s.get()), 5);
  ostrt_session_reset(s.get());
  EXPECT_EQ(ostrt_session_forward(s.get(), prompt, 3, nullptr, 1), 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 3);
}

TEST(Session, NullLogits) {
  Session s = open();
  int32_t ids[] = {1, 30, 31, 32};
  ASSERT_EQ(ostrt_session_forward(s.get(), ids, 4, nullptr, 1), 0);
  // Nobody reads them: the step computes one row into the session's buffer.
  EXPECT_EQ(fake::getCalls().back().rows, 1);
  ASSERT_EQ(ostrt_session_forward(s.get(), ids, 1, nullptr, 0), 0);
  EXPECT_EQ(ostrt_session_position(s.get()), 5);
  float row[fake::kVocab];
  ASSERT_EQ(ostrt_session_forward(s.get(), ids + 1, 1, row, 0), 0);
  std::vector<float> expected = fake::referenceLogits({1, 30, 31, 32, 1, 30});
  for (int64_t v = 0; v < fake::kVocab; ++v)
    ASSERT_EQ(row[v], expected[5 * fake::kVocab + v]) << v;
}

TEST(Session, NullSessionIsHarmless) {
  ostrt_session_destroy(nullptr);
  ostrt_session_reset(nullptr);
  EXPECT_EQ(ostrt_session_position(nullptr), 0);
  EXPECT_EQ(ostrt_session_capacity(nullptr), 0);
  EXPECT_EQ(ostrt_session_info(nullptr), nullptr);
  EXPECT_EQ(ostrt_session_num_threads(nullptr), 0);
  EXPECT_STREQ(ostrt_session_error(nullptr), "no session");
}

} // namespace
