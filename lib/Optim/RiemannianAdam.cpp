//===- RiemannianAdam.cpp - Adam on the canonical Stiefel manifold --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// geoopt v0.5.0's RiemannianAdam step for a CanonicalStiefel parameter
// (METHOD §5.3): Riemannian gradient, first moment, one scalar second moment
// (the canonical inner product), Cayley retraction that also transports the
// momentum, and a periodic polar projection. Matrix products and the linear
// solve go through DenseKernels, so the step is deterministic for any
// thread count.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include "ost/Optim/DenseKernels.h"
#include "ost/Support/Linalg.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace ost::optim;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Marks a failed update: the point becomes NaN instead of silently stale.
void poison(llvm::MutableArrayRef<double> x, std::vector<double> &m) {
  std::fill(x.begin(), x.end(), std::numeric_limits<double>::quiet_NaN());
  std::fill(m.begin(), m.end(), std::numeric_limits<double>::quiet_NaN());
}

} // namespace

llvm::Error ost::optim::checkStiefelStep(llvm::ArrayRef<double> x,
                                         llvm::ArrayRef<double> grad, int64_t n,
                                         const OptimizerState &state,
                                         bool needsSecondMoment) {
  if (n < 0)
    return makeError("negative matrix size " + llvm::Twine(n));
  size_t size = static_cast<size_t>(n) * n;
  if (x.size() != size)
    return makeError("the parameter holds " + llvm::Twine(x.size()) +
                     " values, expected " + llvm::Twine(n) + "x" +
                     llvm::Twine(n));
  if (grad.size() != size)
    return makeError("the gradient holds " + llvm::Twine(grad.size()) +
                     " values, expected " + llvm::Twine(n) + "x" +
                     llvm::Twine(n));
  if (state.step < 0)
    return makeError("negative optimizer step " + llvm::Twine(state.step));
  bool fresh = state.m.empty() && state.v.empty();
  if (fresh)
    return llvm::Error::success();
  if (state.m.size() != size)
    return makeError("the optimizer state's momentum holds " +
                     llvm::Twine(state.m.size()) + " values, expected " +
                     llvm::Twine(size));
  size_t moments = needsSecondMoment ? 1 : 0;
  if (state.v.size() != moments)
    return makeError("the optimizer state's second moment holds " +
                     llvm::Twine(state.v.size()) + " values, expected " +
                     llvm::Twine(moments));
  return llvm::Error::success();
}

double ost::optim::orthogonalityError(llvm::ArrayRef<double> x, int64_t n) {
  if (n < 0 || x.size() != static_cast<size_t>(n) * n)
    return std::numeric_limits<double>::quiet_NaN();
  return mlir::ost::orthogonalityError(x, n);
}

std::vector<double>
ost::optim::stiefelRiemannianGradient(llvm::ArrayRef<double> x,
                                      llvm::ArrayRef<double> grad, int64_t n,
                                      unsigned numThreads) {
  size_t size = static_cast<size_t>(std::max<int64_t>(n, 0)) * n;
  if (n < 0 || x.size() != size || grad.size() != size)
    return {};
  // ĝ = G − X·(Gᵀ·X).
  std::vector<double> gtx(size), rgrad(grad.begin(), grad.end());
  unsigned threads = std::max(numThreads, 1u);
  gemm(true, false, n, n, n, 1.0, grad.data(), n, x.data(), n, 0.0, gtx.data(),
       n, threads);
  gemm(false, false, n, n, n, -1.0, x.data(), n, gtx.data(), n, 1.0,
       rgrad.data(), n, threads);
  return rgrad;
}

double ost::optim::canonicalSquaredNorm(llvm::ArrayRef<double> x,
                                        llvm::ArrayRef<double> u, int64_t n,
                                        unsigned numThreads) {
  size_t size = static_cast<size_t>(std::max<int64_t>(n, 0)) * n;
  if (n < 0 || x.size() != size || u.size() != size)
    return std::numeric_limits<double>::quiet_NaN();
  std::vector<double> xtu(size);
  gemm(true, false, n, n, n, 1.0, x.data(), n, u.data(), n, 0.0, xtu.data(), n,
       std::max(numThreads, 1u));
  double squared = 0.0, projected = 0.0;
  for (size_t i = 0; i < size; ++i) {
    squared += u[i] * u[i];
    projected += xtu[i] * xtu[i];
  }
  return squared - 0.5 * projected;
}

