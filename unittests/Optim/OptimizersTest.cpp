//===- OptimizersTest.cpp - Stiefel and Euclidean optimizer steps ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include "ost/Support/Linalg.h"

#include "gtest/gtest.h"

#include <cblas.h>

#include "../Common/NaiveMatrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using namespace ost::optim;
using namespace ost::testing;

namespace {

Matrix subtract(const Matrix &a, const Matrix &b) {
  Matrix c(a.size());
  for (size_t i = 0; i < a.size(); ++i)
    c[i] = a[i] - b[i];
  return c;
}

double maxAbs(const Matrix &a) {
  double worst = 0.0;
  for (double x : a)
    worst = std::max(worst, std::fabs(x));
  return worst;
}

double frobeniusSquared(const Matrix &a) {
  double sum = 0.0;
  for (double x : a)
    sum += x * x;
  return sum;
}

/// ‖M + Mᵀ‖_max: 0 for a skew-symmetric M.
double skewError(const Matrix &m, int64_t n) {
  double worst = 0.0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      worst = std::max(worst, std::fabs(m[i * n + j] + m[j * n + i]));
  return worst;
}

Matrix randomMatrix(int64_t n, uint64_t seed, double scale = 1.0) {
  mlir::ost::RandomStream stream(seed);
  Matrix m(n * n);
  for (double &x : m)
    x = scale * stream.normal();
  return m;
}

/// (I − A/2)⁻¹(I + A/2)·X by Gauss–Jordan elimination with partial pivoting.
Matrix naiveCayley(const Matrix &a, const Matrix &x, int64_t n) {
  Matrix lhs(n * n), rhs = x;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      lhs[i * n + j] = (i == j ? 1.0 : 0.0) - 0.5 * a[i * n + j];
  Matrix plus(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      plus[i * n + j] = (i == j ? 1.0 : 0.0) + 0.5 * a[i * n + j];
  rhs = multiply(plus, x, n);
  for (int64_t col = 0; col < n; ++col) {
    int64_t pivot = col;
    for (int64_t r = col + 1; r < n; ++r)
      if (std::fabs(lhs[r * n + col]) > std::fabs(lhs[pivot * n + col]))
        pivot = r;
    for (int64_t j = 0; j < n; ++j) {
      std::swap(lhs[col * n + j], lhs[pivot * n + j]);
      std::swap(rhs[col * n + j], rhs[pivot * n + j]);
    }
    double d = lhs[col * n + col];
    for (int64_t j = 0; j < n; ++j) {
      lhs[col * n + j] /= d;
      rhs[col * n + j] /= d;
    }
    for (int64_t r = 0; r < n; ++r) {
      if (r == col)
        continue;
      double f = lhs[r * n + col];
      for (int64_t j = 0; j < n; ++j) {
        lhs[r * n + j] -= f * lhs[col * n + j];
        rhs[r * n + j] -= f * rhs[col * n + j];
      }
    }
  }
  return rhs;
}

/// A target rotation in X0's connected component: a Cayley step of X0.
Matrix targetRotation(const Matrix &x0, int64_t n, uint64_t seed) {
  Matrix s = randomMatrix(n, seed, 0.3);
  Matrix skew(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      skew[i * n + j] = s[i * n + j] - s[j * n + i];
  return naiveCayley(skew, x0, n);
}

/// f(X) = ‖X − R‖² and its Euclidean gradient 2(X − R).
double distanceObjective(const Matrix &x, const Matrix &r, Matrix &grad) {
  Matrix d = subtract(x, r);
  grad.resize(d.size());
  for (size_t i = 0; i < d.size(); ++i)
    grad[i] = 2.0 * d[i];
  return frobeniusSquared(d);
}

bool bitwiseEqual(const Matrix &a, const Matrix &b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

//===----------------------------------------------------------------------===//
// Riemannian Adam
//===----------------------------------------------------------------------===//

TEST(RiemannianAdamTest, ProjectedGradientIsTangent) {
  const int64_t n = 12;
  Matrix x = mlir::ost::randomOrthogonal(n, 1);
  Matrix g = randomMatrix(n, 2);
  Matrix rgrad = stiefelRiemannianGradient(x, g, n);
  ASSERT_EQ(rgrad.size(), size_t(n * n));
  // ĝ = G − X·Gᵀ·X, and Xᵀĝ is skew-symmetric.
  Matrix expected =
      subtract(g, multiply(multiply(x, transpose(g, n), n), x, n));
  EXPECT_LT(maxAbs(subtract(rgrad, expected)), 1e-12);
  EXPECT_LT(skewError(multiply(transpose(x, n), rgrad, n), n), 1e-12);
  EXPECT_TRUE(stiefelRiemannianGradient(x, g, n + 1).empty());
}

TEST(RiemannianAdamTest, CanonicalInnerProductMatchesItsDefinition) {
  const int64_t n = 10;
  Matrix x = mlir::ost::randomOrthogonal(n, 3);
  Matrix u = stiefelRiemannianGradient(x, randomMatrix(n, 4), n);
  // tr(uᵀ(I − ½XXᵀ)u), computed directly.
  Matrix xxt = multiply(x, transpose(x, n), n);
  Matrix middle(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      middle[i * n + j] = (i == j ? 1.0 : 0.0) - 0.5 * xxt[i * n + j];
  Matrix product = multiply(transpose(u, n), multiply(middle, u, n), n);
  double trace = 0.0;
  for (int64_t i = 0; i < n; ++i)
    trace += product[i * n + i];
  double value = canonicalSquaredNorm(x, u, n);
  EXPECT_NEAR(value, trace, 1e-12 * std::fabs(trace));
  // For a square orthogonal X and a tangent u it is half the Frobenius norm.
  EXPECT_NEAR(value, 0.5 * frobeniusSquared(u), 1e-12 * frobeniusSquared(u));
  EXPECT_TRUE(std::isnan(canonicalSquaredNorm(x, u, n - 1)));
}

TEST(RiemannianAdamTest, CayleyRetractionAndTransport) {
  const int64_t n = 9;
  Matrix x = mlir::ost::randomOrthogonal(n, 5);
  Matrix u = stiefelRiemannianGradient(x, randomMatrix(n, 6, 0.2), n);
  Matrix m = stiefelRiemannianGradient(x, randomMatrix(n, 7), n);
  Matrix a = subtract(multiply(u, transpose(x, n), n),
                      multiply(x, transpose(u, n), n));
  Matrix expectedX = naiveCayley(a, x, n), expectedM = naiveCayley(a, m, n);
  Matrix newX = x, newM = m;
  ASSERT_FALSE(llvm::errorToBool(cayleyRetractTransport(newX, newM, u, n)));
  EXPECT_LT(maxAbs(subtract(newX, expectedX)), 1e-13);
  EXPECT_LT(maxAbs(subtract(newM, expectedM)), 1e-13);
  EXPECT_LT(orthogonalityError(newX, n), 1e-13);
  // The transported vector is tangent at the new point: XᵀM is preserved.
  EXPECT_LT(skewError(multiply(transpose(newX, n), newM, n), n), 1e-12);
  EXPECT_LT(maxAbs(subtract(multiply(transpose(newX, n), newM, n),
                            multiply(transpose(x, n), m, n))),
            1e-12);
  // Zero direction: the identity map.
  Matrix zero(n * n, 0.0), same = x, sameM = m;
  ASSERT_FALSE(llvm::errorToBool(cayleyRetractTransport(same, sameM, zero, n)));
  EXPECT_TRUE(bitwiseEqual(same, x));
  Matrix wrong(3);
  llvm::Error err = cayleyRetractTransport(same, sameM, wrong, n);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the Cayley retraction needs 9x9 point, direction and vector");
}

TEST(RiemannianAdamTest, FirstStepIsANormalizedCayleyStep) {
  // With m = v = 0, step 1 has m̂ = ĝ and v̂ = ⟨ĝ,ĝ⟩_X, so
  // U = −lr·ĝ/(sqrt(⟨ĝ,ĝ⟩_X) + eps).
  const int64_t n = 8;
  const double lr = 0.05;
  Matrix x = mlir::ost::randomOrthogonal(n, 8);
  Matrix g = randomMatrix(n, 9);
  Matrix rgrad = stiefelRiemannianGradient(x, g, n);
  double norm = std::sqrt(canonicalSquaredNorm(x, rgrad, n));
  Matrix u(n * n);
  for (size_t i = 0; i < u.size(); ++i)
    u[i] = -lr * rgrad[i] / (norm + 1e-8);
  Matrix a = subtract(multiply(u, transpose(x, n), n),
                      multiply(x, transpose(u, n), n));
  Matrix expected = naiveCayley(a, x, n);

  OptimizerState state;
  Matrix stepped = x;
  riemannianAdamStep(stepped, g, n, state, AdamConfig(), lr);
  EXPECT_EQ(state.step, 1);
  ASSERT_EQ(state.v.size(), 1u);
  EXPECT_NEAR(state.v[0], 0.001 * norm * norm, 1e-15 * norm * norm);
  EXPECT_LT(maxAbs(subtract(stepped, expected)), 1e-13);
  EXPECT_LT(orthogonalityError(stepped, n), 1e-12);
  // ‖U‖_F = √2·lr (⟨U,U⟩_X = ½‖U‖_F² for a square X), and the Cayley map
  // of geoopt's A = U·Xᵀ − X·Uᵀ moves a square X by A·X = 2U to first order:
  // the step is 2√2·lr in Frobenius norm.
  double moved = std::sqrt(frobeniusSquared(subtract(stepped, x)));
  EXPECT_NEAR(moved, 2.0 * std::sqrt(2.0) * lr, 0.01 * lr);
}

TEST(RiemannianAdamTest, StepsKeepTheMatrixOrthogonal) {
  const int64_t n = 32;
  Matrix x = mlir::ost::randomOrthogonal(n, 10);
  OptimizerState state;
  AdamConfig config;
  config.stabilize = 0;
  for (int step = 0; step < 25; ++step) {
    riemannianAdamStep(x, randomMatrix(n, 100 + step), n, state, config, 0.05);
    EXPECT_LT(orthogonalityError(x, n), 1e-12) << "step " << step + 1;
  }
  EXPECT_EQ(state.step, 25);
}

TEST(RiemannianAdamTest, StabilizesEveryTenSteps) {
  // Start 1e-4 off the manifold: the Cayley map preserves the defect until
  // the polar projection of step 10 removes it.
  const int64_t n = 16;
  Matrix x = mlir::ost::randomOrthogonal(n, 11);
  Matrix noise = randomMatrix(n, 12, 1e-4);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += noise[i];
  double initial = orthogonalityError(x, n);
  ASSERT_GT(initial, 1e-5);
  OptimizerState state;
  AdamConfig config;
  for (int step = 1; step <= 20; ++step) {
    riemannianAdamStep(x, randomMatrix(n, 200 + step), n, state, config, 0.01);
    double error = orthogonalityError(x, n);
    if (step == 10 || step == 20) {
      EXPECT_LT(error, 1e-14) << "step " << step;
      // The momentum was projected onto the tangent space.
      EXPECT_LT(skewError(multiply(transpose(x, n), state.m, n), n), 1e-14);
    } else if (step < 10) {
      EXPECT_GT(error, 0.5 * initial) << "step " << step;
    } else {
      EXPECT_LT(error, 1e-12) << "step " << step;
    }
  }
  // stabilize = 0 never projects.
  Matrix y = mlir::ost::randomOrthogonal(n, 13);
  for (size_t i = 0; i < y.size(); ++i)
    y[i] += noise[i];
  OptimizerState other;
  config.stabilize = 0;
  for (int step = 1; step <= 10; ++step)
    riemannianAdamStep(y, randomMatrix(n, 300 + step), n, other, config, 0.01);
  EXPECT_GT(orthogonalityError(y, n), 0.5 * initial);
}

TEST(RiemannianAdamTest, ConvergesToATargetRotation) {
  // min ‖X − R‖² over the rotations, R in X0's component. Adam's normalized
  // steps oscillate near the optimum, so the objective is only checked at a
  // few points of the linearly decaying schedule.
  const int64_t n = 8;
  Matrix x = mlir::ost::randomOrthogonal(n, 14);
  Matrix target = targetRotation(x, n, 15);
  Matrix grad;
  OptimizerState state;
  const int64_t steps = 300;
  std::vector<double> objective;
  for (int64_t step = 0; step <= steps; ++step) {
    objective.push_back(distanceObjective(x, target, grad));
    if (step < steps)
      riemannianAdamStep(x, grad, n, state, AdamConfig(),
                         linearDecay(0.1, step, steps));
  }
  EXPECT_GT(objective[0], 1.0);
  EXPECT_LT(objective[100], 0.1 * objective[0]);
  EXPECT_LT(objective[steps], objective[200]);
  EXPECT_LT(objective[steps], 1e-4 * objective[0]);
  EXPECT_LT(orthogonalityError(x, n), 1e-12);
}

TEST(RiemannianAdamTest, ThreadCountDoesNotChangeTheResult) {
  // n = 300 spans several gemm row tiles and solve column tiles.
  const int64_t n = 300;
  Matrix x0 = mlir::ost::randomOrthogonal(n, 16);
  AdamConfig config;
  config.stabilize = 2;
  auto run = [&](unsigned threads, int blasThreads) {
    openblas_set_num_threads(blasThreads);
    config.numThreads = threads;
    Matrix x = x0;
    OptimizerState state;
    for (int step = 0; step < 2; ++step)
      riemannianAdamStep(x, randomMatrix(n, 400 + step), n, state, config,
                         0.02);
    x.insert(x.end(), state.m.begin(), state.m.end());
    x.push_back(state.v[0]);
    return x;
  };
  Matrix one = run(1, 1), many = run(3, 2);
  EXPECT_TRUE(bitwiseEqual(one, many));
  EXPECT_TRUE(bitwiseEqual(one, run(2, 1)));
}

TEST(RiemannianAdamTest, InvalidOperandsChangeNothing) {
  const int64_t n = 4;
  Matrix x = mlir::ost::randomOrthogonal(n, 17), before = x;
  Matrix g = randomMatrix(n, 18);
  OptimizerState state;
  state.m.assign(5, 0.0);
  state.v.assign(1, 0.0);
  llvm::Error err = checkStiefelStep(x, g, n, state, true);
  ASSERT_TRUE(static_cast<bool>(err));
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the optimizer state's momentum holds 5 values, expected 16");
  riemannianAdamStep(x, g, n, state, AdamConfig(), 0.1);
  EXPECT_TRUE(bitwiseEqual(x, before));
  EXPECT_EQ(state.step, 0);
  err = checkStiefelStep(x, Matrix(3), n, OptimizerState(), true);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the gradient holds 3 values, expected 4x4");
  EXPECT_FALSE(
      llvm::errorToBool(checkStiefelStep(x, g, n, OptimizerState(), true)));
}

//===----------------------------------------------------------------------===//
// Adam
//===----------------------------------------------------------------------===//

TEST(AdamTest, MatchesAHandComputedTwoStepExample) {
  // β = (0.9, 0.999), eps = 1e-8, lr = 0.1. Step 1: m̂ = g, v̂ = g², so each
  // entry moves by lr·|g|/(|g| + eps) against the gradient's sign. Step 2
  // (worked out in double): m = (0.055, −0.06), v = (2.5975e-4, 1.089e-3),
  // m̂ = m/0.19, v̂ = v/0.001999.
  Matrix x = {1.0, -2.0};
  OptimizerState state;
  adamStep(x, {0.5, -1.0}, state, AdamConfig(), 0.1);
  EXPECT_NEAR(x[0], 0.900000002, 1e-15);
  EXPECT_NEAR(x[1], -1.900000001, 1e-15);
  adamStep(x, {0.1, 0.3}, state, AdamConfig(), 0.1);
  EXPECT_NEAR(state.m[0], 0.055, 1e-16);
  EXPECT_NEAR(state.m[1], -0.06, 1e-16);
  EXPECT_NEAR(state.v[0], 2.5975e-4, 1e-17);
  EXPECT_NEAR(state.v[1], 1.089e-3, 1e-17);
  EXPECT_NEAR(x[0], 0.8196959063846518, 1e-14);
  EXPECT_NEAR(x[1], -1.8572151424292265, 1e-14);
  EXPECT_EQ(state.step, 2);
}

TEST(AdamTest, RejectsMismatchedSizes) {
  Matrix x = {1.0, 2.0};
  OptimizerState state;
  llvm::Error err = checkAdamStep(x, {1.0}, state);
  EXPECT_EQ(llvm::toString(std::move(err)),
            "the gradient holds 1 values, the parameter 2");
  adamStep(x, {1.0}, state, AdamConfig(), 0.1);
  EXPECT_EQ(x, (Matrix{1.0, 2.0}));
  EXPECT_EQ(state.step, 0);
}

//===----------------------------------------------------------------------===//
// Cayley SGD
//===----------------------------------------------------------------------===//

TEST(CayleySGDTest, ConvergesToATargetRotation) {
  // The five fixed-point iterations only approximate the Cayley transform,
  // so X drifts off the manifold by up to ~1e-3 on the large early steps;
  // the random QR re-orthonormalization (or convergence) removes the drift.
  const int64_t n = 8;
  Matrix x = mlir::ost::randomOrthogonal(n, 19);
  Matrix target = targetRotation(x, n, 20);
  Matrix grad;
  double initial = distanceObjective(x, target, grad);
  OptimizerState state;
  CayleySGDConfig config;
  config.seed = 7;
  const int64_t steps = 200;
  double worstOrthogonality = 0.0;
  for (int64_t step = 0; step < steps; ++step) {
    distanceObjective(x, target, grad);
    cayleySGDStep(x, grad, n, state, config, cosineDecay(0.5, step, steps),
                  /*paramIndex=*/0);
    worstOrthogonality = std::max(worstOrthogonality, orthogonalityError(x, n));
  }
  double final = distanceObjective(x, target, grad);
  RecordProperty("final_over_initial", std::to_string(final / initial));
  RecordProperty("worst_orthogonality", std::to_string(worstOrthogonality));
  EXPECT_LT(final, 1e-6 * initial);
  EXPECT_LT(worstOrthogonality, 5e-3);
  // The row normalization divides by ‖x_r‖ + 1e-8.
  EXPECT_LT(orthogonalityError(x, n), 1e-6);
  EXPECT_EQ(state.step, steps);
}

TEST(CayleySGDTest, StepMatchesTheSGDGFormulas) {
  const int64_t n = 6;
  const double lr = 0.3;
  Matrix x = mlir::ost::randomOrthogonal(n, 21);
  Matrix g = randomMatrix(n, 22);
  // Unit rows (X is orthogonal: the norms are 1 up to rounding).
  Matrix unit = x;
  for (int64_t r = 0; r < n; ++r) {
    double norm = 0.0;
    for (int64_t c = 0; c < n; ++c)
      norm += x[r * n + c] * x[r * n + c];
    for (int64_t c = 0; c < n; ++c)
      unit[r * n + c] = x[r * n + c] / (std::sqrt(norm) + 1e-8);
  }
  Matrix v = transpose(g, n);
  for (double &e : v)
    e = -e;
  // Ŵ = V·X − ½·Xᵀ(X·V·X), W = Ŵ − Ŵᵀ.
  Matrix vx = multiply(v, unit, n);
  Matrix xxvx = multiply(transpose(unit, n), multiply(unit, vx, n), n);
  Matrix what(n * n);
  for (size_t i = 0; i < what.size(); ++i)
    what[i] = vx[i] - 0.5 * xxvx[i];
  Matrix w = subtract(what, transpose(what, n));
  double norm1 = 0.0;
  for (int64_t c = 0; c < n; ++c) {
    double sum = 0.0;
    for (int64_t r = 0; r < n; ++r)
      sum += std::fabs(w[r * n + c]);
    norm1 = std::max(norm1, sum);
  }
  double alpha = std::min(1.0 / (norm1 + 1e-8), lr);
  Matrix xt = transpose(unit, n), y(n * n);
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = xt[i] + alpha * v[i];
  for (int it = 0; it < 5; ++it) {
    Matrix half(n * n);
    for (size_t i = 0; i < half.size(); ++i)
      half[i] = 0.5 * (xt[i] + y[i]);
    Matrix wh = multiply(w, half, n);
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = xt[i] + alpha * wh[i];
  }
  Matrix expected = transpose(y, n);

  CayleySGDConfig config;
  config.qrProbability = 0.0;
  OptimizerState state;
  cayleySGDStep(x, g, n, state, config, lr, 0);
  EXPECT_LT(maxAbs(subtract(x, expected)), 1e-13);
  EXPECT_LT(maxAbs(subtract(state.m, multiply(w, xt, n))), 1e-13);
  // The fixed-point iteration only approximates the Cayley transform.
  EXPECT_LT(orthogonalityError(x, n), 1e-2);
}

TEST(CayleySGDTest, QRDrawIsAPureFunctionOfSeedStepAndParameter) {
  CayleySGDConfig config;
  config.seed = 42;
  int64_t draws = 0;
  const int64_t trials = 20000;
  for (int64_t step = 1; step <= trials; ++step)
    draws += cayleySGDDrawsQR(config, step, 3);
  // About 1/101 of the steps.
  EXPECT_GT(draws, trials / 101 / 2);
  EXPECT_LT(draws, trials / 101 * 2);
  for (int64_t step = 1; step <= 200; ++step)
    EXPECT_EQ(cayleySGDDrawsQR(config, step, 3),
              cayleySGDDrawsQR(config, step, 3));
  int64_t differ = 0;
  for (int64_t step = 1; step <= trials; ++step)
    differ +=
        cayleySGDDrawsQR(config, step, 3) != cayleySGDDrawsQR(config, step, 4);
  EXPECT_GT(differ, 0);
  config.qrProbability = 1.0;
  EXPECT_TRUE(cayleySGDDrawsQR(config, 5, 0));
  config.qrProbability = 0.0;
  EXPECT_FALSE(cayleySGDDrawsQR(config, 5, 0));
}

TEST(CayleySGDTest, QRReorthonormalizesBeforeTheStep) {
  // With lr = 0 the step leaves the (normalized, maybe QR'd) X as is.
  const int64_t n = 7;
  Matrix x = mlir::ost::randomOrthogonal(n, 23);
  Matrix noise = randomMatrix(n, 24, 1e-3);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += noise[i];
  Matrix g = randomMatrix(n, 25);
  CayleySGDConfig config;
  config.qrProbability = 1.0;
  Matrix withQR = x;
  OptimizerState state;
  cayleySGDStep(withQR, g, n, state, config, 0.0, 0);
  EXPECT_LT(orthogonalityError(withQR, n), 1e-14);
  // The QR of Xᵀ keeps X's orientation: it stays close to X.
  EXPECT_LT(maxAbs(subtract(withQR, x)), 1e-2);
  config.qrProbability = 0.0;
  Matrix withoutQR = x;
  OptimizerState other;
  cayleySGDStep(withoutQR, g, n, other, config, 0.0, 0);
  EXPECT_GT(orthogonalityError(withoutQR, n), 1e-4);
}

TEST(CayleySGDTest, ThreadCountDoesNotChangeTheResult) {
  const int64_t n = 260;
  Matrix x0 = mlir::ost::randomOrthogonal(n, 26);
  auto run = [&](unsigned threads) {
    CayleySGDConfig config;
    config.numThreads = threads;
    config.qrProbability = 0.5;
    config.momentum = 0.9;
    Matrix x = x0;
    OptimizerState state;
    for (int step = 0; step < 3; ++step)
      cayleySGDStep(x, randomMatrix(n, 500 + step), n, state, config, 0.1, 1);
    x.insert(x.end(), state.m.begin(), state.m.end());
    return x;
  };
  EXPECT_TRUE(bitwiseEqual(run(1), run(3)));
}

//===----------------------------------------------------------------------===//
// Schedules and clipping
//===----------------------------------------------------------------------===//

TEST(ScheduleTest, LinearDecay) {
  EXPECT_DOUBLE_EQ(linearDecay(0.2, 0, 100), 0.2);
  EXPECT_DOUBLE_EQ(linearDecay(0.2, 50, 100), 0.1);
  EXPECT_DOUBLE_EQ(linearDecay(0.2, 99, 100), 0.2 * 0.01);
  EXPECT_EQ(linearDecay(0.2, 100, 100), 0.0);
  EXPECT_EQ(linearDecay(0.2, 150, 100), 0.0);
  EXPECT_EQ(linearDecay(0.2, 0, 0), 0.0);
  EXPECT_DOUBLE_EQ(linearDecay(0.2, -5, 100), 0.2);
}

TEST(ScheduleTest, CosineDecay) {
  EXPECT_DOUBLE_EQ(cosineDecay(1.5, 0, 100), 1.5);
  EXPECT_NEAR(cosineDecay(1.5, 50, 100), 0.75, 1e-15);
  EXPECT_NEAR(cosineDecay(1.5, 25, 100), 1.5 * 0.5 * (1 + std::sqrt(0.5)),
              1e-15);
  EXPECT_NEAR(cosineDecay(1.5, 99, 100),
              1.5 * 0.5 * (1 + std::cos(M_PI * 0.99)), 1e-15);
  EXPECT_EQ(cosineDecay(1.5, 100, 100), 0.0);
  EXPECT_EQ(cosineDecay(1.5, 400, 100), 0.0);
  for (int64_t step = 1; step < 100; ++step)
    EXPECT_LT(cosineDecay(1.5, step, 100), cosineDecay(1.5, step - 1, 100));
}

TEST(ClipTest, ScalesAllGradientsByTheGlobalNorm) {
  Matrix a = {3.0, 4.0}, b = {12.0};
  llvm::MutableArrayRef<double> grads[] = {a, b};
  EXPECT_DOUBLE_EQ(clipGradientNorm(grads, 1.0), 13.0);
  double c = 1.0 / (13.0 + 1e-6);
  EXPECT_DOUBLE_EQ(a[0], 3.0 * c);
  EXPECT_DOUBLE_EQ(a[1], 4.0 * c);
  EXPECT_DOUBLE_EQ(b[0], 12.0 * c);
  // Below the threshold nothing changes.
  Matrix small = {0.3, 0.4};
  llvm::MutableArrayRef<double> smallGrads[] = {small};
  EXPECT_DOUBLE_EQ(clipGradientNorm(smallGrads, 1.0), 0.5);
  EXPECT_EQ(small, (Matrix{0.3, 0.4}));
  // A non-finite norm is returned and the gradients are left alone.
  Matrix bad = {NAN, 1.0};
  llvm::MutableArrayRef<double> badGrads[] = {bad};
  EXPECT_TRUE(std::isnan(clipGradientNorm(badGrads, 1.0)));
  EXPECT_EQ(bad[1], 1.0);
  EXPECT_EQ(clipGradientNorm({}, 1.0), 0.0);
}

} // namespace
