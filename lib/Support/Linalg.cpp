//===- Linalg.cpp - small dense linear algebra for transform init ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The float64 helpers of Linalg.h. The heavy lifting goes to OpenBLAS: the
// eigensolver is LAPACK's dsyevd (called through its Fortran symbol), the
// block updates of the Householder QR and the moment accumulation are
// dgemm/dsyrk. The random stream is a splitmix64 generator with a Box–Muller
// Gaussian, so every result is a function of the seed alone.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Linalg.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <cblas.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

// LAPACK's symmetric divide-and-conquer eigensolver, exported by OpenBLAS.
// Column-major; the trailing arguments are the hidden lengths of the two
// character arguments (gfortran calling convention).
extern "C" void dsyevd_(const char *jobz, const char *uplo, const blasint *n,
                        double *a, const blasint *lda, double *w, double *work,
                        const blasint *lwork, blasint *iwork,
                        const blasint *liwork, blasint *info, size_t jobzLen,
                        size_t uploLen);

namespace mlir::ost {

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The splitmix64 output function: a bijective 64-bit mixer.
uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;

/// 64-bit FNV-1a.
uint64_t fnv1a(llvm::StringRef text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

size_t squareSize(int64_t n) { return static_cast<size_t>(n) * n; }

} // namespace

//===----------------------------------------------------------------------===//
// RandomStream
//===----------------------------------------------------------------------===//

/// The seed is mixed once so that nearby seeds (0, 1, 2, ...) start far apart
/// in the splitmix64 sequence.
RandomStream::RandomStream(uint64_t seed) : state(mix64(seed + kGoldenGamma)) {}

double RandomStream::uniform() {
  state += kGoldenGamma;
  // The top 53 bits as a multiple of 2^-53.
  return static_cast<double>(mix64(state) >> 11) * 0x1.0p-53;
}

double RandomStream::normal() {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  // Box–Muller on u1 ∈ (0, 1] (so the log is finite) and u2 ∈ [0, 1).
  double u1 = 1.0 - uniform();
  double u2 = uniform();
  double radius = std::sqrt(-2.0 * std::log(u1));
  double angle = 2.0 * llvm::numbers::pi * u2;
  spare = radius * std::sin(angle);
  hasSpare = true;
  return radius * std::cos(angle);
}

double RandomStream::sign() { return uniform() < 0.5 ? -1.0 : 1.0; }

uint64_t deriveSeed(uint64_t seed, llvm::StringRef name) {
  return mix64(mix64(seed) ^ (fnv1a(name) + kGoldenGamma));
}

//===----------------------------------------------------------------------===//
// Symmetric eigensolver
//===----------------------------------------------------------------------===//

namespace {

/// The first non-finite entry of `a` (n × n, row-major) as an error.
llvm::Error checkFinite(llvm::ArrayRef<double> a, int64_t n,
                        llvm::StringRef what) {
  for (size_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(a[i]))
      return makeError(what + ": entry (" + llvm::Twine(int64_t(i) / n) + ", " +
                       llvm::Twine(int64_t(i) % n) + ") of the " +
                       llvm::Twine(n) + "x" + llvm::Twine(n) + " matrix is " +
                       (std::isnan(a[i]) ? "NaN" : "infinite"));
  return llvm::Error::success();
}

/// Runs dsyevd on the column-major matrix `a` (overwritten with the
/// eigenvectors when jobz is 'V'); `w` receives the ascending eigenvalues.
llvm::Error runDsyevd(char jobz, std::vector<double> &a, int64_t n,
                      std::vector<double> &w) {
  const char uplo = 'L';
  blasint order = static_cast<blasint>(n), info = 0;
  w.assign(n, 0.0);
  // Workspace query.
  double workSize = 0.0;
  blasint iworkSize = 0, query = -1;
  dsyevd_(&jobz, &uplo, &order, a.data(), &order, w.data(), &workSize, &query,
          &iworkSize, &query, &info, 1, 1);
  if (info != 0)
    return makeError("symmetricEigen: LAPACK dsyevd workspace query failed "
                     "for n = " +
                     llvm::Twine(n) + " (info = " + llvm::Twine(info) + ")");
  if (workSize >= static_cast<double>(std::numeric_limits<blasint>::max()))
    return makeError("symmetricEigen: n = " + llvm::Twine(n) +
                     " is too large for LAPACK's integer workspace size");
  blasint lwork = static_cast<blasint>(workSize);
  blasint liwork = iworkSize;
  std::vector<double> work(std::max<blasint>(lwork, 1));
  std::vector<blasint> iwork(std::max<blasint>(liwork, 1));
  dsyevd_(&jobz, &uplo, &order, a.data(), &order, w.data(), work.data(), &lwork,
          iwork.data(), &liwork, &info, 1, 1);
  if (info < 0)
    return makeError("symmetricEigen: LAPACK dsyevd rejected argument " +
                     llvm::Twine(-info) + " (info = " + llvm::Twine(info) +
                     ")");
  if (info > 0)
    return makeError("symmetricEigen: LAPACK dsyevd did not converge for the " +
                     llvm::Twine(n) + "x" + llvm::Twine(n) +
                     " matrix (info = " + llvm::Twine(info) + ")");
  return llvm::Error::success();
}

/// Row-major ↔ column-major copy of an n × n matrix.
std::vector<double> transposed(llvm::ArrayRef<double> a, int64_t n) {
  std::vector<double> t(squareSize(n));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      t[c * n + r] = a[r * n + c];
  return t;
}

} // namespace

/// Checks that `a` is a finite n × n matrix LAPACK can take.
static llvm::Error checkEigenInput(llvm::ArrayRef<double> a, int64_t n) {
  if (n < 0 || a.size() != squareSize(n))
    return makeError("symmetricEigen: expected " + llvm::Twine(n) + "x" +
                     llvm::Twine(n) + " = " + llvm::Twine(squareSize(n)) +
                     " values, got " + llvm::Twine(a.size()));
  if (n > std::numeric_limits<blasint>::max())
    return makeError("symmetricEigen: n = " + llvm::Twine(n) +
                     " is too large for LAPACK");
  return checkFinite(a, n, "symmetricEigen");
}

llvm::Error symmetricEigen(llvm::ArrayRef<double> a, int64_t n,
                           std::vector<double> &eigenvalues,
                           std::vector<double> &eigenvectors) {
  eigenvalues.clear();
  eigenvectors.clear();
  if (llvm::Error err = checkEigenInput(a, n))
    return err;
  if (n == 0)
    return llvm::Error::success();
  // A symmetric matrix reads the same in both layouts; dsyevd reads only its
  // lower triangle (column-major), i.e. the upper triangle of `a`.
  std::vector<double> work(a.begin(), a.end());
  if (llvm::Error err = runDsyevd('V', work, n, eigenvalues))
    return err;
  // Column-major with eigenvector i in column i, i.e. row-major with
  // eigenvector i in row i: transpose to put it in column i.
  eigenvectors = transposed(work, n);
  return llvm::Error::success();
}

llvm::Error symmetricEigenvalues(llvm::ArrayRef<double> a, int64_t n,
                                 std::vector<double> &eigenvalues) {
  eigenvalues.clear();
  if (llvm::Error err = checkEigenInput(a, n))
    return err;
  if (n == 0)
    return llvm::Error::success();
  std::vector<double> work(a.begin(), a.end());
  return runDsyevd('N', work, n, eigenvalues);
}

//===----------------------------------------------------------------------===//
// Haar-random orthogonal matrices (blocked Householder QR)
//===----------------------------------------------------------------------===//

namespace {

/// Columns per block of the blocked Householder QR.
constexpr int64_t kQRBlock = 32;

/// A column-major n × n matrix holding the Householder QR of a square matrix
/// the LAPACK way: R on and above the diagonal, the reflector vectors v_k
/// (with an implicit v_k[k] = 1) below it, and H_k = I − tau_k·v_k·v_kᵀ.
struct HouseholderQR {
  int64_t n;
  std::vector<double> a;
  std::vector<double> tau;