llvm::Error ost::optim::cayleyRetractTransport(
    llvm::MutableArrayRef<double> x, llvm::MutableArrayRef<double> transported,
    llvm::ArrayRef<double> u, int64_t n, unsigned numThreads) {
  size_t size = static_cast<size_t>(std::max<int64_t>(n, 0)) * n;
  if (n < 0 || x.size() != size || transported.size() != size ||
      u.size() != size)
    return makeError("the Cayley retraction needs " + llvm::Twine(n) + "x" +
                     llvm::Twine(n) + " point, direction and vector");
  if (n == 0)
    return llvm::Error::success();
  unsigned threads = std::max(numThreads, 1u);
  // A = U·Xᵀ − X·Uᵀ, made exactly skew from one product.
  std::vector<double> a(size);
  gemm(false, true, n, n, n, 1.0, u.data(), n, x.data(), n, 0.0, a.data(), n,
       threads);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = r; c < n; ++c) {
      double value = a[r * n + c] - a[c * n + r];
      a[r * n + c] = value;
      a[c * n + r] = -value;
    }
  // (I − A/2)·[X', V'] = (I + A/2)·[X, V].
  std::vector<double> pair(2 * size);
  for (int64_t r = 0; r < n; ++r) {
    std::copy_n(x.begin() + r * n, n, pair.begin() + 2 * r * n);
    std::copy_n(transported.begin() + r * n, n, pair.begin() + 2 * r * n + n);
  }
  std::vector<double> rhs(pair);
  gemm(false, false, n, 2 * n, n, 0.5, a.data(), n, pair.data(), 2 * n, 1.0,
       rhs.data(), 2 * n, threads);
  std::vector<double> &lhs = a;
  for (size_t i = 0; i < size; ++i)
    lhs[i] *= -0.5;
  for (int64_t i = 0; i < n; ++i)
    lhs[i * n + i] += 1.0;
  if (llvm::Error err = solveLinear(lhs, n, rhs, 2 * n, threads))
    return err;
  for (int64_t r = 0; r < n; ++r) {
    std::copy_n(rhs.begin() + 2 * r * n, n, x.begin() + r * n);
    std::copy_n(rhs.begin() + 2 * r * n + n, n, transported.begin() + r * n);
  }
  return llvm::Error::success();
}

void ost::optim::riemannianAdamStep(llvm::MutableArrayRef<double> x,
                                    llvm::ArrayRef<double> grad, int64_t n,
                                    OptimizerState &state,
                                    const AdamConfig &config, double lr) {
  if (llvm::Error err =
          checkStiefelStep(x, grad, n, state, /*needsSecondMoment=*/true)) {
    llvm::consumeError(std::move(err));
    return;
  }
  size_t size = static_cast<size_t>(n) * n;
  unsigned threads = std::max(config.numThreads, 1u);
  if (state.m.empty()) {
    state.m.assign(size, 0.0);
    state.v.assign(1, 0.0);
  }
  int64_t t = ++state.step;
  if (n == 0)
    return;
  std::vector<double> &m = state.m;

  // 1-3. Riemannian gradient and moments; the second moment is one scalar,
  // the canonical squared norm of ĝ.
  std::vector<double> rgrad = stiefelRiemannianGradient(x, grad, n, threads);
  for (size_t i = 0; i < size; ++i)
    m[i] = m[i] * config.beta1 + (1.0 - config.beta1) * rgrad[i];
  state.v[0] =
      state.v[0] * config.beta2 +
      (1.0 - config.beta2) * canonicalSquaredNorm(x, rgrad, n, threads);

  // 4. The step U = −lr·(m/(1−β1^t))/(sqrt(v/(1−β2^t)) + eps).
  double correction1 = 1.0 - std::pow(config.beta1, static_cast<double>(t));
  double correction2 = 1.0 - std::pow(config.beta2, static_cast<double>(t));
  double denom = std::sqrt(state.v[0] / correction2) + config.eps;
  std::vector<double> &u = rgrad;
  for (size_t i = 0; i < size; ++i)
    u[i] = -lr * (m[i] / correction1 / denom);

  // 5. Cayley retraction of X, transporting m.
  if (llvm::Error err = cayleyRetractTransport(x, m, u, n, threads)) {
    llvm::consumeError(std::move(err));
    poison(x, m);
    return;
  }

  // 6. Stabilization: X ← polar(X), m ← m − X·mᵀ·X.
  if (config.stabilize <= 0 || t % config.stabilize != 0)
    return;
  if (llvm::Error err = polarFactor(x, n)) {
    llvm::consumeError(std::move(err));
    poison(x, m);
    return;
  }
  std::vector<double> mtx(size);
  gemm(true, false, n, n, n, 1.0, m.data(), n, x.data(), n, 0.0, mtx.data(), n,
       threads);
  gemm(false, false, n, n, n, -1.0, x.data(), n, mtx.data(), n, 1.0, m.data(),
       n, threads);
}
