//===- Optimizers.h - Stiefel and Euclidean optimizer steps -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The update rules of calibration (METHOD §5.3, §5.4, §8.3), as step
// functions over plain state the driver owns (so it can checkpoint it):
//
// * riemannianAdamStep: geoopt v0.5.0 RiemannianAdam on the canonical
//   Stiefel manifold, for the rotations R_res and R_ov (OSTQuant);
// * adamStep: element-wise Adam, for the scales (OSTQuant);
// * cayleySGDStep: SpinQuant's SGDG (Cayley SGD, Li et al. 2020);
// * linearDecay / cosineDecay: the HF Trainer schedules without warm-up;
// * clipGradientNorm: torch.nn.utils.clip_grad_norm_.
//
// All arithmetic is float64. Matrices are n × n, row-major. Results are
// bit-identical for the same inputs whatever the thread count (see
// DenseKernels.h). A step whose sizes do not fit (checkStiefelStep,
// checkAdamStep) changes nothing; call the check first for the message.
//
//===----------------------------------------------------------------------===//

#ifndef OST_OPTIM_OPTIMIZERS_H
#define OST_OPTIM_OPTIMIZERS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace ost::optim {

/// Adam hyper-parameters (torch/geoopt defaults). `stabilize` is used by
/// riemannianAdamStep only: every `stabilize` steps (0: never) the point is
/// projected back onto the manifold.
struct AdamConfig {
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int64_t stabilize = 10;
  /// Threads for the matrix products (>= 1; 0 counts as 1). The result does
  /// not depend on it.
  unsigned numThreads = 1;
};

/// Per-parameter optimizer state, plain data so the driver can serialize it.
/// A default-constructed state is the state before the first step; the step
/// functions size m and v on their first call.
/// * riemannianAdamStep: m is the n × n momentum, v holds one value (the
///   second moment is one scalar per matrix).
/// * adamStep: m and v are element-wise, x's size.
/// * cayleySGDStep: m is the n × n momentum buffer V (SGDG's transposed
///   layout), v is unused.
struct OptimizerState {
  int64_t step = 0;
  std::vector<double> m;
  std::vector<double> v;
};

/// Whether riemannianAdamStep or cayleySGDStep can run on these operands:
/// n >= 0, x and grad hold n·n values, and the state is fresh or sized for
/// this parameter (`needsSecondMoment`: v holds one value, as Riemannian
/// Adam keeps it).
llvm::Error checkStiefelStep(llvm::ArrayRef<double> x,
                             llvm::ArrayRef<double> grad, int64_t n,
                             const OptimizerState &state,
                             bool needsSecondMoment);

/// Whether adamStep can run on these operands: grad matches x and the state
/// is fresh or has x's size.
llvm::Error checkAdamStep(llvm::ArrayRef<double> x, llvm::ArrayRef<double> grad,
                          const OptimizerState &state);

/// One Riemannian Adam step (geoopt v0.5.0 RiemannianAdam on the canonical
/// Stiefel manifold, METHOD §5.3, steps 1-6 exactly): with t = ++step,
///   ĝ = G − X·Gᵀ·X;  m ← β1·m + (1−β1)·ĝ;
///   v ← β2·v + (1−β2)·(tr(ĝᵀĝ) − ½‖Xᵀĝ‖²)   (one scalar per matrix);
///   dir = (m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps);  U = −lr·dir;
///   A = U·Xᵀ − X·Uᵀ;  [X, m] ← (I − A/2)⁻¹(I + A/2)·[X, m]
/// (Cayley retraction, and the same map transports m); and when
/// t % stabilize == 0, X ← U_svd·V_svdᵀ (polar projection) and
/// m ← m − X·mᵀ·X. X is n×n row-major (square orthogonal), updated in place.
/// A LAPACK failure (only possible with non-finite values) sets X to NaN.
void riemannianAdamStep(llvm::MutableArrayRef<double> x,
                        llvm::ArrayRef<double> grad, int64_t n,
                        OptimizerState &state, const AdamConfig &config,
                        double lr);

/// The pieces of riemannianAdamStep, for tests and other Stiefel methods.
/// Each returns an empty vector / NaN / an error when x and the other
/// operands do not hold n·n values.

/// The Riemannian gradient of the canonical metric at X (geoopt's
/// egrad2rgrad): ĝ = G − X·Gᵀ·X. Xᵀĝ is skew-symmetric when X is orthogonal.
std::vector<double> stiefelRiemannianGradient(llvm::ArrayRef<double> x,
                                              llvm::ArrayRef<double> grad,
                                              int64_t n,
                                              unsigned numThreads = 1);

