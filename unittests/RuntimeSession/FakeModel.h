//===- FakeModel.h - a hand-written step for the session tests --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A tiny "compiled model" whose step (ModelABI.h) is plain C++: it keeps the
// tokens it has seen in a fake KV cache (one id per position) and writes
// logits that depend on the token, its position and every earlier token, so
// a decode step only gives the full-sequence logits when the session passes
// the right positions. Token kFailToken makes the step call ostrt_fail after
// it has written its cache entries (as a real step may). Every call is
// recorded.
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_RUNTIMESESSION_FAKEMODEL_H
#define OST_UNITTESTS_RUNTIMESESSION_FAKEMODEL_H

#include "ost/runtime/ModelABI.h"

#include <cstdint>
#include <vector>

namespace fake {

/// 3 special tokens and 256 byte tokens, like the test tokenizer.
inline constexpr int64_t kVocab = 259;
inline constexpr int64_t kMaxPositions = 64;
inline constexpr int32_t kFailToken = 13;

struct StepCall {
  std::vector<int64_t> ids;
  int64_t pos;
  int64_t rows;
};

/// The model (abi 1, 2 layers, 1 KV head of 4, float cache).
const ostrt_model_info &getInfo();
/// The calls of the step since the last clearCalls().
const std::vector<StepCall> &getCalls();
void clearCalls();

/// The logits row of position `p` of the sequence `ids` (ids[0..p] used),
/// exactly as the step computes it.
void referenceRow(const std::vector<int32_t> &ids, int64_t p, float *row);
/// Logits of every row of `ids` [ids.size(), kVocab].
std::vector<float> referenceLogits(const std::vector<int32_t> &ids);

} // namespace fake

#endif // OST_UNITTESTS_RUNTIMESESSION_FAKEMODEL_H
