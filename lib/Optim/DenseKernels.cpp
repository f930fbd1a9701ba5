//===- DenseKernels.cpp - deterministic threaded float64 matrices ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// OpenBLAS runs on one thread inside every function here (its threaded
// kernels round differently for different thread counts); parallelism comes
// from fixed tiles spread over std::threads. LAPACK routines are called
// through their Fortran symbols, declared below like lib/Support/Linalg.cpp
// declares dsyevd_: column-major, arguments by pointer, hidden string
// lengths last (gfortran convention). A row-major matrix read column-major
// is its transpose; the comments say where that is used.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/DenseKernels.h"

#include "llvm/ADT/Twine.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

extern "C" {
void dgetrf_(const blasint *m, const blasint *n, double *a, const blasint *lda,
             blasint *ipiv, blasint *info);
void dgetrs_(const char *trans, const blasint *n, const blasint *nrhs,
             const double *a, const blasint *lda, const blasint *ipiv,
             double *b, const blasint *ldb, blasint *info, size_t transLen);
void dgesdd_(const char *jobz, const blasint *m, const blasint *n, double *a,
             const blasint *lda, double *s, double *u, const blasint *ldu,
             double *vt, const blasint *ldvt, double *work,
             const blasint *lwork, blasint *iwork, blasint *info,
             size_t jobzLen);
void dgeqrf_(const blasint *m, const blasint *n, double *a, const blasint *lda,
             double *tau, double *work, const blasint *lwork, blasint *info);
void dorgqr_(const blasint *m, const blasint *n, const blasint *k, double *a,
             const blasint *lda, const double *tau, double *work,
             const blasint *lwork, blasint *info);
void dpotrf_(const char *uplo, const blasint *n, double *a, const blasint *lda,
             blasint *info, size_t uploLen);
void dtrtri_(const char *uplo, const char *diag, const blasint *n, double *a,
             const blasint *lda, blasint *info, size_t uploLen,
             size_t diagLen);
}

using namespace ost::optim;

namespace {

/// Rows of C per dgemm tile.
constexpr int64_t kGemmTileRows = 128;
/// Right-hand sides per dgetrs tile.
constexpr int64_t kSolveTileColumns = 256;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

size_t squareSize(int64_t n) { return static_cast<size_t>(n) * n; }

/// Checks that `values` holds an n × n matrix LAPACK can index.
llvm::Error checkSquare(size_t values, int64_t n, llvm::StringRef what) {
  if (n < 0 || values != squareSize(n))
    return makeError(what + ": expected " + llvm::Twine(n) + "x" +
                     llvm::Twine(n) + " values, got " + llvm::Twine(values));
  if (n > std::numeric_limits<blasint>::max())
    return makeError(what + ": n = " + llvm::Twine(n) +
                     " is too large for LAPACK");
  return llvm::Error::success();
}

/// The workspace size a LAPACK query returned, as a count.
blasint workspaceSize(double query) {
  return std::max<blasint>(1, static_cast<blasint>(query));
}

} // namespace

//===----------------------------------------------------------------------===//
// Products and solves
//===----------------------------------------------------------------------===//

void ost::optim::gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k,
                      double alpha, const double *a, int64_t lda,
                      const double *b, int64_t ldb, double beta, double *c,
                      int64_t ldc, unsigned numThreads) {
  if (m <= 0 || n <= 0)
    return;
  ScopedSingleThreadedBlas guard;
  parallelFor(m, kGemmTileRows, numThreads, [&](int64_t begin, int64_t end) {
    // Rows begin..end of op(A): rows of A, or columns of A when transposed.
    const double *aTile = transA ? a + begin : a + begin * lda;
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans, end - begin, n, k, alpha,
                aTile, lda, b, ldb, beta, c + begin * ldc, ldc);
  });
}

