//===- GradientTestUtils.cpp - finite-difference checks of gradients ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "GradientTestUtils.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

double mlir::ost::test::dotProduct(const Tensor &a, const Tensor &b) {
  double sum = 0.0;
  for (auto [x, y] : llvm::zip(a.getFloats(), b.getFloats()))
    sum += double(x) * double(y);
  return sum;
}

double mlir::ost::test::directionalError(const Forward &f, const Tensor &r,
                                         const Tensor &x, const Tensor &grad,
                                         double h, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(0.0, 1.0);
  std::vector<double> v(x.getNumElements());
  for (auto [i, vi] : llvm::enumerate(v)) {
    // A random magnitude with the sign of the gradient (random where it is
    // zero), so the directional derivative cannot cancel out by chance.
    float g = grad.getFloats()[i];
    double sign =
        g != 0.0f ? (g > 0.0f ? 1.0 : -1.0) : (dist(gen) < 0.5 ? -1.0 : 1.0);
    vi = sign * dist(gen);
  }
  // The central difference with step `step` and the matching analytic
  // value grad·(x₊ − x₋)/2·step on the float32 perturbed points.
  auto central = [&](double step) {
    Tensor plus = x, minus = x;
    for (int64_t i = 0, e = x.getNumElements(); i < e; ++i) {
      plus.getFloatData()[i] =
          static_cast<float>(x.getFloats()[i] + step * v[i]);
      minus.getFloatData()[i] =
          static_cast<float>(x.getFloats()[i] - step * v[i]);
    }
    double fd = (dotProduct(f(plus), r) - dotProduct(f(minus), r)) / (2 * step);
    double an = 0.0;
    for (int64_t i = 0, e = x.getNumElements(); i < e; ++i)
      an += double(grad.getFloats()[i]) *
            (double(plus.getFloats()[i]) - double(minus.getFloats()[i])) /
            (2 * step);
    return std::pair{fd, an};
  };
  // Richardson extrapolation of steps h and h/2 cancels the h² term.
  auto [fd1, an1] = central(h);
  auto [fd2, an2] = central(h / 2);
  double fd = (4 * fd2 - fd1) / 3, an = (4 * an2 - an1) / 3;
  double scale = std::max(std::fabs(fd), std::fabs(an));
  return scale > 0.0 ? std::fabs(fd - an) / scale : 0.0;
}

void mlir::ost::test::expectGradient(const std::string &what, const Forward &f,
                                     const Tensor &r, const Tensor &x,
                                     const Tensor &grad, double h,
                                     double tolerance, int directions) {
  ASSERT_EQ(grad.getShape(), x.getShape()) << what;
  ASSERT_TRUE(grad.isFloat()) << what;
  for (int d = 0; d < directions; ++d) {
    double err = directionalError(f, r, x, grad, h, 1000 + d);
    EXPECT_LT(err, tolerance) << what << " (direction " << d << ")";
  }
}

Tensor mlir::ost::test::valueOf(KernelResult result) {
  if (!result) {
    ADD_FAILURE() << "kernel failed: " << llvm::toString(result.takeError());
    return Tensor();
  }
  return std::move(*result);
}
