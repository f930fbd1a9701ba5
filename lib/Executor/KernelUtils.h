//===- KernelUtils.h - helpers shared by the executor kernels ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_EXECUTOR_KERNELUTILS_H
#define OST_LIB_EXECUTOR_KERNELUTILS_H

#include "Threading.h"

#include "ost/Executor/Kernels.h"
#include "ost/Executor/Tensor.h"
#include "ost/Support/Hadamard.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace mlir::ost::detail {

/// An llvm::Error carrying a kernel diagnostic message.
inline llvm::Error kernelError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Row-major C[M×N] = alpha·op(A)·op(B), op(A) : [M×K], op(B) : [K×N], with
/// op = transpose when the flag is set (A stored [K×M], B stored [N×K]).
/// Tiles of C of a fixed size are computed by single-threaded BLAS calls
/// spread over `numThreads` threads.
void parallelSgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                   float alpha, const float *a, int64_t lda, const float *b,
                   int64_t ldb, float *c, int64_t ldc, unsigned numThreads);
/// The float64 version of parallelSgemm.
void parallelDgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                   double alpha, const double *a, int64_t lda, const double *b,
                   int64_t ldb, double *c, int64_t ldc, unsigned numThreads);

/// Checks that the stored parameters of `t` have the shape of its kind (and
/// that a Hadamard of its size is known).
llvm::Error validateTransform(const Transform &t);

/// Applies 𝓗 (or 𝓗ᵀ) to each row of a rows × n matrix, in parallel chunks.
template <typename T>
void hadamardRows(T *data, int64_t rows, int64_t n, bool transpose,
                  unsigned numThreads) {
  parallelFor(rows, grainFor(n * 8), numThreads,
              [&](int64_t begin, int64_t end) {
                applyHadamardToRows(data + begin * n, end - begin, n,
                                    transpose);
              });
}

} // namespace mlir::ost::detail

#endif // OST_LIB_EXECUTOR_KERNELUTILS_H
