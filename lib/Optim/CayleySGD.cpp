//===- CayleySGD.cpp - SpinQuant's SGDG on the Stiefel manifold -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Cayley SGD (Li et al., ICLR 2020) as SpinQuant's SGDG applies it to a
// square rotation (METHOD §8.3): row normalization, an occasional QR
// re-orthonormalization, the skew generator W of the momentum, an adaptive
// step cap, and a fixed-point approximation of the Cayley transform. SGDG
// works on the transposed parameter; the comments use its names (X for the
// normalized parameter, V for the momentum in the layout of Gᵀ).
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include "ost/Optim/DenseKernels.h"
#include "ost/Support/Linalg.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace ost::optim;

namespace {

/// The transpose of the n × n matrix `a`.
std::vector<double> transposed(llvm::ArrayRef<double> a, int64_t n) {
  std::vector<double> t(a.size());
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      t[c * n + r] = a[r * n + c];
  return t;
}

} // namespace

bool ost::optim::cayleySGDDrawsQR(const CayleySGDConfig &config, int64_t step,
                                  uint64_t paramIndex) {
  if (!(config.qrProbability > 0.0))
    return false;
  std::string name = ("cayley-sgd-qr/step-" + llvm::Twine(step) + "/param-" +
                      llvm::Twine(paramIndex))
                         .str();
  mlir::ost::RandomStream stream(mlir::ost::deriveSeed(config.seed, name));
  return stream.uniform() < config.qrProbability;
}

void ost::optim::cayleySGDStep(llvm::MutableArrayRef<double> x,
                               llvm::ArrayRef<double> grad, int64_t n,
                               OptimizerState &state,
                               const CayleySGDConfig &config, double lr,
                               uint64_t paramIndex) {
  if (llvm::Error err =
          checkStiefelStep(x, grad, n, state, /*needsSecondMoment=*/false)) {
    llvm::consumeError(std::move(err));
    return;
  }
  size_t size = static_cast<size_t>(n) * n;
  unsigned threads = std::max(config.numThreads, 1u);
  if (state.m.empty())
    state.m.assign(size, 0.0);
  int64_t t = ++state.step;
  if (n == 0)
    return;

  // X: the rows of the parameter over their norms (SGDG's `unit`).
  std::vector<double> unit(x.begin(), x.end());
  for (int64_t r = 0; r < n; ++r) {
    double norm = 0.0;
    for (int64_t c = 0; c < n; ++c)
      norm += unit[r * n + c] * unit[r * n + c];
    double scale = 1.0 / (std::sqrt(norm) + config.eps);
    for (int64_t c = 0; c < n; ++c)
      unit[r * n + c] *= scale;
  }
  if (cayleySGDDrawsQR(config, t, paramIndex)) {
    // qr_retraction: the sign-fixed Q of Xᵀ, transposed back.
    std::vector<double> xt = transposed(unit, n);
    if (llvm::Error err = qrOrthonormalize(xt, n)) {
      llvm::consumeError(std::move(err));
      std::fill(x.begin(), x.end(), std::numeric_limits<double>::quiet_NaN());
      return;
    }
    unit = transposed(xt, n);
  }

  // V = momentum·V − Gᵀ.
  std::vector<double> v(size);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      v[r * n + c] = config.momentum * state.m[r * n + c] - grad[c * n + r];

  // Ŵ = V·X − ½·Xᵀ·(X·(V·X)), W = Ŵ − Ŵᵀ.
  std::vector<double> vx(size), xvx(size), w(size);
  gemm(false, false, n, n, n, 1.0, v.data(), n, unit.data(), n, 0.0, vx.data(),
       n, threads);
  gemm(false, false, n, n, n, 1.0, unit.data(), n, vx.data(), n, 0.0,
       xvx.data(), n, threads);
  std::vector<double> &what = vx;
  gemm(true, false, n, n, n, -0.5, unit.data(), n, xvx.data(), n, 1.0,
       what.data(), n, threads);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      w[r * n + c] = what[r * n + c] - what[c * n + r];

  // α = min(lr, 1/(‖W‖₁ + eps)), ‖W‖₁ the largest absolute column sum.
  std::vector<double> columnSums(n, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < n; ++c)
      columnSums[c] += std::fabs(w[r * n + c]);
  double norm1 = *std::max_element(columnSums.begin(), columnSums.end());
  double alpha = std::min(1.0 / (norm1 + config.eps), lr);

  // Y = Xᵀ + α·V, then Y = Xᵀ + α·W·(Xᵀ + Y)/2 (fixed point of the Cayley
  // transform).
  std::vector<double> xt = transposed(unit, n), y(size), half(size);
  for (size_t i = 0; i < size; ++i)
    y[i] = xt[i] + alpha * v[i];
  for (int64_t it = 0; it < config.fixedPointIterations; ++it) {
    for (size_t i = 0; i < size; ++i)
      half[i] = 0.5 * (xt[i] + y[i]);
    gemm(false, false, n, n, n, 1.0, w.data(), n, half.data(), n, 0.0, y.data(),
         n, threads);
    for (size_t i = 0; i < size; ++i)
      y[i] = xt[i] + alpha * y[i];
  }

  // The momentum W·Xᵀ and the new parameter Yᵀ.
  gemm(false, false, n, n, n, 1.0, w.data(), n, xt.data(), n, 0.0,
       state.m.data(), n, threads);
  std::vector<double> result = transposed(y, n);
  std::copy(result.begin(), result.end(), x.begin());
}
