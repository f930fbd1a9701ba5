//===- QuantSpecAttrTest.cpp - #ost.qspec semantics -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Dialect/OST/IR/OSTDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

class QuantSpecAttrTest : public ::testing::Test {
protected:
  QuantSpecAttrTest() { context.loadDialect<OSTDialect>(); }

  QuantSpecAttr parse(StringRef text) {
    return llvm::dyn_cast_or_null<QuantSpecAttr>(
        parseAttribute(text, &context));
  }

  MLIRContext context;
};

TEST_F(QuantSpecAttrTest, LevelsOfSymmetricAndAsymmetricQuantizers) {
  QuantSpecAttr w4 = parse("#ost.qspec<4, sym, per_channel>");
  ASSERT_TRUE(w4);
  EXPECT_EQ(w4.getQMin(), -8);
  EXPECT_EQ(w4.getQMax(), 7);
  QuantSpecAttr a4 = parse("#ost.qspec<4, asym, per_token>");
  ASSERT_TRUE(a4);
  EXPECT_EQ(a4.getQMin(), 0);
  EXPECT_EQ(a4.getQMax(), 15);
  QuantSpecAttr w8 = parse("#ost.qspec<8, sym, per_channel>");
  ASSERT_TRUE(w8);
  EXPECT_EQ(w8.getQMin(), -128);
  EXPECT_EQ(w8.getQMax(), 127);
  QuantSpecAttr a2 = parse("#ost.qspec<2, asym, per_tensor>");
  ASSERT_TRUE(a2);
  EXPECT_EQ(a2.getQMax(), 3);
}

TEST_F(QuantSpecAttrTest, OptionalFieldsDefaultAndRoundTrip) {
  QuantSpecAttr spec =
      parse("#ost.qspec<4, asym, per_token, group = 128, clip = 0.9>");
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec.getGroupSize(), 128);
  EXPECT_DOUBLE_EQ(spec.getClipRatioValue(), 0.9);
  EXPECT_EQ(spec.getReductionSize(4096), 128);
  std::string printed;
  llvm::raw_string_ostream os(printed);
  Attribute(spec).print(os);
  EXPECT_EQ(parse(printed), spec) << printed;

  QuantSpecAttr plain = parse("#ost.qspec<4, asym, per_token>");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain.getGroupSize(), 0);
  EXPECT_DOUBLE_EQ(plain.getClipRatioValue(), 1.0);
  EXPECT_EQ(plain.getReductionSize(4096), 4096);
}

TEST_F(QuantSpecAttrTest, InvalidSpecsAreRejected) {
  // Silence the diagnostics the failed parses emit.
  ScopedDiagnosticHandler silence(&context, [](Diagnostic &) {
    return success();
  });
  EXPECT_FALSE(parse("#ost.qspec<1, sym, per_tensor>"));
  EXPECT_FALSE(parse("#ost.qspec<9, sym, per_tensor>"));
  EXPECT_FALSE(parse("#ost.qspec<4, sym, per_tensor, group = 64>"));
  EXPECT_FALSE(parse("#ost.qspec<4, sym, per_token, clip = 1.5>"));
  EXPECT_FALSE(parse("#ost.qspec<4, sym, per_token, clip = 0.0>"));
  EXPECT_FALSE(parse("#ost.qspec<4, sym, per_token, axis = 1>"));
  EXPECT_FALSE(parse("#ost.qspec<4, signed, per_token>"));
  EXPECT_FALSE(parse("#ost.qspec<4, sym, per_row>"));
}

} // namespace
