//===- QSUR.cpp - quantization space utilization rate ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// log QSUR of N(μ, Σ) as QSUR.h spells it out: ½·Σ log λ_i from the
// eigenvalues of Σ (symmetricEigenvalues, small ones clamped), the grid side L
// from the diagonal of Σ and the mean, and χ²_d(α) from the Wilson–Hilferty
// approximation with an inverse normal CDF (Acklam's rational approximation
// refined by one Halley step).
//
//===----------------------------------------------------------------------===//

#include "ost/Support/QSUR.h"

#include "ost/Support/Linalg.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

namespace mlir::ost {

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "computeQSUR: " + message);
}

/// `value` in %g notation, for messages (Twine has no double).
std::string formatDouble(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

/// Evaluates c[0]·x^(N-1) + … + c[N-1] (Horner).
template <size_t N> double polynomial(const double (&c)[N], double x) {
  double result = 0.0;
  for (double coefficient : c)
    result = result * x + coefficient;
  return result;
}

/// Φ⁻¹(p) for p ∈ (0, 1): Acklam's piecewise rational approximation
/// (relative error about 1e-9), then one Halley step on Φ(x) − p, which
/// brings it to near double precision.
double inverseNormalCdf(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01, 1.0};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00, 1.0};
  constexpr double kLowTail = 0.02425;
  double x;
  if (p < kLowTail) {
    double q = std::sqrt(-2.0 * std::log(p));
    x = polynomial(c, q) / polynomial(d, q);
  } else if (p > 1.0 - kLowTail) {
    double q = std::sqrt(-2.0 * std::log1p(-p));
    x = -polynomial(c, q) / polynomial(d, q);
  } else {
    double q = p - 0.5;
    double r = q * q;
    x = q * polynomial(a, r) / polynomial(b, r);
  }
  // Halley: e = Φ(x) − p, u = e/φ(x), x ← x − u/(1 + x·u/2).
  double e = 0.5 * std::erfc(-x / llvm::numbers::sqrt2) - p;
  double u = e * std::sqrt(2.0 * llvm::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

llvm::Error checkInputs(llvm::ArrayRef<double> mean,
                        llvm::ArrayRef<double> covariance, int64_t d,
                        const QSUROptions &options) {
  if (d <= 0)
    return makeError("the dimension must be positive, got " + llvm::Twine(d));
  size_t expected = static_cast<size_t>(d) * d;
  if (covariance.size() != expected)
    return makeError("the covariance of dimension " + llvm::Twine(d) +
                     " needs " + llvm::Twine(expected) + " values, got " +
                     llvm::Twine(covariance.size()));
  // The mean is only read with useMean; otherwise it may be left empty.
  bool meanGiven = options.useMean || !mean.empty();
  if (meanGiven && mean.size() != static_cast<size_t>(d))
    return makeError("the mean of dimension " + llvm::Twine(d) + " needs " +
                     llvm::Twine(d) + " values, got " +
                     llvm::Twine(mean.size()));
  if (options.useMean && !(options.alpha > 0.0 && options.alpha < 1.0))
    return makeError("the confidence level alpha must lie in (0, 1), got " +
                     formatDouble(options.alpha));
  if (!(options.relEigenFloor >= 0.0 && options.relEigenFloor < 1.0))
    return makeError("relEigenFloor must lie in [0, 1), got " +
                     formatDouble(options.relEigenFloor));
  if (meanGiven)
    for (int64_t j = 0; j < d; ++j)
      if (!std::isfinite(mean[j]))
        return makeError("mean entry " + llvm::Twine(j) + " is not finite");
  for (size_t i = 0; i < covariance.size(); ++i)
    if (!std::isfinite(covariance[i]))
      return makeError("covariance entry (" + llvm::Twine(int64_t(i) / d) +
                       ", " + llvm::Twine(int64_t(i) % d) + ") is not finite");
  return llvm::Error::success();
}

/// Fills the eigenvalue fields of `result` (halfLogDet over the clamped
/// eigenvalues, the raw extremes, the clamp count).
llvm::Error analyseEigenvalues(llvm::ArrayRef<double> covariance, int64_t d,
                               double relEigenFloor, QSURResult &result) {
  std::vector<double> eigenvalues;
  if (llvm::Error err = symmetricEigenvalues(covariance, d, eigenvalues))
    return err;
  result.minEigenvalue = eigenvalues.front();
  result.maxEigenvalue = eigenvalues.back();
  if (!(result.maxEigenvalue > 0.0))
    return makeError("the covariance has no positive eigenvalue (largest " +
                     formatDouble(result.maxEigenvalue) + ")");
  double floor = relEigenFloor * result.maxEigenvalue;
  double sumLog = 0.0;
  for (double lambda : eigenvalues) {
    if (lambda < floor) {
      lambda = floor;
      ++result.clampedEigenvalues;
    }
    sumLog += std::log(lambda);
  }
  result.halfLogDet = 0.5 * sumLog;
  return llvm::Error::success();
}

/// log L for the general form: the side of the smallest grid containing
/// every μ_j ± r_j with r_j = sqrt(c·Σ_jj).
double logGridSide(llvm::ArrayRef<double> mean,
                   llvm::ArrayRef<double> covariance, int64_t d, double c,
                   bool symmetric) {
  double reach = 0.0;
  double hi = -std::numeric_limits<double>::infinity();
  double lo = std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < d; ++j) {
    double r = std::sqrt(c * std::max(covariance[j * d + j], 0.0));
    reach = std::max(reach, std::fabs(mean[j]) + r);
    hi = std::max(hi, mean[j] + r);
    lo = std::min(lo, mean[j] - r);
  }
  return std::log(symmetric ? 2.0 * reach : hi - lo);
}

} // namespace

