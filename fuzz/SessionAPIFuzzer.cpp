//===- SessionAPIFuzzer.cpp - libFuzzer target of the session C API -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The bytes drive a session (Session.h: what the shared libraries'
// `<name>_create/_forward/_reset/...` call) of the fuzzing model
// (FakeModel.h): creation with any thread count and cache size, then a
// sequence of forwards (any count, any ids, all or last rows, with or
// without a logits buffer, null tokens), resets and queries. Checked
// after each call: a failed call sets an error and leaves the position as
// it was; a call with valid ids that fit the cache succeeds and advances
// the position by its count; the logits written are the rows asked for
// (AddressSanitizer guards the buffer's end) and finite unless a token was
// the model's poison id. Anything else aborts.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

#include "ost/runtime/Session.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace ost::fuzz;

namespace {

class Bytes {
public:
  Bytes(const uint8_t *data, size_t size) : data(data), size(size) {}
  bool empty() const { return size == 0; }
  uint8_t next() {
    if (!size)
      return 0;
    --size;
    return *data++;
  }
  int32_t nextInt32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v = v << 8 | next();
    return static_cast<int32_t>(v);
  }

private:
  const uint8_t *data;
  size_t size;
};

void check(bool ok) {
  if (!ok)
    std::abort();
}

/// A token: mostly valid ids, sometimes any int32 (out of the vocabulary).
int32_t nextToken(Bytes &in) {
  uint8_t kind = in.next();
  if (kind < 200)
    return static_cast<int32_t>((kind * 7 + in.next()) % kFakeVocab);
  if (kind < 250)
    return kFakeVocab - 1; // the poison id: NaN logits
  return in.nextInt32();
}

void forward(ostrt_context *s, Bytes &in, bool nullTokens) {
  const int64_t before = ostrt_session_position(s);
  const int64_t capacity = ostrt_session_capacity(s);
  uint8_t c = in.next();
  int64_t count = c < 240 ? c % 24 : static_cast<int64_t>(in.nextInt32());
  std::vector<int32_t> tokens;
  bool valid = count >= 1 && !nullTokens && count <= capacity - before;
  bool poison = false;
  if (count > 0 && count <= 4096)
    for (int64_t i = 0; i < count; ++i) {
      tokens.push_back(nextToken(in));
      valid = valid && tokens.back() >= 0 && tokens.back() < kFakeVocab;
      poison = poison || tokens.back() == kFakeVocab - 1;
    }
  else
    valid = false;
  uint8_t mode = in.next() % 3; // 0: no buffer, 1: last row, 2: all rows
  int64_t rows = mode == 2 ? count : 1;
  std::vector<float> logits;
  if (mode && valid)
    logits.assign(static_cast<size_t>(rows * kFakeVocab), -7.0f);
  // Without valid tokens the buffer may be anything: make it a minimal
  // one, so a write the session should not do lands outside it.
  if (mode && !valid)
    logits.assign(1, -7.0f);
  const int32_t *ptr = nullTokens ? nullptr : tokens.data();
  if (!nullTokens && tokens.empty())
    ptr = reinterpret_cast<const int32_t *>(&c); // not to be read
  int rc = ostrt_session_forward(s, ptr, count,
                                 mode ? logits.data() : nullptr, mode == 2);
  if (rc != 0) {
    check(rc == -1);
    check(!valid);
    check(std::strlen(ostrt_session_error(s)) > 0);
    check(ostrt_session_position(s) == before);
    return;
  }
  check(valid);
  check(std::strlen(ostrt_session_error(s)) == 0);
  check(ostrt_session_position(s) == before + count);
  if (mode && !poison)
    for (float x : logits)
      check(std::isfinite(x) && x != -7.0f);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Bytes in(data, size);
  const ostrt_model_info &info = getFakeModel();
  int32_t threads = in.next() % 3;
  uint8_t t = in.next();
  int64_t maxTokens = t < 200 ? t % (kFakePositions + 4) : in.nextInt32();
  char error[96];
  std::memset(error, 'x', sizeof error);
  ostrt_context *s =
      ostrt_session_create(&info, threads, maxTokens, error, sizeof error);
  check(std::memchr(error, '\0', sizeof error) != nullptr);
  if (!s) {
    check(maxTokens < 0 || maxTokens > kFakePositions);
    check(error[0] != '\0');
    return 0;
  }
  check(maxTokens >= 0 && maxTokens <= kFakePositions);
  check(ostrt_session_capacity(s) == (maxTokens ? maxTokens : kFakePositions));
  check(ostrt_session_info(s) == &info);
  check(ostrt_session_num_threads(s) >= 1);
  for (int calls = 0; !in.empty() && calls < 64; ++calls) {
    switch (in.next() % 6) {
    case 0:
    case 1:
    case 2:
      forward(s, in, /*nullTokens=*/false);
      break;
    case 3:
      forward(s, in, /*nullTokens=*/true);
      break;
    case 4:
      ostrt_session_reset(s);
      check(ostrt_session_position(s) == 0);
      check(std::strlen(ostrt_session_error(s)) == 0);
      break;
    case 5:
      check(ostrt_session_position(s) <= ostrt_session_capacity(s));
      break;
    }
  }
  ostrt_session_destroy(s);
  // The null session is refused by every call, not dereferenced.
  check(ostrt_session_forward(nullptr, nullptr, 1, nullptr, 0) == -1);
  ostrt_session_reset(nullptr);
  ostrt_session_destroy(nullptr);
  check(ostrt_session_position(nullptr) == 0);
  check(std::strlen(ostrt_session_error(nullptr)) > 0);
  return 0;
}
