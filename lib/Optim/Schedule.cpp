//===- Schedule.cpp - learning-rate schedules -----------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The two schedules of the reference trainers, without warm-up: OSTQuant
// runs the HF Trainer default (linear decay to 0), SpinQuant the cosine one.
// Both are pure functions of the step, so a resumed run needs no state.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

using namespace ost::optim;

double ost::optim::linearDecay(double baseLr, int64_t step,
                               int64_t totalSteps) {
  if (totalSteps <= 0 || step >= totalSteps)
    return 0.0;
  step = std::max<int64_t>(step, 0);
  return baseLr * (static_cast<double>(totalSteps - step) /
                   static_cast<double>(totalSteps));
}

double ost::optim::cosineDecay(double baseLr, int64_t step,
                               int64_t totalSteps) {
  if (totalSteps <= 0 || step >= totalSteps)
    return 0.0;
  step = std::max<int64_t>(step, 0);
  double progress = static_cast<double>(step) / static_cast<double>(totalSteps);
  return baseLr *
         std::max(0.0, 0.5 * (1.0 + std::cos(llvm::numbers::pi * progress)));
}
