//===- KernelUtils.h - operand checks and threads of kernels ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Shared by the ostrt_* entry points: memref validation that reports through
// ostrt_fail with the kernel's name and the sizes, the context's thread pool
// as a kernels::ParallelFor, and the context's instruction set.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_KERNELUTILS_H
#define OST_RUNTIME_MODEL_KERNELUTILS_H

#include "Context.h"
#include "SimdKernels.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace ost::runtime::detail {

/// "[2, 64]".
template <typename T, int N> std::string formatSizes(const MemRef<T, N> &m) {
  std::string s = "[";
  for (int i = 0; i < N; ++i) {
    if (i)
      s += ", ";
    s += std::to_string(m.sizes[i]);
  }
  return s + "]";
}

/// True for a missing descriptor or one with 0 elements (an absent
/// optional operand).
template <typename T, int N> bool isAbsent(const MemRef<T, N> *m) {
  return !m || m->numElements() == 0;
}

/// Records "<kernel>: <message>" as the step's error.
inline void fail(ostrt_context *ctx, const char *kernel,
                 const std::string &message) {
  ostrt_fail(ctx, "%s: %s", kernel, message.c_str());
}

/// Checks that `m` is present, has non-negative sizes, a data pointer when
/// not empty and row-major contiguous strides (sizes of 1 may have any
/// stride). Reports and returns false otherwise.
template <typename T, int N>
bool checkMemRef(ostrt_context *ctx, const char *kernel, const char *name,
                 const MemRef<T, N> *m) {
  if (!m) {
    fail(ctx, kernel, std::string("operand '") + name + "' is missing");
    return false;
  }
  int64_t expected = 1;
  bool ok = true;
  for (int i = N - 1; i >= 0; --i) {
    if (m->sizes[i] < 0)
      ok = false;
    else if (m->sizes[i] > 1 && m->strides[i] != expected)
      ok = false;
    expected *= std::max<int64_t>(m->sizes[i], 0);
  }
  if (!ok) {
    fail(ctx, kernel,
         std::string("operand '") + name + "' " + formatSizes(*m) +
             " is not a contiguous row-major buffer");
    return false;
  }
  if (m->numElements() > 0 && !m->aligned) {
    fail(ctx, kernel, std::string("operand '") + name + "' has no data");
    return false;
  }
  return true;
}

/// `m` has exactly `sizes`; reports "<name> is [..], expected [..]".
template <typename T, int N>
bool checkSizes(ostrt_context *ctx, const char *kernel, const char *name,
                const MemRef<T, N> &m, const int64_t (&sizes)[N]) {
  bool ok = true;
  for (int i = 0; i < N; ++i)
    ok = ok && m.sizes[i] == sizes[i];
  if (ok)
    return true;
  MemRef<T, N> expected = m;
  for (int i = 0; i < N; ++i)
    expected.sizes[i] = sizes[i];
  fail(ctx, kernel,
       std::string(name) + " is " + formatSizes(m) + ", expected " +
           formatSizes(expected));
  return false;
}

/// The context's pool as a kernels::ParallelFor (serial without a pool).
struct PoolParallel {
  ThreadPool *pool;
  void operator()(int64_t n, int64_t grain, kernels::ChunkFn fn) const {
    if (pool)
      pool->parallelFor(n, grain, fn);
    else
      kernels::runSerially(n, grain, fn);
  }
};

inline PoolParallel getParallel(ostrt_context *ctx) {
  return PoolParallel{ctx->pool.get()};
}

/// The instruction set of the context (Auto resolved; an unsupported
/// forced one falls back to the best).
inline kernels::Isa getIsa(const ostrt_context *ctx) {
  kernels::Isa isa = ctx->isa;
  if (isa == kernels::Isa::Auto || !kernels::isIsaSupported(isa))
    isa = kernels::getBestIsa();
  return isa;
}

inline const simd::SimdKernels &getKernels(const ostrt_context *ctx) {
  return simd::getSimdKernels(getIsa(ctx));
}

/// Rows per chunk for rows of `rowCost` elementary operations: about 32K
/// operations per chunk, from the sizes only (never the thread count).
inline int64_t rowGrain(int64_t rowCost) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(rowCost, 1));
}

/// Builds the plan of an online Hadamard of size n from the ±1 factor
/// [K, K] (n = K·2^m) for ostrt_hadamard and ostrt_quantize_act; the dot
/// form's float factor goes to `factorFloats`. Reports and returns false on
/// bad sizes. (Hadamard.cpp)
bool makeHadamardPlan(ostrt_context *ctx, const char *kernel, int64_t n,
                      MemRef<int8_t, 2> *factor, int64_t transpose,
                      simd::HadamardPlan &plan,
                      std::vector<float> &factorFloats);

} // namespace ost::runtime::detail

#endif // OST_RUNTIME_MODEL_KERNELUTILS_H
