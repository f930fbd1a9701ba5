//===- TransformTypesTest.cpp - transform type interface ------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

class TransformTypesTest : public ::testing::Test {
protected:
  TransformTypesTest() { context.loadDialect<OSTDialect>(); }
  MLIRContext context;
};

TEST_F(TransformTypesTest, StorageShapesAndDimensions) {
  auto rot = cast<TransformTypeInterface>(RotationType::get(&context, 64));
  EXPECT_EQ(rot.getDim(), 64);
  EXPECT_TRUE(rot.isOrthogonal());
  EXPECT_TRUE(rot.isLearnable());
  EXPECT_EQ(rot.getStorageShape(), (SmallVector<int64_t>{64, 64}));

  auto block =
      cast<TransformTypeInterface>(BlockRotationType::get(&context, 4, 16));
  EXPECT_EQ(block.getDim(), 64);
  EXPECT_EQ(block.getStorageShape(), (SmallVector<int64_t>{4, 16, 16}));

  auto scale = cast<TransformTypeInterface>(ScaleType::get(&context, 172));
  EXPECT_FALSE(scale.isOrthogonal());
  EXPECT_EQ(scale.getStorageShape(), (SmallVector<int64_t>{172}));

  auto had = cast<TransformTypeInterface>(HadamardType::get(&context, 11008));
  EXPECT_TRUE(had.isOrthogonal());
  EXPECT_FALSE(had.isLearnable());
  EXPECT_TRUE(had.getStorageShape().empty());
}

TEST_F(TransformTypesTest, CheckedConstructionRejectsBadSizes) {
  std::string message;
  ScopedDiagnosticHandler capture(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto emit = mlir::detail::getDefaultDiagnosticEmitFn(UnknownLoc::get(&context));
  EXPECT_FALSE(RotationType::getChecked(emit, &context, int64_t{0}));
  EXPECT_FALSE(HadamardType::getChecked(emit, &context, int64_t{29568}));
  EXPECT_NE(message.find("no Hadamard matrix of size 29568"), std::string::npos)
      << message;
  EXPECT_TRUE(HadamardType::getChecked(emit, &context, int64_t{14336}));
}

} // namespace
