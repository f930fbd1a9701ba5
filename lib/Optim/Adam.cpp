//===- Adam.cpp - element-wise Adam for the scales ------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// OSTQuant trains its scale vectors with the same geoopt RiemannianAdam as
// the rotations; on plain parameters it reduces to Adam on the Euclidean
// manifold, with geoopt's order of operations (bias corrections applied to
// m and v separately, eps added after the square root).
//
//===----------------------------------------------------------------------===//

#include "ost/Optim/Optimizers.h"

#include "llvm/ADT/Twine.h"

#include <cmath>

using namespace ost::optim;

llvm::Error ost::optim::checkAdamStep(llvm::ArrayRef<double> x,
                                      llvm::ArrayRef<double> grad,
                                      const OptimizerState &state) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  if (grad.size() != x.size())
    return error("the gradient holds " + llvm::Twine(grad.size()) +
                 " values, the parameter " + llvm::Twine(x.size()));
  if (state.step < 0)
    return error("negative optimizer step " + llvm::Twine(state.step));
  if (state.m.empty() && state.v.empty())
    return llvm::Error::success();
  if (state.m.size() != x.size() || state.v.size() != x.size())
    return error("the optimizer state holds " + llvm::Twine(state.m.size()) +
                 " and " + llvm::Twine(state.v.size()) +
                 " moments for a parameter of " + llvm::Twine(x.size()) +
                 " values");
  return llvm::Error::success();
}

void ost::optim::adamStep(llvm::MutableArrayRef<double> x,
                          llvm::ArrayRef<double> grad, OptimizerState &state,
                          const AdamConfig &config, double lr) {
  if (llvm::Error err = checkAdamStep(x, grad, state)) {
    llvm::consumeError(std::move(err));
    return;
  }
  if (state.m.empty()) {
    state.m.assign(x.size(), 0.0);
    state.v.assign(x.size(), 0.0);
  }
  int64_t t = ++state.step;
  double correction1 = 1.0 - std::pow(config.beta1, static_cast<double>(t));
  double correction2 = 1.0 - std::pow(config.beta2, static_cast<double>(t));
  for (size_t i = 0; i < x.size(); ++i) {
    double g = grad[i];
    state.m[i] = state.m[i] * config.beta1 + (1.0 - config.beta1) * g;
    state.v[i] = state.v[i] * config.beta2 + (1.0 - config.beta2) * (g * g);
    double denom = std::sqrt(state.v[i] / correction2) + config.eps;
    x[i] += -lr * (state.m[i] / correction1 / denom);
  }
}
