//===- AttentionTest.cpp - ostrt_attention and the KV cache ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A sequence is fed as a prefill and then decode steps (and a second chunk)
// through the cache; every output row must match the executor's causal
// attention over the whole sequence with keys and values fake-quantized
// per token (and head) like the cache stores them. Scores are summed in a
// different order (and with s·(Σ q·lv − zp·Σq) for quantized keys), so the
// comparison is within 5e-6 of the largest output; thread counts must give
// identical bits.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "gtest/gtest.h"

#include <cmath>
#include <numeric>

using namespace ost::runtime;
using namespace ost::runtime::test;

namespace {

struct Scenario {
  int64_t headsQ, headsKV, headDim, keyBits, valueBits;
  float clip;
  std::vector<int64_t> chunks;
};

std::string describe(const Scenario &s) {
  std::string text = "Hq " + std::to_string(s.headsQ) + ", Hkv " +
                     std::to_string(s.headsKV) + ", Dh " +
                     std::to_string(s.headDim) + ", KV bits " +
                     std::to_string(s.keyBits) + "/" +
                     std::to_string(s.valueBits) + ", chunks";
  for (int64_t c : s.chunks)
    text += " " + std::to_string(c);
  return text;
}

/// x fake-quantized per (position, head) row like the cache (16: as is).
std::vector<float> cached(const std::vector<float> &x, int64_t seq,
                          int64_t heads, int64_t dim, int64_t bits,
                          float clip) {
  if (bits == 16)
    return x;
  return floats(ex::fakeQuant(floatTensor({1, seq, heads, dim}, x),
                              perTokenParams(unsigned(bits), false, 0, clip),
                              {}));
}

/// Runs the scenario on layer 1 (layer 0 gets other data in between) and
/// returns the outputs of all rows [S, Hq, Dh].
std::vector<float> run(const Scenario &s, kernels::Isa isa, unsigned threads,
                       const std::vector<float> &q, const std::vector<float> &k,
                       const std::vector<float> &v) {
  const int64_t seq =
      std::accumulate(s.chunks.begin(), s.chunks.end(), int64_t(0));
  const int64_t dim = s.headDim;
  ostrt_model_info info = makeInfo(2, s.headsKV, dim, seq + 16, s.keyBits,
                                   s.valueBits, s.clip, s.clip);
  TestContext ctx(threads, isa, info, seq + 3);
  const float scale = 1.0f / std::sqrt(float(dim));
  std::vector<float> out(seq * s.headsQ * dim, -9.0f);
  int64_t pos = 0;
  for (int64_t chunk : s.chunks) {
    auto slice = [&](const std::vector<float> &x, int64_t heads) {
      return std::vector<float>(x.begin() + pos * heads * dim,
                                x.begin() + (pos + chunk) * heads * dim);
    };
    std::vector<float> qc = slice(q, s.headsQ), kc = slice(k, s.headsKV),
                       vc = slice(v, s.headsKV);
    std::vector<float> oc(qc.size());
    auto qm = memref(qc, {chunk, s.headsQ, dim});
    auto km = memref(kc, {chunk, s.headsKV, dim});
    auto vm = memref(vc, {chunk, s.headsKV, dim});
    auto om = memref(oc, {chunk, s.headsQ, dim});
    // Layer 0 sees other keys and values; it must not disturb layer 1.
    std::vector<float> kOther(kc.size()), vOther(vc.size()), oOther(oc.size());
    for (size_t i = 0; i < kc.size(); ++i) {
      kOther[i] = -2.0f * kc[i] + 1.0f;
      vOther[i] = 3.0f * vc[i];
    }
    auto kom = memref(kOther, {chunk, s.headsKV, dim});
    auto vom = memref(vOther, {chunk, s.headsKV, dim});
    auto oom = memref(oOther, {chunk, s.headsQ, dim});
    _mlir_ciface_ostrt_attention(ctx.get(), 0, &qm, &kom, &vom, pos, scale,
                                 &oom);
    _mlir_ciface_ostrt_attention(ctx.get(), 1, &qm, &km, &vm, pos, scale, &om);
    EXPECT_FALSE(ctx.failed()) << ctx.error();
    std::copy(oc.begin(), oc.end(), out.begin() + pos * s.headsQ * dim);
    pos += chunk;
  }
  return out;
}

void checkScenario(const Scenario &s) {
  const int64_t seq =
      std::accumulate(s.chunks.begin(), s.chunks.end(), int64_t(0));
  const int64_t dim = s.headDim;
  std::vector<float> q = randomFloats(seq * s.headsQ * dim, 1 + dim, 1.0f);
  std::vector<float> k =
      randomFloats(seq * s.headsKV * dim, 2 + dim, 1.5f, 0.2f);
  std::vector<float> v =
      randomFloats(seq * s.headsKV * dim, 3 + dim, 1.0f, -0.1f);
  std::vector<float> kq = cached(k, seq, s.headsKV, dim, s.keyBits, s.clip);
  std::vector<float> vq = cached(v, seq, s.headsKV, dim, s.valueBits, s.clip);
  mlir::ost::ScopedSingleThreadedBlas single;
  auto ref = floats(ex::attention(floatTensor({1, seq, s.headsQ, dim}, q),
                                  floatTensor({1, seq, s.headsKV, dim}, kq),
                                  floatTensor({1, seq, s.headsKV, dim}, vq),
                                  nullptr, 1.0 / std::sqrt(double(dim)),
                                  /*causal=*/true, {}));
  const double bound = 5e-6 * maxAbs(ref);
  for (kernels::Isa isa : supportedIsas()) {
    std::vector<float> one = run(s, isa, 1, q, k, v);

    EXPECT_LE(maxAbsDiff(one, ref), bound)
        << describe(s) << ", " << kernels::getIsaName(isa);
    for (unsigned threads : {2u, 3u})
      EXPECT_EQ(run(s, isa, threads, q, k, v), one)
          << describe(s) << ", " << kernels::getIsaName(isa) << ", " << threads
          << " threads: the thread count changed the result";
  }
}

} // namespace

