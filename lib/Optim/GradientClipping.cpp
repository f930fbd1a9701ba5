//===- GradientClipping.cpp - global gradient-norm clipping ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// torch.nn.utils.clip_grad_norm_ with the 2-norm, as the HF Trainer applies
// it before every optimizer step (max_grad_norm = 1.0): the norm of the
// per-array norms, and one common scale for every array.
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include <cmath>

using namespace ost::optim;

double ost::optim::clipGradientNorm(
    llvm::ArrayRef<llvm::MutableArrayRef<double>> grads, double maxNorm) {
  double totalSquared = 0.0;
  for (llvm::MutableArrayRef<double> grad : grads) {
    double squared = 0.0;
    for (double g : grad)
      squared += g * g;
    totalSquared += squared;
  }
  double total = std::sqrt(totalSquared);
  if (!std::isfinite(total))
    return total;
  double coefficient = maxNorm / (total + 1e-6);
  if (coefficient < 1.0)
    for (llvm::MutableArrayRef<double> grad : grads)
      for (double &g : grad)
        g *= coefficient;
  return total;
}
