//===- KernelTestUtils.h - helpers of the model kernel tests ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Memref descriptors over std::vectors, a context with a thread pool and a
// KV cache, random data, and conversions to the executor's Tensors.
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_RUNTIMEMODEL_KERNELTESTUTILS_H
#define OST_UNITTESTS_RUNTIMEMODEL_KERNELTESTUTILS_H

#include "Context.h"

#include "ost/Executor/Kernels.h"
#include "ost/Support/Parallel.h"
#include "ost/runtime/ModelABI.h"

#include <memory>
#include <string>
#include <vector>

namespace ost::runtime::test {

namespace ex = mlir::ost;

/// A row-major descriptor over `data` (which must hold the elements).
template <typename T, int N>
MemRef<T, N> memref(std::vector<T> &data, const int64_t (&sizes)[N]) {
  MemRef<T, N> m;
  m.allocated = data.data();
  m.aligned = data.data();
  m.offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    m.sizes[i] = sizes[i];
    m.strides[i] = stride;
    stride *= sizes[i];
  }
  return m;
}

/// An absent optional operand (0 elements).
template <typename T, int N> MemRef<T, N> absent() {
  MemRef<T, N> m{};
  m.allocated = m.aligned = nullptr;
  for (int i = 0; i < N; ++i) {
    m.sizes[i] = 0;
    m.strides[i] = 1;
  }
  return m;
}

/// Normal(0, 1)·scale + offset, with a few outlier channels.
std::vector<float> randomFloats(size_t n, unsigned seed, float scale = 1.0f,
                                float offset = 0.0f);

/// A model description for the KV cache.
ostrt_model_info makeInfo(int64_t layers, int64_t kvHeads, int64_t headDim,
                          int64_t maxPositions, int64_t kBits, int64_t vBits,
                          float kClip = 1.0f, float vClip = 1.0f);

/// An ostrt_context as the session builds it.
class TestContext {
public:
  explicit TestContext(unsigned threads, kernels::Isa isa = kernels::Isa::Auto);
  /// With a KV cache of `capacity` positions for `info` (kept by pointer).
  TestContext(unsigned threads, kernels::Isa isa, const ostrt_model_info &info,
              int64_t capacity);

  ostrt_context *get() { return ctx.get(); }
  bool failed() const { return ostrt_failed(ctx.get()); }
  std::string error() const { return ctx->error; }
  /// Forgets the error (as the session does between steps).
  void clearError();

private:
  std::unique_ptr<ostrt_context> ctx;
};

/// The instruction sets this CPU runs.
std::vector<kernels::Isa> supportedIsas();

/// A float tensor of the executor.
ex::Tensor floatTensor(std::vector<int64_t> shape, const std::vector<float> &v);

/// The data of an executor result (failing the test on an error).
std::vector<float> floats(llvm::Expected<ex::Tensor> t);

/// max |a − b|, and max |b|.
double maxAbsDiff(const std::vector<float> &a, const std::vector<float> &b);
double maxAbs(const std::vector<float> &v);

/// Executor quantizer parameters of a per-token activation quantizer.
ex::QuantParams perTokenParams(unsigned bits, bool symmetric, int64_t groupSize,
                               float clip);

} // namespace ost::runtime::test

#endif // OST_UNITTESTS_RUNTIMEMODEL_KERNELTESTUTILS_H