double logBallToCubeRatio(int64_t d) {
  if (d <= 0)
    return 0.0;
  double half = 0.5 * static_cast<double>(d);
  return half * std::log(llvm::numbers::pi) -
         static_cast<double>(d) * llvm::numbers::ln2 - std::lgamma(half + 1.0);
}

double chiSquaredQuantile(int64_t d, double alpha) {
  if (d <= 0 || !(alpha > 0.0 && alpha < 1.0))
    return std::numeric_limits<double>::quiet_NaN();
  // Wilson–Hilferty: (χ²_d/d)^(1/3) ≈ N(1 − 2/(9d), 2/(9d)).
  double v = 2.0 / (9.0 * static_cast<double>(d));
  double base = 1.0 - v + inverseNormalCdf(alpha) * std::sqrt(v);
  base = std::max(base, 0.0);
  return static_cast<double>(d) * base * base * base;
}

llvm::Expected<QSURResult> computeQSUR(llvm::ArrayRef<double> mean,
                                       llvm::ArrayRef<double> covariance,
                                       int64_t d, const QSUROptions &options) {
  if (llvm::Error err = checkInputs(mean, covariance, d, options))
    return std::move(err);
  QSURResult result;
  result.dim = d;
  for (int64_t j = 0; j < d; ++j)
    result.maxDiagonal = std::max(result.maxDiagonal, covariance[j * d + j]);
  if (!(result.maxDiagonal > 0.0))
    return makeError("the covariance is zero (no positive diagonal entry)");
  if (llvm::Error err =
          analyseEigenvalues(covariance, d, options.relEigenFloor, result))
    return std::move(err);

  double halfD = 0.5 * static_cast<double>(d);
  if (!options.useMean) {
    // μ = 0: c cancels and both grids have side 2·sqrt(c·max Σ_jj).
    result.logQsur = logBallToCubeRatio(d) + result.halfLogDet -
                     halfD * std::log(result.maxDiagonal);
  } else {
    double c = chiSquaredQuantile(d, options.alpha);
    if (!(c > 0.0))
      return makeError("chi-squared quantile of dimension " + llvm::Twine(d) +
                       " at alpha " + formatDouble(options.alpha) +
                       " is not positive");
    double logVolume = halfD * std::log(llvm::numbers::pi) -
                       std::lgamma(halfD + 1.0) + halfD * std::log(c) +
                       result.halfLogDet;
    result.logQsur =
        logVolume - static_cast<double>(d) *
                        logGridSide(mean, covariance, d, c, options.symmetric);
  }
  result.logQsurPerDim = result.logQsur / static_cast<double>(d);
  return result;
}

} // namespace mlir::ost
