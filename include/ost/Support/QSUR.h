//===- QSUR.h - quantization space utilization rate -------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// QSUR (METHOD.md §1.2): the volume of the data's confidence ellipsoid over
// the volume of the smallest hypercube quantization grid containing it, for
// data modelled as N(μ, Σ). For large d the ratio underflows, so everything
// is computed in logs:
//
//   log QSUR = log V_E − d·log L
//   log V_E  = (d/2)·log π − lgamma(d/2 + 1) + (d/2)·log c + ½·Σ log λ_i
//   L        = 2·max_j(|μ_j| + sqrt(c·Σ_jj))            (symmetric grid)
//            = max_j(μ_j + r_j) − min_j(μ_j − r_j)       (asymmetric grid)
//
// with c = χ²_d(α). For μ = 0 and a symmetric grid c cancels and this is the
// closed form log C_d + ½ Σ log λ_i − (d/2)·log max_j Σ_jj.
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_QSUR_H
#define OST_SUPPORT_QSUR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace mlir::ost {

struct QSUROptions {
  /// Use the mean (general form with c = χ²_d(alpha)); otherwise treat the
  /// data as zero-mean (closed form, independent of alpha).
  bool useMean = false;
  /// Symmetric (true) or asymmetric quantization grid.
  bool symmetric = true;
  /// Confidence level of the ellipsoid when useMean is set.
  double alpha = 0.99;
  /// Eigenvalues below relEigenFloor·λ_max are clamped to it (a singular
  /// covariance would give log QSUR = −∞); the number clamped is reported.
  double relEigenFloor = 1e-12;
};

struct QSURResult {
  int64_t dim = 0;
  /// log QSUR (natural log) and its per-dimension value log QSUR / d (the
  /// log of the d-th root, comparable across sizes).
  double logQsur = 0.0;
  double logQsurPerDim = 0.0;
  /// ½·Σ log λ_i, max_j Σ_jj, and the extreme eigenvalues.
  double halfLogDet = 0.0;
  double maxDiagonal = 0.0;
  double minEigenvalue = 0.0;
  double maxEigenvalue = 0.0;
  /// Eigenvalues raised to the floor of QSUROptions::relEigenFloor.
  int64_t clampedEigenvalues = 0;
};

/// log C_d = (d/2)·log π − d·log 2 − lgamma(d/2 + 1): the log volume ratio of
/// the unit ball to its circumscribed cube.
double logBallToCubeRatio(int64_t d);

/// χ²_d quantile at probability alpha (Wilson–Hilferty approximation).
double chiSquaredQuantile(int64_t d, double alpha);

/// QSUR of N(mean, covariance) (d values, d × d row-major). Fails on a
/// non-finite input or an all-zero covariance.
llvm::Expected<QSURResult> computeQSUR(llvm::ArrayRef<double> mean,
                                       llvm::ArrayRef<double> covariance,
                                       int64_t d,
                                       const QSUROptions &options = {});

} // namespace mlir::ost

#endif // OST_SUPPORT_QSUR_H
