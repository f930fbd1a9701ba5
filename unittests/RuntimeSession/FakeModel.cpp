//===- FakeModel.cpp - a hand-written step for the session tests ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "FakeModel.h"

#include <cmath>

using ost::runtime::MemRef;

namespace fake {

namespace {

std::vector<StepCall> calls;
/// The fake KV cache: the token at each position.
int64_t history[kMaxPositions];

/// Logit v at position p from the tokens at positions 0..p.
void computeRow(const int64_t *tokens, int64_t p, float *row) {
  double mix = 0;
  for (int64_t q = 0; q <= p; ++q)
    mix += static_cast<double>(tokens[q]) * static_cast<double>(q + 1);
  for (int64_t v = 0; v < kVocab; ++v) {
    double value = 3.0 * std::cos(0.37 * static_cast<double>(v + 1) +
                                  0.001 * mix) +
                   0.01 * static_cast<double>(p);
    // Keep BOS/EOS unlikely so greedy generation runs on.
    row[v] = static_cast<float>(v < 3 ? value - 10.0 : value);
  }
}

void step(ostrt_context *ctx, MemRef<int64_t, 1> *ids, int64_t pos,
          MemRef<float, 2> *logits) {
  int64_t count = ids->sizes[0], rows = logits->sizes[0];
  StepCall call{{}, pos, rows};
  for (int64_t t = 0; t < count; ++t)
    call.ids.push_back(ids->data()[t * ids->strides[0]]);
  calls.push_back(call);
  if (pos < 0 || pos + count > kMaxPositions || logits->sizes[1] != kVocab ||
      (rows != 1 && rows != count)) {
    ostrt_fail(ctx, "fake step: bad arguments (pos %lld, %lld tokens, "
               "logits %lldx%lld)", static_cast<long long>(pos),
               static_cast<long long>(count), static_cast<long long>(rows),
               static_cast<long long>(logits->sizes[1]));
    return;
  }
  for (int64_t t = 0; t < count; ++t)
    history[pos + t] = call.ids[t];
  for (int64_t t = 0; t < count; ++t)
    if (call.ids[t] == kFailToken) {
      ostrt_fail(ctx, "fake step: token %d at position %lld is poisoned",
                 kFailToken, static_cast<long long>(pos + t));
      return;
    }
  for (int64_t r = 0; r < rows; ++r)
    computeRow(history, pos + count - rows + r,
               logits->data() + r * logits->strides[0]);
}

} // namespace

const ostrt_model_info &getInfo() {
  static const ostrt_model_info info = {
      /*abi_version=*/kOstrtAbiVersion,
      /*vocab_size=*/kVocab,
      /*num_layers=*/2,
      /*num_kv_heads=*/1,
      /*head_dim=*/4,
      /*max_positions=*/kMaxPositions,
      /*k_bits=*/16,
      /*v_bits=*/16,
      /*k_clip=*/1.0f,
      /*v_clip=*/1.0f,
      /*step=*/step,
      /*description=*/"fake W16A16KV16",
      /*weight_bytes=*/1 << 20,
  };
  return info;
}

const std::vector<StepCall> &getCalls() { return calls; }
void clearCalls() { calls.clear(); }

void referenceRow(const std::vector<int32_t> &ids, int64_t p, float *row) {
  std::vector<int64_t> tokens(ids.begin(), ids.end());
  computeRow(tokens.data(), p, row);
}

std::vector<float> referenceLogits(const std::vector<int32_t> &ids) {
  std::vector<float> out(ids.size() * kVocab);
  for (size_t p = 0; p < ids.size(); ++p)
    referenceRow(ids, static_cast<int64_t>(p), out.data() + p * kVocab);
  return out;
}

} // namespace fake