  double *column(int64_t j) { return &a[static_cast<size_t>(j) * n]; }
};

/// Computes the reflector that maps column k (rows k..n-1) to beta·e_k, stores
/// v below the diagonal and beta on it, and returns tau.
double makeReflector(HouseholderQR &qr, int64_t k) {
  double *x = qr.column(k);
  double alpha = x[k];
  double tailNormSq = 0.0;
  for (int64_t i = k + 1; i < qr.n; ++i)
    tailNormSq += x[i] * x[i];
  if (tailNormSq == 0.0)
    return 0.0; // Already e_k-aligned: H_k = I, beta = alpha.
  double norm = std::sqrt(alpha * alpha + tailNormSq);
  double beta = alpha >= 0.0 ? -norm : norm;
  double scale = 1.0 / (alpha - beta);
  for (int64_t i = k + 1; i < qr.n; ++i)
    x[i] *= scale;
  x[k] = beta;
  return (beta - alpha) / beta;
}

/// Applies H_k to rows k..n-1 of column j (j > k).
void applyReflector(HouseholderQR &qr, int64_t k, double *y) {
  const double *v = qr.column(k);
  double dot = y[k];
  for (int64_t i = k + 1; i < qr.n; ++i)
    dot += v[i] * y[i];
  double s = qr.tau[k] * dot;
  y[k] -= s;
  for (int64_t i = k + 1; i < qr.n; ++i)
    y[i] -= s * v[i];
}

/// The reflectors k0..k0+kb-1 as an explicit (n-k0) × kb column-major V
/// (unit diagonal, zeros above it).
std::vector<double> blockReflectors(HouseholderQR &qr, int64_t k0, int64_t kb) {
  int64_t m = qr.n - k0;
  std::vector<double> v(static_cast<size_t>(m) * kb, 0.0);
  for (int64_t j = 0; j < kb; ++j) {
    const double *src = qr.column(k0 + j);
    double *dst = &v[static_cast<size_t>(j) * m];
    dst[j] = 1.0;
    for (int64_t i = j + 1; i < m; ++i)
      dst[i] = src[k0 + i];
  }
  return v;
}

/// The kb × kb upper-triangular T (column-major) with
/// H_k0·…·H_{k0+kb-1} = I − V·T·Vᵀ (LAPACK's forward, columnwise dlarft).
std::vector<double> blockFactor(const std::vector<double> &v, const double *tau,
                                int64_t m, int64_t kb) {
  std::vector<double> t(squareSize(kb), 0.0);
  std::vector<double> z(kb);
  for (int64_t j = 0; j < kb; ++j) {
    const double *vj = &v[static_cast<size_t>(j) * m];
    // z = V(:, 0:j)ᵀ·v_j, then T(0:j, j) = −tau_j·T(0:j, 0:j)·z.
    for (int64_t i = 0; i < j; ++i) {
      const double *vi = &v[static_cast<size_t>(i) * m];
      double dot = 0.0;
      for (int64_t r = j; r < m; ++r)
        dot += vi[r] * vj[r];
      z[i] = dot;
    }
    for (int64_t i = 0; i < j; ++i) {
      double sum = 0.0;
      for (int64_t l = i; l < j; ++l)
        sum += t[l * kb + i] * z[l];
      t[j * kb + i] = -tau[j] * sum;
    }
    t[j * kb + j] = tau[j];
  }
  return t;
}

/// C ← (I − V·op(T)·Vᵀ)·C for the m × cols column-major block C (leading
/// dimension ldc); op(T) is Tᵀ when `transposeT`.
void applyBlockReflector(const std::vector<double> &v,
                         const std::vector<double> &t, int64_t m, int64_t kb,
                         bool transposeT, double *c, int64_t cols,
                         int64_t ldc) {
  if (cols == 0)
    return;
  std::vector<double> w(static_cast<size_t>(kb) * cols);
  std::vector<double> tw(static_cast<size_t>(kb) * cols);
  // W = Vᵀ·C (kb × cols), TW = op(T)·W, C −= V·TW.
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, kb, cols, m, 1.0,
              v.data(), m, c, ldc, 0.0, w.data(), kb);
  cblas_dgemm(CblasColMajor, transposeT ? CblasTrans : CblasNoTrans,
              CblasNoTrans, kb, cols, kb, 1.0, t.data(), kb, w.data(), kb, 0.0,
              tw.data(), kb);
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, cols, kb, -1.0,
              v.data(), m, tw.data(), kb, 1.0, c, ldc);
}