/// The canonical squared norm ⟨u, u⟩_X = tr(uᵀu) − ½‖Xᵀu‖_F² (geoopt's
/// component_inner), i.e. tr(uᵀ(I − ½XXᵀ)u).
double canonicalSquaredNorm(llvm::ArrayRef<double> x, llvm::ArrayRef<double> u,
                            int64_t n, unsigned numThreads = 1);

/// The Cayley retraction along U with its vector transport: with
/// A = U·Xᵀ − X·Uᵀ and Q = (I − A/2)⁻¹(I + A/2) (orthogonal, A being skew),
/// X ← Q·X and `transported` ← Q·transported (one linear solve for both).
llvm::Error cayleyRetractTransport(llvm::MutableArrayRef<double> x,
                                   llvm::MutableArrayRef<double> transported,
                                   llvm::ArrayRef<double> u, int64_t n,
                                   unsigned numThreads = 1);

/// Plain element-wise Adam (no weight decay), for scales, in geoopt's
/// arithmetic: m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
/// x ← x − lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps).
void adamStep(llvm::MutableArrayRef<double> x, llvm::ArrayRef<double> grad,
              OptimizerState &state, const AdamConfig &config, double lr);

/// Cayley SGD hyper-parameters (SpinQuant's SGDG defaults).
struct CayleySGDConfig {
  double momentum = 0.0;
  /// Added to the ‖W‖₁ of the step-size cap and to the row norms of the
  /// normalization.
  double eps = 1e-8;
  int64_t fixedPointIterations = 5;
  /// Probability of a QR re-orthonormalization before a step.
  double qrProbability = 1.0 / 101.0;
  uint64_t seed = 0;
  /// Threads for the matrix products (>= 1; 0 counts as 1). The result does
  /// not depend on it.
  unsigned numThreads = 1;
};

/// SpinQuant's SGDG (METHOD §8.3 steps 1-5), X n×n in place. With t = ++step:
/// the rows of X are normalized (x_r/(‖x_r‖ + eps), as SGDG's `unit`); with
/// probability qrProbability, X ← Q·sign(diag R) of the QR of Xᵀ, transposed
/// (SGDG's qr_retraction); then
///   V = momentum·m − Gᵀ;  Ŵ = V·X − ½·Xᵀ(X·V·X);  W = Ŵ − Ŵᵀ;
///   α = min(lr, 1/(‖W‖₁ + eps))   (‖·‖₁: the largest column sum of |W|);
///   Y = Xᵀ + α·V, then fixedPointIterations times Y = Xᵀ + α·W·(Xᵀ + Y)/2;
///   X ← Yᵀ;  m ← W·Xᵀ (with the X before the update).
/// SpinQuant's code computes m the same way but never stores it, so its
/// momentum buffer stays 0; here it is kept (Li et al.'s algorithm). With the
/// default momentum 0 the two agree. The QR draw is a pure function of
/// (config.seed, t, paramIndex), so no random state needs saving.
void cayleySGDStep(llvm::MutableArrayRef<double> x, llvm::ArrayRef<double> grad,
                   int64_t n, OptimizerState &state,
                   const CayleySGDConfig &config, double lr,
                   uint64_t paramIndex);

/// Whether cayleySGDStep re-orthonormalizes parameter `paramIndex` by QR at
/// step t (the value of state.step after the increment).
bool cayleySGDDrawsQR(const CayleySGDConfig &config, int64_t step,
                      uint64_t paramIndex);

/// Linear decay to 0 without warm-up (HF Trainer default): lr·(1 − step/total),
/// step counted from 0; 0 from step >= total on (and for total <= 0).
double linearDecay(double baseLr, int64_t step, int64_t totalSteps);

/// Cosine decay to 0 (SpinQuant; HF's cosine schedule without warm-up):
/// lr·½(1 + cos(π·step/total)) for 0 <= step <= total, 0 after.
double cosineDecay(double baseLr, int64_t step, int64_t totalSteps);

/// Global gradient-norm clipping (torch clip_grad_norm_): total =
/// sqrt(Σ‖g‖²) over all arrays; every gradient is scaled by
/// c = maxNorm/(total + 1e-6) when c < 1, i.e. when total > maxNorm − 1e-6
/// (torch clamps c at 1). Returns the total before clipping. A non-finite
/// total leaves the gradients unchanged (torch would scale them by NaN); the
/// caller should skip the step.
double clipGradientNorm(llvm::ArrayRef<llvm::MutableArrayRef<double>> grads,
                        double maxNorm);

/// ‖XᵀX − I‖_max, for checks; NaN if x does not hold n·n values.
double orthogonalityError(llvm::ArrayRef<double> x, int64_t n);

} // namespace ost::optim

#endif // OST_OPTIM_OPTIMIZERS_H
