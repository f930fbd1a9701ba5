//===- DenseKernels.h - deterministic threaded float64 matrices -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The dense float64 building blocks of the optimizers and of GPTQ, on
// OpenBLAS/LAPACK. Multi-threaded OpenBLAS changes its blocking (and so its
// rounding) with the thread count, so every call here runs OpenBLAS on one
// thread and spreads fixed-size tiles over its own threads instead: the tile
// boundaries depend only on the problem size, and the results are
// bit-identical for any thread count. Matrices are row-major.
//
//===----------------------------------------------------------------------===//

#ifndef OST_OPTIM_DENSEKERNELS_H
#define OST_OPTIM_DENSEKERNELS_H

#include "ost/Support/Parallel.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace ost::optim {

using ::mlir::ost::parallelFor;
using ::mlir::ost::ScopedSingleThreadedBlas;

/// C = alpha·op(A)·op(B) + beta·C with op(A) : [m, k], op(B) : [k, n],
/// row-major with leading dimensions lda, ldb, ldc (op transposes when
/// `transA`/`transB`). Rows of C are cut in fixed tiles, each one dgemm.
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
          double alpha, const double *a, int64_t lda, const double *b,
          int64_t ldb, double beta, double *c, int64_t ldc,
          unsigned numThreads);

/// Solves A·Y = B in place of `b` (A : [n, n], B : [n, k]) by LU with
/// partial pivoting (dgetrf on one thread, then dgetrs on fixed column
/// tiles of B). Fails if A is exactly singular or the sizes are wrong.
llvm::Error solveLinear(llvm::ArrayRef<double> a, int64_t n,
                        llvm::MutableArrayRef<double> b, int64_t k,
                        unsigned numThreads);

/// Replaces the n × n matrix `x` by its orthogonal polar factor U·Vᵀ, with
/// X = U·Σ·Vᵀ its SVD (LAPACK dgesdd). Fails if the SVD does not converge.
llvm::Error polarFactor(llvm::MutableArrayRef<double> x, int64_t n);

/// Replaces the n × n matrix `x` by the Q of its QR decomposition X = Q·R
/// (LAPACK dgeqrf/dorgqr), with the column signs chosen so that R has a
/// non-negative diagonal (torch.linalg.qr followed by Q·sign(diag R)).
llvm::Error qrOrthonormalize(llvm::MutableArrayRef<double> x, int64_t n);

/// The upper-triangular U (row-major, zeros below the diagonal) with
/// U = cholesky(A⁻¹, upper), i.e. A⁻¹ = Uᵀ·U, for a symmetric positive
/// definite A : [n, n]. This is the factor GPTQ propagates errors with. It is
/// computed without forming A⁻¹: U = J·L⁻¹·J with J·A·J = L·Lᵀ (J the order
/// reversal; LAPACK dpotrf and dtrtri). `a` is taken by value so a caller
/// done with it can move it in (the factor is computed in its storage).
/// Fails, naming the failing minor, if A is not positive definite.
llvm::Error inverseCholeskyUpper(std::vector<double> a, int64_t n,
                                 std::vector<double> &u);

} // namespace ost::optim

#endif // OST_OPTIM_DENSEKERNELS_H