/// Factors qr.a in place, kQRBlock columns at a time: an unblocked panel,
/// then one block-reflector update of the columns to its right.
void factorQR(HouseholderQR &qr) {
  int64_t n = qr.n;
  qr.tau.assign(n, 0.0);
  for (int64_t k0 = 0; k0 < n; k0 += kQRBlock) {
    int64_t kb = std::min(kQRBlock, n - k0);
    for (int64_t k = k0; k < k0 + kb; ++k) {
      qr.tau[k] = makeReflector(qr, k);
      for (int64_t j = k + 1; j < k0 + kb; ++j)
        applyReflector(qr, k, qr.column(j));
    }
    int64_t rest = n - k0 - kb;
    if (rest == 0)
      continue;
    int64_t m = n - k0;
    std::vector<double> v = blockReflectors(qr, k0, kb);
    std::vector<double> t = blockFactor(v, &qr.tau[k0], m, kb);
    // The trailing columns get Hᵀ = I − V·Tᵀ·Vᵀ of the block.
    applyBlockReflector(v, t, m, kb, /*transposeT=*/true,
                        qr.column(k0 + kb) + k0, rest, n);
  }
}

/// Q = H_0·…·H_{n-1} (column-major), built from the last block backwards so
/// each block only touches the trailing (n-k0) × (n-k0) corner.
std::vector<double> formQ(HouseholderQR &qr) {
  int64_t n = qr.n;
  std::vector<double> q(squareSize(n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    q[i * n + i] = 1.0;
  int64_t lastBlock = ((n - 1) / kQRBlock) * kQRBlock;
  for (int64_t k0 = lastBlock; k0 >= 0; k0 -= kQRBlock) {
    int64_t kb = std::min(kQRBlock, n - k0);
    int64_t m = n - k0;
    std::vector<double> v = blockReflectors(qr, k0, kb);
    std::vector<double> t = blockFactor(v, &qr.tau[k0], m, kb);
    applyBlockReflector(v, t, m, kb, /*transposeT=*/false,
                        &q[static_cast<size_t>(k0) * n + k0], m, n);
  }
  return q;
}

} // namespace

std::vector<double> randomOrthogonal(int64_t n, uint64_t seed) {
  assert(n >= 0 && "negative matrix size");
  if (n == 0)
    return {};
  RandomStream stream(seed);
  HouseholderQR qr{n, std::vector<double>(squareSize(n)), {}};
  for (double &x : qr.a)
    x = stream.normal();
  factorQR(qr);
  std::vector<double> q = formQ(qr);
  // Fold the signs of diag(R) into Q's columns: the QR with a positive R
  // diagonal is unique, and its Q is Haar-distributed over O(n).
  std::vector<double> result(squareSize(n));
  for (int64_t c = 0; c < n; ++c) {
    double s = qr.a[c * n + c] < 0.0 ? -1.0 : 1.0;
    for (int64_t r = 0; r < n; ++r)
      result[r * n + c] = s * q[c * n + r];
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Random-sign Hadamard and WOMI
//===----------------------------------------------------------------------===//

llvm::Expected<std::vector<double>> randomSignHadamard(int64_t n,
                                                       uint64_t seed) {
  std::vector<double> h;
  if (getHadamardFactor(n))
    h = getNormalizedHadamard(n);
  if (h.empty())
    return makeError("randomSignHadamard: no Hadamard matrix of order " +
                     llvm::Twine(n) +
                     " is known: the order must be K*2^m with K one of " +
                     formatKnownHadamardOrders());
  RandomStream stream(seed);
  std::vector<double> result(squareSize(n));
  // Row i of D·𝓗ᵀ is d_i times column i of 𝓗.
  for (int64_t i = 0; i < n; ++i) {
    double d = stream.sign();
    for (int64_t j = 0; j < n; ++j)
      result[i * n + j] = d * h[j * n + i];
  }
  return result;
}

llvm::Expected<std::vector<double>>
womiRotation(llvm::ArrayRef<double> covariance, int64_t n, uint64_t seed) {
  // The Hadamard first: it is the cheap check.
  llvm::Expected<std::vector<double>> h = randomSignHadamard(n, seed);
  if (!h)
    return h.takeError();
  std::vector<double> eigenvalues, q;
  if (llvm::Error err = symmetricEigen(covariance, n, eigenvalues, q))
    return std::move(err);
  std::vector<double> result(squareSize(n));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, q.data(),
              n, h->data(), n, 0.0, result.data(), n);
  return result;
}

double orthogonalityError(llvm::ArrayRef<double> q, int64_t n) {
  assert(q.size() == squareSize(n) && "expected an n x n matrix");
  if (n == 0)
    return 0.0;
  // G = Qᵀ·Q, upper triangle only.
  std::vector<double> gram(squareSize(n), 0.0);
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, n, 1.0, q.data(), n,
              0.0, gram.data(), n);
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j) {
      double e = std::fabs(gram[i * n + j] - (i == j ? 1.0 : 0.0));
      // NaN compares false: report it instead of ignoring it.
      if (!(e <= worst))
        worst = e;
    }
  return worst;
}

