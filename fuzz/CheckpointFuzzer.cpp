//===- CheckpointFuzzer.cpp - libFuzzer target of the checkpoint reader ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Any bytes, read as a calibration checkpoint (CalibrationCheckpoint.h) for a
// module with a rotation, a block rotation and a scale. A refused file must
// leave the parameters as they were; an accepted one must hold finite values
// and states that the optimizers take (one Riemannian Adam, Cayley SGD and
// Adam step runs on each). Anything else (a crash, a sanitizer report, an
// accepted state the optimizer skips) is a bug.
//
// With OST_FUZZ_CHECKPOINT_SEEDS=DIR set, the target first writes two valid
// checkpoints of its module to DIR (fresh states, and after two steps), the
// seeds scripts/fuzz.sh gives it.
//
//===----------------------------------------------------------------------===//

#include "../lib/Calibration/CalibrationCheckpoint.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;
using namespace mlir::ost;

namespace {

constexpr const char *kModule = R"mlir(
func.func @f() {
  %r = ost.param "r" {init = #ost.init<identity>, value = dense<[[0.0, 1.0], [-1.0, 0.0]]> : tensor<2x2xf32>} : !ost.rotation<2>
  %b = ost.param "b" {init = #ost.init<identity>, value = dense<[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]> : tensor<2x2x2xf32>} : !ost.block_rotation<2 x 2>
  %s = ost.param "s" {init = #ost.init<ones>, value = dense<[2.0, 0.5, 1.0]> : tensor<3xf32>} : !ost.scale<3>
  return
}
)mlir";
constexpr const char *kFingerprint = "fuzz steps=2";

struct Fixture {
  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  ParameterSet fresh;

  Fixture() {
    context.loadDialect<OSTDialect, func::FuncDialect>();
    module = parseSourceString<ModuleOp>(kModule, &context);
    if (!module)
      std::abort();
    FailureOr<ParameterSet> params = ParameterSet::collect(*module);
    if (failed(params))
      std::abort();
    fresh = std::move(*params);
  }
};

Fixture &getFixture() {
  static Fixture *fixture = new Fixture;
  return *fixture;
}

/// One step of the optimizer each parameter kind uses, with `secondMoment`
/// selecting Riemannian Adam (true) or Cayley SGD for rotations. Aborts
/// when a state the reader accepted is refused by the optimizer.
void stepAll(ParameterSet &params, bool secondMoment) {
  ::ost::optim::AdamConfig adam;
  ::ost::optim::CayleySGDConfig cayley;
  for (LearnableParameter &p : params.getParameters()) {
    std::vector<double> grad(p.value.size(), 0.25);
    if (!p.isRotation()) {
      if (llvm::Error e = ::ost::optim::checkAdamStep(p.value, grad,
                                                      p.states[0])) {
        llvm::consumeError(std::move(e));
        std::abort();
      }
      ::ost::optim::adamStep(p.value, grad, p.states[0], adam, 1e-3);
      continue;
    }
    size_t size = p.blockSize * p.blockSize;
    for (int64_t b = 0; b < p.blocks; ++b) {
      MutableArrayRef<double> x(p.value.data() + b * size, size);
      ArrayRef<double> g(grad.data() + b * size, size);
      if (llvm::Error e = ::ost::optim::checkStiefelStep(
              x, g, p.blockSize, p.states[b], secondMoment)) {
        llvm::consumeError(std::move(e));
        std::abort();
      }
      if (secondMoment)
        ::ost::optim::riemannianAdamStep(x, g, p.blockSize, p.states[b], adam,
                                         1e-3);
      else
        ::ost::optim::cayleySGDStep(x, g, p.blockSize, p.states[b], cayley,
                                    1e-3, b);
    }
  }
}

bool sameValues(const ParameterSet &a, const ParameterSet &b) {
  for (auto [x, y] : llvm::zip_equal(a.getParameters(), b.getParameters())) {
    if (x.value != y.value || x.states.size() != y.states.size())
      return false;
    for (auto [s, t] : llvm::zip_equal(x.states, y.states))
      if (s.step != t.step || s.m != t.m || s.v != t.v)
        return false;
  }
  return true;
}

void writeSeeds(const char *dir) {
  Fixture &f = getFixture();
  ParameterSet params = f.fresh;
  std::string base = std::string(dir) + "/";
  auto save = [&](const std::string &name, const CheckpointProgress &p) {
    if (llvm::Error e = saveCheckpoint(base + name, params, p, kFingerprint)) {
      llvm::errs() << llvm::toString(std::move(e)) << "\n";
      std::abort();
    }
  };
  save("fresh.ck", {0, 0.0});
  stepAll(params, /*secondMoment=*/true);
  stepAll(params, /*secondMoment=*/true);
  save("adam-2.ck", {2, 3.5});
  params = f.fresh;
  stepAll(params, /*secondMoment=*/false);
  save("cayley-1.ck", {1, 3.5});
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  if (const char *dir = std::getenv("OST_FUZZ_CHECKPOINT_SEEDS"))
    writeSeeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Fixture &f = getFixture();
  StringRef bytes(reinterpret_cast<const char *>(data), size);
  for (bool secondMoment : {true, false}) {
    ParameterSet params = f.fresh;
    llvm::Expected<CheckpointProgress> progress = parseCheckpoint(
        bytes, "fuzz.ck", params, kFingerprint, secondMoment);
    if (!progress) {
      llvm::consumeError(progress.takeError());
      if (!sameValues(params, f.fresh))
        std::abort(); // a refused file changed the parameters
      continue;
    }
    if (progress->nextStep < 0 || !std::isfinite(progress->firstLoss))
      std::abort();
    stepAll(params, secondMoment);
  }
  return 0;
}