llvm::Error ost::optim::solveLinear(llvm::ArrayRef<double> a, int64_t n,
                                    llvm::MutableArrayRef<double> b, int64_t k,
                                    unsigned numThreads) {
  if (llvm::Error err = checkSquare(a.size(), n, "solveLinear"))
    return err;
  if (k < 0 || b.size() != static_cast<size_t>(n) * k)
    return makeError("solveLinear: expected " + llvm::Twine(n) + "x" +
                     llvm::Twine(k) + " right-hand sides, got " +
                     llvm::Twine(b.size()) + " values");
  if (n == 0 || k == 0)
    return llvm::Error::success();
  // Column-major copies of A and B.
  std::vector<double> lu(squareSize(n)), rhs(b.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      lu[c * n + r] = a[r * n + c];
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      rhs[c * n + r] = b[r * k + c];
  ScopedSingleThreadedBlas guard;
  blasint order = static_cast<blasint>(n), info = 0;
  std::vector<blasint> pivots(n);
  dgetrf_(&order, &order, lu.data(), &order, pivots.data(), &info);
  if (info != 0)
    return makeError("solveLinear: the " + llvm::Twine(n) + "x" +
                     llvm::Twine(n) +
                     " matrix is singular (LAPACK dgetrf "
                     "info = " +
                     llvm::Twine(info) + ")");
  parallelFor(k, kSolveTileColumns, numThreads,
              [&](int64_t begin, int64_t end) {
                blasint count = static_cast<blasint>(end - begin), tileInfo = 0;
                dgetrs_("N", &order, &count, lu.data(), &order, pivots.data(),
                        rhs.data() + begin * n, &order, &tileInfo, 1);
              });
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      b[r * k + c] = rhs[c * n + r];
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// Orthonormalization
//===----------------------------------------------------------------------===//

llvm::Error ost::optim::polarFactor(llvm::MutableArrayRef<double> x,
                                    int64_t n) {
  if (llvm::Error err = checkSquare(x.size(), n, "polarFactor"))
    return err;
  if (n == 0)
    return llvm::Error::success();
  for (double value : x)
    if (!std::isfinite(value))
      return makeError("polarFactor: the matrix holds a non-finite value");
  // Read column-major, the array is Xᵀ; its polar factor is polar(X)ᵀ, which
  // read back row-major is polar(X).
  ScopedSingleThreadedBlas guard;
  std::vector<double> work(x.begin(), x.end()), s(n), u(squareSize(n)),
      vt(squareSize(n));
  std::vector<blasint> iwork(8 * static_cast<size_t>(n));
  blasint order = static_cast<blasint>(n), info = 0, query = -1;
  double workQuery = 0.0;
  dgesdd_("S", &order, &order, work.data(), &order, s.data(), u.data(), &order,
          vt.data(), &order, &workQuery, &query, iwork.data(), &info, 1);
  blasint lwork = workspaceSize(workQuery);
  std::vector<double> buffer(lwork);
  if (info == 0)
    dgesdd_("S", &order, &order, work.data(), &order, s.data(), u.data(),
            &order, vt.data(), &order, buffer.data(), &lwork, iwork.data(),
            &info, 1);
  if (info != 0)
    return makeError("polarFactor: LAPACK dgesdd failed on the " +
                     llvm::Twine(n) + "x" + llvm::Twine(n) +
                     " matrix (info = " + llvm::Twine(info) + ")");
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, order, order, order,
              1.0, u.data(), order, vt.data(), order, 0.0, x.data(), order);
  return llvm::Error::success();
}

llvm::Error ost::optim::qrOrthonormalize(llvm::MutableArrayRef<double> x,
                                         int64_t n) {
  if (llvm::Error err = checkSquare(x.size(), n, "qrOrthonormalize"))
    return err;
  if (n == 0)
    return llvm::Error::success();
  std::vector<double> a(squareSize(n));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      a[c * n + r] = x[r * n + c];
  ScopedSingleThreadedBlas guard;
  blasint order = static_cast<blasint>(n), info = 0, query = -1;
  std::vector<double> tau(n);
  double workQuery = 0.0;
  dgeqrf_(&order, &order, a.data(), &order, tau.data(), &workQuery, &query,
          &info);
  std::vector<double> buffer(workspaceSize(workQuery));
  blasint lwork = static_cast<blasint>(buffer.size());
  if (info == 0)
    dgeqrf_(&order, &order, a.data(), &order, tau.data(), buffer.data(), &lwork,
            &info);
  if (info != 0)
    return makeError("qrOrthonormalize: LAPACK dgeqrf failed (info = " +
                     llvm::Twine(info) + ")");
  // Sign of R's diagonal per column, before dorgqr overwrites R.
  std::vector<double> signs(n);
  for (int64_t c = 0; c < n; ++c)
    signs[c] = a[c * n + c] < 0.0 ? -1.0 : 1.0;
  dorgqr_(&order, &order, &order, a.data(), &order, tau.data(), &workQuery,
          &query, &info);
  buffer.resize(std::max<size_t>(buffer.size(), workspaceSize(workQuery)));
  lwork = static_cast<blasint>(buffer.size());
  if (info == 0)
    dorgqr_(&order, &order, &order, a.data(), &order, tau.data(), buffer.data(),
            &lwork, &info);
  if (info != 0)
    return makeError("qrOrthonormalize: LAPACK dorgqr failed (info = " +
                     llvm::Twine(info) + ")");
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      x[r * n + c] = a[c * n + r] * signs[c];
  return llvm::Error::success();
}

llvm::Error ost::optim::inverseCholeskyUpper(std::vector<double> a, int64_t n,
                                             std::vector<double> &u) {
  u.clear();
  if (llvm::Error err = checkSquare(a.size(), n, "inverseCholeskyUpper"))
    return err;
  if (n == 0)
    return llvm::Error::success();
  for (double value : a)
    if (!std::isfinite(value))
      return makeError("the matrix holds a non-finite value");
  // With J the order reversal, U = J·L⁻¹·J for the Cholesky factor L of
  // J·A·J (J·A·J = L·Lᵀ gives A⁻¹ = (J·L⁻¹·J)ᵀ·(J·L⁻¹·J), and J·L⁻¹·J is
  // upper triangular): one dpotrf and one dtrtri, half the work of
  // inverting A and factoring the inverse. A symmetric matrix reads the same
  // in both layouts, and reversing the array reverses rows and columns.
  u = std::move(a);
  std::reverse(u.begin(), u.end());
  auto fail = [&](const llvm::Twine &message) {
    u.clear();
    return makeError(message);
  };
  ScopedSingleThreadedBlas guard;
  blasint order = static_cast<blasint>(n), info = 0;
  dpotrf_("L", &order, u.data(), &order, &info, 1);
  if (info > 0)
    return fail("the matrix is not positive definite (its trailing principal "
                "minor of order " +
                llvm::Twine(info) + " is not positive)");
  if (info == 0)
    dtrtri_("L", "N", &order, u.data(), &order, &info, 1, 1);
  if (info > 0)
    return fail("the matrix is singular (LAPACK dtrtri info = " +
                llvm::Twine(info) + ")");
  if (info < 0)
    return fail("LAPACK rejected argument " + llvm::Twine(-info));
  // L⁻¹ is in the column-major lower triangle, i.e. the row-major upper one
  // holds (L⁻¹)ᵀ; U(i, j) = L⁻¹(n−1−i, n−1−j) is that array transposed and
  // reversed. The other triangle still holds A: clear it.
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = r + 1; c < n; ++c)
      std::swap(u[r * n + c], u[c * n + r]);
  std::reverse(u.begin(), u.end());
  for (int64_t r = 1; r < n; ++r)
    std::fill(u.begin() + r * n, u.begin() + r * n + r, 0.0);
  return llvm::Error::success();
}