//===----------------------------------------------------------------------===//
// MomentAccumulator
//===----------------------------------------------------------------------===//

namespace {

/// Rows per dsyrk update: large enough to keep the update compute-bound.
constexpr int64_t kMomentBlockRows = 256;

} // namespace

MomentAccumulator::MomentAccumulator(int64_t dim)
    : dim(dim), shift(dim, 0.0), sum(dim, 0.0), sumOuter(squareSize(dim), 0.0) {
  assert(dim >= 0 && "negative dimension");
}

/// Shared by both element types: each block of rows is shifted into a
/// float64 buffer, then sum += Σ rows and sumOuter += Bᵀ·B (upper triangle).
template <typename T>
static void accumulateRows(const T *rows, int64_t count, int64_t dim,
                           int64_t &total, std::vector<double> &shift,
                           std::vector<double> &sum,
                           std::vector<double> &sumOuter) {
  if (count <= 0 || dim == 0) {
    total += std::max<int64_t>(count, 0);
    return;
  }
  if (total == 0)
    for (int64_t j = 0; j < dim; ++j)
      shift[j] = static_cast<double>(rows[j]);
  std::vector<double> block(
      static_cast<size_t>(std::min(count, kMomentBlockRows)) * dim);
  for (int64_t r0 = 0; r0 < count; r0 += kMomentBlockRows) {
    int64_t rb = std::min(kMomentBlockRows, count - r0);
    for (int64_t r = 0; r < rb; ++r) {
      const T *src = rows + static_cast<size_t>(r0 + r) * dim;
      double *dst = &block[static_cast<size_t>(r) * dim];
      for (int64_t j = 0; j < dim; ++j) {
        dst[j] = static_cast<double>(src[j]) - shift[j];
        sum[j] += dst[j];
      }
    }
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, dim, rb, 1.0,
                block.data(), dim, 1.0, sumOuter.data(), dim);
  }
  total += count;
}