TEST(Attention, FloatCacheMatchesExecutor) {
  checkScenario({4, 2, 8, 16, 16, 1.0f, {29, 1, 1, 1, 8}});
  checkScenario({8, 8, 64, 16, 16, 1.0f, {40, 1, 1}});
}

TEST(Attention, Int4CacheMatchesFakeQuantizedExecutor) {
  checkScenario({4, 2, 8, 4, 4, 1.0f, {29, 1, 1, 1, 8}});
  checkScenario({8, 2, 64, 4, 4, 1.0f, {70, 1, 2}});
  checkScenario({4, 4, 128, 4, 4, 0.9f, {5, 33, 1}});
  checkScenario({2, 1, 18, 4, 4, 1.0f, {1, 1, 1, 40}});
}

TEST(Attention, OtherCacheBitsMatchFakeQuantizedExecutor) {
  checkScenario({4, 2, 32, 8, 8, 1.0f, {20, 1, 15}});
  checkScenario({4, 2, 16, 3, 6, 0.95f, {33, 1}});
  checkScenario({6, 3, 64, 4, 16, 1.0f, {17, 1}});
  checkScenario({6, 3, 64, 16, 2, 1.0f, {17, 1}});
}

TEST(Attention, CachedLevelsAreTheFakeQuantizedValues) {
  // Dequantizing what the cache holds gives ost.fake_quant's values bit for
  // bit (checked directly on the value rows and key blocks).
  const int64_t seq = 37, heads = 2, dim = 24;
  ostrt_model_info info = makeInfo(1, heads, dim, 64, 4, 8, 0.9f, 1.0f);
  TestContext ctx(2, kernels::Isa::Auto, info, 40);
  std::vector<float> q = randomFloats(seq * heads * dim, 7);
  std::vector<float> k = randomFloats(seq * heads * dim, 8, 2.0f, 0.3f);
  std::vector<float> v = randomFloats(seq * heads * dim, 9);
  std::vector<float> out(q.size());
  auto qm = memref(q, {seq, heads, dim});
  auto km = memref(k, {seq, heads, dim});
  auto vm = memref(v, {seq, heads, dim});
  auto om = memref(out, {seq, heads, dim});
  _mlir_ciface_ostrt_attention(ctx.get(), 0, &qm, &km, &vm, 0, 0.2f, &om);
  ASSERT_FALSE(ctx.failed()) << ctx.error();
  std::vector<float> kq = cached(k, seq, heads, dim, 4, 0.9f);
  std::vector<float> vq = cached(v, seq, heads, dim, 8, 1.0f);
  const KVCache &cache = ctx.get()->cache;
  for (int64_t p = 0; p < seq; ++p)
    for (int64_t h = 0; h < heads; ++h) {
      const uint8_t *block = cache.getKeyBlock(0, h, p / kKeyBlock);
      float ks = cache.getKeyScales(0, h)[p],
            kz = cache.getKeyZeroPoints(0, h)[p];
      float vs = cache.getValueScales(0, h)[p],
            vz = cache.getValueZeroPoints(0, h)[p];
      const uint8_t *vrow = cache.getValueRow(0, h, p);
      int64_t slot = p % kKeyBlock;
      for (int64_t d = 0; d < dim; ++d) {
        uint8_t byte = block[d * cache.getKeyRowBytes() + slot % 16];
        float level = float(slot < 16 ? byte & 0xF : byte >> 4);
        ASSERT_EQ((level - kz) * ks, kq[(p * heads + h) * dim + d]);
        ASSERT_EQ((float(vrow[d]) - vz) * vs, vq[(p * heads + h) * dim + d]);
      }
    }
}

