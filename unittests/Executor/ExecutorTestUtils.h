//===- ExecutorTestUtils.h - helpers of the executor tests ------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A fixture that parses IR from strings and runs it, deterministic random
// tensors, IR literals for constants, and naive (double-precision, loop-only)
// reference implementations that the executor's results are checked against.
//
//===----------------------------------------------------------------------===//

#ifndef OST_UNITTESTS_EXECUTOR_EXECUTORTESTUTILS_H
#define OST_UNITTESTS_EXECUTOR_EXECUTORTESTUTILS_H

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Executor/Executor.h"
#include "ost/Executor/Tensor.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"

#include "gtest/gtest.h"

#include <string>

namespace mlir::ost::test {

/// Owns a context with every ost dialect registered.
class ExecutorTest : public ::testing::Test {
protected:
  ExecutorTest();

  /// Parses a module; reports a test failure and returns null on error.
  OwningOpRef<ModuleOp> parse(StringRef ir);

  /// Runs `function`; reports a test failure (with the diagnostics) and
  /// returns no tensors on error.
  SmallVector<Tensor> run(ModuleOp module, StringRef function,
                          ArrayRef<Tensor> inputs,
                          const ExecutorOptions &options = {});

  /// Runs `function` expecting failure; returns the diagnostics emitted, one
  /// per line as "location: message" (empty, with a test failure, if the run
  /// succeeded).
  std::string runExpectingError(ModuleOp module, StringRef function,
                                ArrayRef<Tensor> inputs,
                                const ExecutorOptions &options = {});

  MLIRContext context;
};

/// A float tensor with uniform values in [lo, hi) from a fixed seed.
Tensor randomTensor(ArrayRef<int64_t> shape, unsigned seed, float lo = -1.0f,
                    float hi = 1.0f);

/// A random n×n orthogonal matrix (Gram–Schmidt in double) from a seed.
Tensor randomOrthogonal(int64_t n, unsigned seed);

/// An i64 tensor.
Tensor intTensor(ArrayRef<int64_t> shape, ArrayRef<int64_t> values);

/// `dense<...> : tensor<...xf32>` holding `t` exactly.
std::string denseLiteral(const Tensor &t);

/// Expects equal shapes and |a − b| <= atol + rtol·|b| elementwise.
void expectClose(const Tensor &actual, const Tensor &expected, double atol,
                 double rtol = 0.0);

/// Naive references (double accumulation).
Tensor naiveLinear(const Tensor &x, const Tensor &w, const Tensor *bias);
Tensor naiveRmsNorm(const Tensor &x, const Tensor *weight, double eps);
Tensor naiveRope(const Tensor &x, const Tensor &cos, const Tensor &sin,
                 bool interleaved);
Tensor naiveAttention(const Tensor &q, const Tensor &k, const Tensor &v,
                      const Tensor *mask, bool causal, double scale);
Tensor naiveSilu(const Tensor &x);
/// Applies a row-major matrix on the right of the last dimension: x·M.
Tensor naiveMatmulLast(const Tensor &x, const Tensor &m);
/// Standard rotary tables [T, half] for positions 0..T-1.
std::pair<Tensor, Tensor> ropeTables(int64_t seq, int64_t headDim,
                                     double base = 10000.0);

} // namespace mlir::ost::test

#endif // OST_UNITTESTS_EXECUTOR_EXECUTORTESTUTILS_H