void MomentAccumulator::addRows(const float *rows, int64_t count) {
  accumulateRows(rows, count, dim, this->count, shift, sum, sumOuter);
}

void MomentAccumulator::addRows(const double *rows, int64_t count) {
  accumulateRows(rows, count, dim, this->count, shift, sum, sumOuter);
}

std::vector<double> MomentAccumulator::mean() const {
  std::vector<double> result(dim, 0.0);
  if (count == 0)
    return result;
  for (int64_t j = 0; j < dim; ++j)
    result[j] = shift[j] + sum[j] / static_cast<double>(count);
  return result;
}

std::vector<double> MomentAccumulator::covariance() const {
  std::vector<double> result(squareSize(dim), 0.0);
  if (count == 0)
    return result;
  // Σ (x−s)(x−s)ᵀ/N − m·mᵀ with m = Σ(x−s)/N the shifted mean; only the
  // upper triangle of sumOuter is filled, so mirror it.
  double inv = 1.0 / static_cast<double>(count);
  for (int64_t i = 0; i < dim; ++i) {
    double mi = sum[i] * inv;
    for (int64_t j = i; j < dim; ++j) {
      double c = sumOuter[i * dim + j] * inv - mi * (sum[j] * inv);
      result[i * dim + j] = c;
      result[j * dim + i] = c;
    }
  }
  return result;
}

} // namespace mlir::ost