TEST(Attention, RejectsBadCallsAndNamesTheKernel) {
  ostrt_model_info info = makeInfo(2, 2, 8, 16, 4, 4);
  TestContext ctx(1, kernels::Isa::Auto, info, 10);
  std::vector<float> q(3 * 4 * 8), k(3 * 2 * 8), v(3 * 2 * 8), out(3 * 4 * 8);
  auto qm = memref(q, {3, 4, 8});
  auto km = memref(k, {3, 2, 8});
  auto vm = memref(v, {3, 2, 8});
  auto om = memref(out, {3, 4, 8});
  _mlir_ciface_ostrt_attention(ctx.get(), 2, &qm, &km, &vm, 0, 1.0f, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_attention: layer 2 is outside [0, 2)");
  ctx.clearError();
  _mlir_ciface_ostrt_attention(ctx.get(), 0, &qm, &km, &vm, 8, 1.0f, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(), "ostrt_attention: positions 8..10 are outside the KV "
                         "cache's 10 positions");
  ctx.clearError();
  auto vbad = memref(v, {3, 1, 16});
  _mlir_ciface_ostrt_attention(ctx.get(), 0, &qm, &km, &vbad, 0, 1.0f, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error(),
            "ostrt_attention: v is [3, 1, 16], expected [3, 2, 8]");
  ctx.clearError();
  auto qbad = memref(q, {3, 3, 8});
  _mlir_ciface_ostrt_attention(ctx.get(), 0, &qbad, &km, &vm, 0, 1.0f, &om);
  ASSERT_TRUE(ctx.failed());
  EXPECT_NE(ctx.error().find("ostrt_attention: q [3, 3, 8]"), std::string::npos)
      << ctx.error();
}

TEST(KVCache, InitValidatesTheModel) {
  std::string error;
  KVCache cache;
  ostrt_model_info info = makeInfo(2, 2, 8, 16, 4, 4);
  EXPECT_FALSE(cache.init(info, 17, error));
  EXPECT_NE(error.find("capacity 17"), std::string::npos) << error;
  info.k_bits = 1;
  EXPECT_FALSE(cache.init(info, 8, error));
  EXPECT_NE(error.find("k_bits = 1"), std::string::npos) << error;
  info.k_bits = 16;
  info.head_dim = 7;
  EXPECT_FALSE(cache.init(info, 8, error));
  info.head_dim = 8;
  ASSERT_TRUE(cache.init(info, 8, error)) << error;
  EXPECT_TRUE(cache.isInitialized());
  EXPECT_EQ(cache.getCapacity(), 8);
  EXPECT_EQ(cache.getPaddedHeadDim(), 32);
  EXPECT_GT(cache.getSizeInBytes(), size_t(0));
  cache.release();
  EXPECT_FALSE(cache.isInitialized());
}
