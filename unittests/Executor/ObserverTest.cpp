//===- ObserverTest.cpp - the executor's op observer ----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Executor::setObserver: the observer sees every op before it runs, with its
// operand tensors (null for transforms), on every run, including ops whose
// results come from the constant cache; removing it stops the calls.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

using ObserverTest = ExecutorTest;

/// q and k read the same input; the head reads a scaled copy. The weight
/// is a constant, so from the second run on it comes from the cache.
constexpr const char *kModule = R"mlir(
  func.func @f(%x: tensor<1x3x4xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
    %w = arith.constant dense<[[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, -1.0]]> : tensor<2x4xf32>
    %q = ost.linear %x, %w {role = #ost.role<q_proj>, layer = 0 : i64} : tensor<1x3x4xf32>, tensor<2x4xf32> -> tensor<1x3x2xf32>
    %k = ost.linear %x, %w {role = #ost.role<k_proj>, layer = 0 : i64} : tensor<1x3x4xf32>, tensor<2x4xf32> -> tensor<1x3x2xf32>
    %s = ost.param "S" {init = #ost.init<ones>, value = dense<2.0> : tensor<4xf32>} : !ost.scale<4>
    %xs = ost.apply %s to %x : !ost.scale<4>, tensor<1x3x4xf32>
    %h = ost.lm_head %xs, %w : tensor<1x3x4xf32>, tensor<2x4xf32> -> tensor<1x3x2xf32>
    return %q, %k, %h : tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>
  })mlir";

/// Records what the observer sees: every linear-like op's role, input and
/// whether its weight was there, and counts of all ops and of ost.apply.
struct Recorder {
  struct Linear {
    std::string role;
    std::vector<float> input;
    bool weightSeen = false;
  };
  std::vector<Linear> linears;
  int numOps = 0, numApply = 0;

  void clear() {
    linears.clear();
    numOps = numApply = 0;
  }

  OpObserver observer() {
    return [this](Operation *op, ArrayRef<const Tensor *> operands) {
      ++numOps;
      ASSERT_EQ(operands.size(), op->getNumOperands());
      if (isa<ApplyOp>(op)) {
        ++numApply;
        EXPECT_EQ(operands[0], nullptr) << "a transform is not a tensor";
        EXPECT_NE(operands[1], nullptr);
        return;
      }
      if (!isa<LinearOp, LMHeadOp>(op))
        return;
      Linear l;
      auto linear = dyn_cast<LinearOp>(op);
      l.role = linear ? stringifyLinearRole(*linear.getRole()).str() : "head";
      ASSERT_NE(operands[0], nullptr);
      ArrayRef<float> in = operands[0]->getFloats();
      l.input.assign(in.begin(), in.end());
      l.weightSeen = operands[1] && operands[1]->getNumElements() == 8;
      linears.push_back(std::move(l));
    };
  }

  /// Expects one run's worth of observations of kModule on input `x`.
  void expectOneRun(const Tensor &x, int runIndex) const {
    SCOPED_TRACE("run " + std::to_string(runIndex));
    ArrayRef<float> xs = x.getFloats();
    EXPECT_EQ(numOps, 6) << "constant, 2 linears, param, apply, head";
    EXPECT_EQ(numApply, 1);
    ASSERT_EQ(linears.size(), 3u);
    EXPECT_EQ(linears[0].role, "q_proj");
    EXPECT_EQ(linears[1].role, "k_proj");
    EXPECT_EQ(linears[2].role, "head");
    for (const Linear &l : linears)
      EXPECT_TRUE(l.weightSeen) << l.role;
    EXPECT_EQ(linears[0].input, std::vector<float>(xs.begin(), xs.end()));
    EXPECT_EQ(linears[1].input, linears[0].input);
    // The head reads x scaled by 2.
    ASSERT_EQ(linears[2].input.size(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i)
      EXPECT_FLOAT_EQ(linears[2].input[i], 2.0f * xs[i]);
  }
};

// From the second run on, the weight, the parameter and nothing else come
// from the constant cache; the observer still sees the same ops and operands.
TEST_F(ObserverTest, SeesEveryOpOnEveryRunWithTheCache) {
  OwningOpRef<ModuleOp> m = parse(kModule);
  ASSERT_TRUE(m);
  Executor exec(*m);
  ASSERT_TRUE(exec.getOptions().cacheConstants);
  Recorder rec;
  exec.setObserver(rec.observer());
  Tensor x = randomTensor({1, 3, 4}, 11);
  for (int runIndex = 0; runIndex < 3; ++runIndex) {
    rec.clear();
    ASSERT_TRUE(succeeded(exec.run("f", {x})));
    rec.expectOneRun(x, runIndex);
  }
}

TEST_F(ObserverTest, SameObservationsWithoutTheCache) {
  OwningOpRef<ModuleOp> m = parse(kModule);
  ASSERT_TRUE(m);
  ExecutorOptions options;
  options.cacheConstants = false;
  Executor exec(*m, options);
  Recorder rec;
  exec.setObserver(rec.observer());
  Tensor x = randomTensor({1, 3, 4}, 12);
  for (int runIndex = 0; runIndex < 2; ++runIndex) {
    rec.clear();
    ASSERT_TRUE(succeeded(exec.run("f", {x})));
    rec.expectOneRun(x, runIndex);
  }
}

TEST_F(ObserverTest, NullObserverStopsTheCalls) {
  OwningOpRef<ModuleOp> m = parse(kModule);
  ASSERT_TRUE(m);
  Executor exec(*m);
  Recorder rec;
  exec.setObserver(rec.observer());
  Tensor x = randomTensor({1, 3, 4}, 13);
  ASSERT_TRUE(succeeded(exec.run("f", {x})));
  EXPECT_EQ(rec.numOps, 6);
  exec.setObserver(nullptr);
  rec.clear();
  ASSERT_TRUE(succeeded(exec.run("f", {x})));
  EXPECT_EQ(rec.numOps, 0);
  EXPECT_TRUE(rec.linears.empty());
}

} // namespace
