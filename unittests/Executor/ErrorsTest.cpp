//===- ErrorsTest.cpp - executor diagnostics ------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Every failure is a diagnostic at the op's location and a failed run, never
// a crash.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

using ErrorsTest = ExecutorTest;

/// Expects `text` to contain `needle`.
#define EXPECT_CONTAINS(text, needle)                                          \
  EXPECT_NE((text).find(needle), std::string::npos) << (text)

TEST_F(ErrorsTest, UnsupportedOp) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %0 = math.tanh %x : tensor<4xf32> loc("tanh_here")
      return %0 : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(m);
  std::string error = runExpectingError(*m, "f", {Tensor({4})});
  EXPECT_CONTAINS(error,
                  "loc(\"tanh_here\"): executor: unsupported op 'math.tanh'");
}

TEST_F(ErrorsTest, ParameterWithoutValue) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
      %r = ost.param "R_res" {init = #ost.init<hadamard, seed = 3>} : !ost.rotation<8>
      %0 = ost.apply %r to %x : !ost.rotation<8>, tensor<2x8xf32>
      return %0 : tensor<2x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  std::string error = runExpectingError(*m, "f", {Tensor({2, 8})});
  EXPECT_CONTAINS(error, "executor: 'ost.param' parameter 'R_res' has no value "
                         "(run ost-init-transforms first)");
}

TEST_F(ErrorsTest, TokenIdOutOfRange) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%t: tensor<6x4xf32>, %ids: tensor<1x3xi64>) -> tensor<1x3x4xf32> {
      %h = ost.embedding %t[%ids] : tensor<6x4xf32>, tensor<1x3xi64> -> tensor<1x3x4xf32> loc("embed")
      return %h : tensor<1x3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  std::string error = runExpectingError(
      *m, "f", {Tensor({6, 4}), intTensor({1, 3}, {0, 6, 1})});
  EXPECT_CONTAINS(error, "loc(\"embed\"): executor: 'ost.embedding' token id "
                         "6 at index [0, 1] is out of range [0, 6)");
  error = runExpectingError(*m, "f",
                            {Tensor({6, 4}), intTensor({1, 3}, {0, 1, -1})});
  EXPECT_CONTAINS(error, "token id -1 at index [0, 2]");
}

TEST_F(ErrorsTest, ShapeMismatchOnDynamicInputs) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>, %w: tensor<4x?xf32>) -> tensor<?x4xf32> {
      %s = ost.add %a, %b : tensor<?x8xf32> loc("sum")
      %y = ost.linear %s, %w : tensor<?x8xf32>, tensor<4x?xf32> -> tensor<?x4xf32> loc("proj")
      return %y : tensor<?x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  // A static dimension of an argument differs.
  std::string error = runExpectingError(
      *m, "f", {Tensor({2, 4}), Tensor({2, 8}), Tensor({4, 8})});
  EXPECT_CONTAINS(error, "executor: argument #0 of 'f' has shape [2, 4] but "
                         "its type is tensor<?x8xf32>");
  // Two dynamic dimensions that must agree do not.
  error = runExpectingError(*m, "f",
                            {Tensor({2, 8}), Tensor({3, 8}), Tensor({4, 8})});
  EXPECT_CONTAINS(error, "loc(\"sum\"): executor: 'ost.add' operand shapes "
                         "differ: [2, 8] vs [3, 8]");
  error = runExpectingError(*m, "f",
                            {Tensor({2, 8}), Tensor({2, 8}), Tensor({4, 5})});
  EXPECT_CONTAINS(error, "loc(\"proj\"): executor: 'ost.linear' the input "
                         "[2, 8] has 8 features but the weight [4, 5] "
                         "expects 5");
  // Wrong argument count and kind.
  error = runExpectingError(*m, "f", {Tensor({2, 8})});
  EXPECT_CONTAINS(error, "takes 3 arguments, got 1");
  error = runExpectingError(
      *m, "f", {intTensor({2, 8}, SmallVector<int64_t>(16, 0)), Tensor({2, 8}),
                Tensor({4, 8})});
  EXPECT_CONTAINS(error, "argument #0 of 'f' holds integers");
  error = runExpectingError(*m, "g", {});
  EXPECT_CONTAINS(error, "no function named 'g'");
}

TEST_F(ErrorsTest, CheckFiniteNamesTheFirstBadOp) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %d = arith.divf %a, %b : tensor<2x3xf32> loc("div")
      %s = arith.subf %d, %d : tensor<2x3xf32> loc("sub")
      return %s : tensor<2x3xf32>
    })mlir");
  ASSERT_TRUE(m);
  Tensor a = randomTensor({2, 3}, 1, 0.5f, 1.0f);
  Tensor b = randomTensor({2, 3}, 2, 0.5f, 1.0f);
  b.getFloatData()[4] = 0.0f;
  // Without the check the NaN simply propagates.
  SmallVector<Tensor> r = run(*m, "f", {a, b});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(std::isnan(r[0].getFloats()[4]));
  ExecutorOptions options;
  options.checkFinite = true;
  std::string error = runExpectingError(*m, "f", {a, b}, options);
  EXPECT_CONTAINS(error, "loc(\"div\"): executor: 'arith.divf' produced a "
                         "non-finite value (inf) in result #0 at index [1, 1]");
}

TEST_F(ErrorsTest, KernelErrorsOnBadRuntimeValues) {
  // Packed weight [4, 2] of 4-bit levels: 4 input features, not 6.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x?xf32>, %w: tensor<4x2xi8>, %s: tensor<4x1xf32>) -> tensor<2x4xf32> {
      %1 = ost.qlinear %x, %w, %s {weight_spec = #ost.qspec<4, sym, per_channel>}
          : tensor<2x?xf32>, tensor<4x2xi8>, tensor<4x1xf32> -> tensor<2x4xf32> loc("ql")
      return %1 : tensor<2x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  std::string error = runExpectingError(
      *m, "f",
      {Tensor({2, 6}), Tensor::fromInts({4, 2}, SmallVector<int64_t>(8, 0),
                                        DType::I8),
       Tensor({4, 1})});
  EXPECT_CONTAINS(error, "loc(\"ql\"): executor: 'ost.qlinear' the input "
                         "[2, 6] has 6 features but the weight [4, 4] "
                         "expects 4");
}

} // namespace
