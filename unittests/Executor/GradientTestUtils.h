//===- GradientTestUtils.h - finite-difference gradient checks --*- C++ -*-===//
//-*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Checks a vector-Jacobian product against central finite differences of
// the scalar loss L(x) = Σ r ⊙ f(x), with f the float32 forward and the sum
// accumulated in float64: along a random direction v, the central difference
// (L(x₊) − L(x₋))/2h with x± = x ± h·v (rounded to float32) is compared with
// grad·(x₊ − x₋)/2h, so the rounding of the perturbed inputs does not count
// as an error. Both are Richardson-extrapolated from steps h and h/2
// ((4·D(h/2) − D(h))/3), which removes the O(h²) truncation error and lets
// the step stay large enough for float32 rounding noise not to matter.
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_EXECUTOR_GRADIENTTESTUTILS_H
#define OST_UNITTESTS_EXECUTOR_GRADIENTTESTUTILS_H

#include "ost/Executor/Kernels.h"
#include "ost/Executor/Tensor.h"

#include <functional>
#include <string>

namespace mlir::ost::test {

/// A float32 forward whose gradient is checked.
using Forward = std::function<Tensor(const Tensor &)>;

/// Σ a ⊙ b in float64 (same number of elements).
double dotProduct(const Tensor &a, const Tensor &b);

/// The relative error |fd − an| / max(|fd|, |an|) of the directional
/// derivative of L = Σ r ⊙ f(x) along a random direction v (from `seed`)
/// with steps h and h/2. vᵢ has a magnitude uniform in [0, 1] and the sign of
/// gradᵢ, so that an = Σ gradᵢ·vᵢ cannot cancel out by chance; an error in any
/// component of grad still changes an and not fd.
double directionalError(const Forward &f, const Tensor &r, const Tensor &x,
                        const Tensor &grad, double h, unsigned seed);

/// Expects grad to have x's shape and the directional error along
/// `directions` random directions to be below `tolerance`; `what` names the
/// check in failure messages.
void expectGradient(const std::string &what, const Forward &f, const Tensor &r,
                    const Tensor &x, const Tensor &grad, double h,
                    double tolerance = 1e-3, int directions = 3);

/// The tensor of a successful kernel result (a test failure and a float
/// scalar otherwise).
Tensor valueOf(KernelResult result);

} // namespace mlir::ost::test

#endif // OST_UNITTESTS_EXECUTOR_GRADIENTTESTUTILS_H
