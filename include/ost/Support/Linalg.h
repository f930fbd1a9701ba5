//===- Linalg.h - small dense linear algebra for transform init -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Float64 helpers used to initialize transforms and to analyse activations:
// a symmetric eigensolver (LAPACK dsyevd from OpenBLAS), Haar-random
// orthogonal matrices, random-sign Hadamard matrices, running moments, and
// WOMI (METHOD.md §3). Every matrix is dense, row-major, n × n.
//
// Random streams are deterministic functions of their seed on every platform
// (own generator and Gaussian transform, no std:: distributions).
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_LINALG_H
#define OST_SUPPORT_LINALG_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace mlir::ost {

/// A deterministic stream of uniform and standard-normal doubles.
class RandomStream {
public:
  explicit RandomStream(uint64_t seed);
  /// Uniform in [0, 1).
  double uniform();
  /// Standard normal.
  double normal();
  /// +1 or -1 with equal probability.
  double sign();

private:
  uint64_t state;
  bool hasSpare = false;
  double spare = 0.0;
};

/// A seed for the stream of parameter `name` under the global `seed`, so each
/// parameter of a module gets an independent, reproducible stream.
uint64_t deriveSeed(uint64_t seed, llvm::StringRef name);

/// Eigen-decomposition A = Q·diag(λ)·Qᵀ of a symmetric n × n matrix `a`.
/// `eigenvalues` come out ascending; `eigenvectors` is row-major n × n with
/// eigenvector i in column i. Fails (with the LAPACK info code) if the
/// solver does not converge or `a` holds a NaN.
llvm::Error symmetricEigen(llvm::ArrayRef<double> a, int64_t n,
                           std::vector<double> &eigenvalues,
                           std::vector<double> &eigenvectors);

/// The eigenvalues alone (ascending) of a symmetric n × n matrix `a`: the
/// solver of symmetricEigen without the eigenvectors, several times faster
/// for large n. Fails like symmetricEigen.
llvm::Error symmetricEigenvalues(llvm::ArrayRef<double> a, int64_t n,
                                 std::vector<double> &eigenvalues);

/// A Haar-distributed random orthogonal n × n matrix (QR of a Gaussian
/// matrix with the signs of R's diagonal moved into Q).
std::vector<double> randomOrthogonal(int64_t n, uint64_t seed);

/// The random-sign Hadamard H̃ = D·𝓗ᵀ (n × n): the normalized Hadamard 𝓗 of
/// Hadamard.h, transposed, with its rows multiplied by independent random
/// signs. Every entry is ±1/sqrt(n). Fails if no Hadamard matrix of order n
/// is known.
llvm::Expected<std::vector<double>> randomSignHadamard(int64_t n,
                                                       uint64_t seed);

/// Running mean and covariance of dim-dimensional samples, accumulated in
/// float64 about a shift (the first sample) for stability.
class MomentAccumulator {
public:
  explicit MomentAccumulator(int64_t dim);
  /// Adds `count` samples stored as consecutive rows of `dim` values.
  void addRows(const float *rows, int64_t count);
  void addRows(const double *rows, int64_t count);
  int64_t getDim() const { return dim; }
  int64_t getCount() const { return count; }
  /// The sample mean (dim values).
  std::vector<double> mean() const;
  /// The covariance about the mean, divided by the sample count
  /// (dim × dim).
  std::vector<double> covariance() const;

private:
  int64_t dim;
  int64_t count = 0;
  std::vector<double> shift, sum, sumOuter;
};

/// WOMI (METHOD.md §3): Q·H̃ with Q the eigenvectors of the n × n
/// `covariance` and H̃ = randomSignHadamard(n, seed). Fails if the
/// eigensolver fails or no Hadamard matrix of order n is known.
llvm::Expected<std::vector<double>> womiRotation(llvm::ArrayRef<double> covariance,
                                                 int64_t n, uint64_t seed);

/// For tests and analyses: max |Qᵀ·Q − I| of an n × n
/// matrix (0 for an exactly orthogonal one).
double orthogonalityError(llvm::ArrayRef<double> q, int64_t n);

} // namespace mlir::ost

#endif // OST_SUPPORT_LINALG_H
