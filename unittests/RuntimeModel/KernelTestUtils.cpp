//===- KernelTestUtils.cpp - helpers of the model kernel tests ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtils.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

namespace ost::runtime::test {

std::vector<float> randomFloats(size_t n, unsigned seed, float scale,
                                float offset) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = dist(gen) * scale + offset;
    if (i % 37 == 5)
      v[i] *= 8.0f; // outliers
  }
  return v;
}

ostrt_model_info makeInfo(int64_t layers, int64_t kvHeads, int64_t headDim,
                          int64_t maxPositions, int64_t kBits, int64_t vBits,
                          float kClip, float vClip) {
  ostrt_model_info info{};
  info.abi_version = kOstrtAbiVersion;
  info.vocab_size = 32;
  info.num_layers = layers;
  info.num_kv_heads = kvHeads;
  info.head_dim = headDim;
  info.max_positions = maxPositions;
  info.k_bits = kBits;
  info.v_bits = vBits;
  info.k_clip = kClip;
  info.v_clip = vClip;
  info.description = "test";
  return info;
}

TestContext::TestContext(unsigned threads, kernels::Isa isa)
    : ctx(std::make_unique<ostrt_context>()) {
  ctx->pool = std::make_unique<ThreadPool>(threads);
  ctx->isa = isa;
}

TestContext::TestContext(unsigned threads, kernels::Isa isa,
                         const ostrt_model_info &info, int64_t capacity)
    : TestContext(threads, isa) {
  ctx->info = &info;
  std::string error;
  EXPECT_TRUE(ctx->cache.init(info, capacity, error)) << error;
}

void TestContext::clearError() {
  std::lock_guard<std::mutex> lock(ctx->errorMutex);
  ctx->error.clear();
  ctx->failed.store(false);
}

std::vector<kernels::Isa> supportedIsas() {
  std::vector<kernels::Isa> isas;
  for (kernels::Isa isa :
       {kernels::Isa::Scalar, kernels::Isa::Avx2, kernels::Isa::Avx512})
    if (kernels::isIsaSupported(isa))
      isas.push_back(isa);
  return isas;
}

ex::Tensor floatTensor(std::vector<int64_t> shape,
                       const std::vector<float> &v) {
  return ex::Tensor::fromFloats(shape, v);
}

std::vector<float> floats(llvm::Expected<ex::Tensor> t) {
  if (!t) {
    ADD_FAILURE() << "reference failed: " << llvm::toString(t.takeError());
    return {};
  }
  const float *d = t->getFloatData();
  return std::vector<float>(d, d + t->getNumElements());
}

double maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
  return m;
}

double maxAbs(const std::vector<float> &v) {
  double m = 0;
  for (float x : v)
    m = std::max(m, std::fabs(double(x)));
  return m;
}

ex::QuantParams perTokenParams(unsigned bits, bool symmetric, int64_t groupSize,
                               float clip) {
  ex::QuantParams p;
  p.bits = bits;
  p.symmetric = symmetric;
  p.granularity = ex::Granularity::PerToken;
  p.groupSize = groupSize;
  p.clipRatio = clip;
  return p;
}

} // namespace ost::runtime::test
