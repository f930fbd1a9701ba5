//===- W4A4PrologueGridTest.cpp - NVVM prologue vs ost/Numerics -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The W4A4 GEMM kernel's prologue (lib/Conversion/OSTToNVVM/W4A4Prologue.cpp)
// re-states the quantizer grid in IR. This test lowers one W4A4 qlinear with
// convert-ost-qlinear-to-nvvm and checks the emitted steps against the
// header-only definition (ost/Numerics/QuantGrid.h, Rounding.h): the range
// floor, qmin/qmax, the scale as a division by qmax, the zero point and the
// levels as divisions by the scale (no reciprocal), and the rounding as
// (x + 1.5·2^23) − 1.5·2^23 (no other rounding instruction). It then
// evaluates the emitted scalar steps with the constants read from the IR and
// compares scale and zero point with numerics::QuantGrid::compute bit for
// bit, so the two cannot drift apart silently. The fused Hadamard's FWHT is
// checked the same way against ost/Numerics/HadamardApply.h: its stages'
// index arithmetic, read from the IR, must pair the elements fwhtStage
// pairs (a + b at the lower index, a − b at the upper), and the
// normalization must be the header's 1/sqrt(n) multiply.
//
//===----------------------------------------------------------------------===//

#include "ost/InitAll.h"
#include "ost/Numerics/HadamardApply.h"
#include "ost/Numerics/QuantGrid.h"
#include "ost/Numerics/Rounding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "gtest/gtest.h"

#include <cstring>
#include <optional>
#include <random>

using namespace mlir;
namespace numerics = ::ost::numerics;

namespace {

constexpr const char *kModule = R"mlir(
#act = #ost.qspec<4, asym, per_token>
#w = #ost.qspec<4, sym, per_channel>
func.func @w4a4(%x: tensor<1x?x256xf32>) -> tensor<1x?x128xf32> {
  %wq = arith.constant dense<17> : tensor<128x128xi8>
  %sq = arith.constant dense<0.1> : tensor<128x1xf32>
  %h = ost.online_hadamard %x : tensor<1x?x256xf32>
  %q = ost.qlinear %h, %wq, %sq {act_spec = #act, weight_spec = #w} : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> tensor<1x?x128xf32>
  return %q : tensor<1x?x128xf32>
}
)mlir";

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// The float value of a scalar or splat constant, through vector.broadcast.
std::optional<float> constantF32(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  if (auto bc = dyn_cast<vector::BroadcastOp>(def))
    return constantF32(bc.getSource());
  auto cst = dyn_cast<arith::ConstantOp>(def);
  if (!cst)
    return std::nullopt;
  if (auto f = dyn_cast<FloatAttr>(cst.getValue()))
    return static_cast<float>(f.getValueAsDouble());
  if (auto d = dyn_cast<DenseFPElementsAttr>(cst.getValue()))
    if (d.isSplat())
      return d.getSplatValue<APFloat>().convertToFloat();
  return std::nullopt;
}

bool isConstant(Value v, float want) {
  std::optional<float> c = constantF32(v);
  return c && sameBits(*c, want);
}

/// Whether v is roundHalfEven(u) as Rounding.h spells it: subf(addf(u, M), M).
bool isMagicRound(Value v) {
  auto sub = v.getDefiningOp<arith::SubFOp>();
  if (!sub || !isConstant(sub.getRhs(), numerics::kRoundMagic))
    return false;
  auto add = sub.getLhs().getDefiningOp<arith::AddFOp>();
  return add && isConstant(add.getRhs(), numerics::kRoundMagic);
}

/// The integer value of an index constant.
std::optional<int64_t> constantIndex(Value v) {
  return getConstantIntValue(v);
}

/// The byte offset a shared-memory access uses (KernelBuilder::sharedPtr:
/// a GEP of the base by index_cast(offset)).
Value sharedOffset(Value ptr) {
  auto gep = ptr.getDefiningOp<LLVM::GEPOp>();
  if (!gep || gep.getDynamicIndices().size() != 1)
    return {};
  auto cast = gep.getDynamicIndices()[0].getDefiningOp<arith::IndexCastOp>();
  return cast ? cast.getIn() : Value();
}

class W4A4PrologueGridTest : public ::testing::Test {
protected:
  void SetUp() override {
    DialectRegistry registry;
    mlir::ost::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    mlir::ost::registerAllPasses();
    module = parseSourceString<ModuleOp>(kModule, &context);
    ASSERT_TRUE(module);
    PassManager pm(&context, ModuleOp::getOperationName());
    ASSERT_TRUE(succeeded(
        parsePassPipeline("convert-ost-qlinear-to-nvvm{chip=sm_80}", pm)));
    ASSERT_TRUE(succeeded(pm.run(*module)));
    module->walk([&](gpu::GPUFuncOp f) {
      if (SymbolTable::getSymbolName(f).getValue().starts_with("w4a4_gemm"))
        kernel = f;
    });
    ASSERT_TRUE(kernel) << "no W4A4 kernel was generated";
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  gpu::GPUFuncOp kernel;
};

// The scalar grid: xmax = max(hi, floor)·clip, xmin = min(lo, 0)·clip,
// scale = (xmax − xmin)/qmax, zp = round(−xmin/scale).
TEST_F(W4A4PrologueGridTest, ScaleAndZeroPointFollowTheHeader) {
  const float qmax = static_cast<float>(numerics::getQMax(4, false));
  arith::DivFOp scaleOp, zpOp;
  kernel.walk([&](arith::DivFOp div) {
    if (isa<VectorType>(div.getType()))
      return;
    if (isConstant(div.getRhs(), qmax) &&
        div.getLhs().getDefiningOp<arith::SubFOp>())
      scaleOp = div;
    if (div.getLhs().getDefiningOp<arith::NegFOp>())
      zpOp = div;
  });
  ASSERT_TRUE(scaleOp) << "no scale = (xmax - xmin) / qmax";
  ASSERT_TRUE(zpOp) << "no -xmin / scale";
  EXPECT_EQ(zpOp.getRhs(), scaleOp.getResult());

  auto sub = scaleOp.getLhs().getDefiningOp<arith::SubFOp>();
  auto xmaxMul = sub.getLhs().getDefiningOp<arith::MulFOp>();
  auto xminMul = sub.getRhs().getDefiningOp<arith::MulFOp>();
  ASSERT_TRUE(xmaxMul && xminMul);
  auto maxOp = xmaxMul.getLhs().getDefiningOp<arith::MaxNumFOp>();
  auto minOp = xminMul.getLhs().getDefiningOp<arith::MinNumFOp>();
  ASSERT_TRUE(maxOp && minOp);
  EXPECT_TRUE(isConstant(maxOp.getRhs(), numerics::kRangeFloor));
  EXPECT_TRUE(isConstant(minOp.getRhs(), 0.0f));
  std::optional<float> clip = constantF32(xmaxMul.getRhs());
  ASSERT_TRUE(clip);
  EXPECT_TRUE(isConstant(xminMul.getRhs(), *clip));
  EXPECT_EQ(zpOp.getLhs().getDefiningOp<arith::NegFOp>().getOperand(),
            xminMul.getResult());

  bool zpRounded = false;
  for (Operation *user : zpOp->getUsers())
    if (auto add = dyn_cast<arith::AddFOp>(user))
      for (Operation *u2 : add->getUsers())
        zpRounded |= isMagicRound(u2->getResult(0));
  EXPECT_TRUE(zpRounded) << "the zero point is not rounded by the magic";

  // Evaluate the emitted steps with the IR's constants; compare with the
  // header bit for bit on random ranges.
  float floor = *constantF32(maxOp.getRhs());
  float levels = *constantF32(scaleOp.getRhs());
  numerics::GridSpec spec;
  spec.bits = 4;
  spec.symmetric = false;
  spec.clipRatio = *clip;
  std::mt19937 gen(5);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (int i = 0; i < 10000; ++i) {
    float lo = dist(gen), hi = dist(gen);
    if (lo > hi)
      std::swap(lo, hi);
    if (i % 7 == 0)
      lo = hi = 0.0f;
    // arith.maxnumf / minnumf equal std::max / std::min without NaNs.
    float xmax = std::max(hi, floor) * *clip;
    float xmin = std::min(lo, 0.0f) * *clip;
    float scale = (xmax - xmin) / levels;
    float zp = (-xmin / scale + numerics::kRoundMagic) - numerics::kRoundMagic;
    numerics::QuantGrid want = numerics::QuantGrid::compute(lo, hi, spec);
    ASSERT_TRUE(sameBits(scale, want.scale)) << lo << " " << hi;
    ASSERT_TRUE(sameBits(zp, want.zeroPoint)) << lo << " " << hi;
  }
}

// The levels: clamp(round(x / scale) + zp, qmin, qmax), max first, with a
// division by the broadcast scale.
TEST_F(W4A4PrologueGridTest, LevelsFollowTheHeader) {
  const float qmin = static_cast<float>(numerics::getQMin(4, false));
  const float qmax = static_cast<float>(numerics::getQMax(4, false));
  int clamps = 0;
  kernel.walk([&](arith::MinNumFOp minOp) {
    if (!isa<VectorType>(minOp.getType()) || !isConstant(minOp.getRhs(), qmax))
      return;
    auto maxOp = minOp.getLhs().getDefiningOp<arith::MaxNumFOp>();
    ASSERT_TRUE(maxOp);
    EXPECT_TRUE(isConstant(maxOp.getRhs(), qmin));
    auto add = maxOp.getLhs().getDefiningOp<arith::AddFOp>();
    ASSERT_TRUE(add) << "no round(x/scale) + zp";
    ASSERT_TRUE(isMagicRound(add.getLhs()));
    auto round = add.getLhs().getDefiningOp<arith::SubFOp>();
    auto div = round.getLhs()
                   .getDefiningOp<arith::AddFOp>()
                   .getLhs()
                   .getDefiningOp<arith::DivFOp>();
    ASSERT_TRUE(div) << "the level is not x / scale";
    EXPECT_TRUE(div.getRhs().getDefiningOp<vector::BroadcastOp>());
    ++clamps;
  });
  EXPECT_EQ(clamps, 1);
}

// The FWHT: one stage per power of two h < k, pairing i = (p >> log h) <<
// (log h + 1) | (p & (h − 1)) with i + h, storing a + b at i and a − b at
// i + h; evaluated with the IR's constants, it equals numerics::fwht bit for
// bit, and the result is multiplied by numerics::hadamardScale.
TEST_F(W4A4PrologueGridTest, HadamardFollowsTheHeader) {
  constexpr int64_t k = 256;
  struct Stage {
    int64_t shr, shl, mask;
  };
  std::vector<Stage> stages;
  kernel.walk([&](arith::OrIOp orOp) {
    auto shl = orOp.getLhs().getDefiningOp<arith::ShLIOp>();
    auto andOp = orOp.getRhs().getDefiningOp<arith::AndIOp>();
    if (!shl || !andOp)
      return;
    auto shr = shl.getLhs().getDefiningOp<arith::ShRUIOp>();
    ASSERT_TRUE(shr) << "the stage's high part is not (p >> a) << b";
    EXPECT_EQ(shr.getLhs(), andOp.getLhs()) << "high and low of different p";
    std::optional<int64_t> a = constantIndex(shr.getRhs()),
                           b = constantIndex(shl.getRhs()),
                           mask = constantIndex(andOp.getRhs());
    ASSERT_TRUE(a && b && mask);
    stages.push_back({*a, *b, *mask});

    // The butterfly: loads at offI = base + 4·i and offJ = offI + 4h, then
    // stores of a + b at offI and a − b at offJ, in this order.
    SmallVector<LLVM::LoadOp> loads;
    SmallVector<LLVM::StoreOp> stores;
    for (Operation &op : *orOp->getBlock()) {
      if (auto load = dyn_cast<LLVM::LoadOp>(op))
        loads.push_back(load);
      if (auto store = dyn_cast<LLVM::StoreOp>(op))
        stores.push_back(store);
    }
    ASSERT_EQ(loads.size(), 2u);
    ASSERT_EQ(stores.size(), 2u);
    Value offI = sharedOffset(loads[0].getAddr());
    Value offJ = sharedOffset(loads[1].getAddr());
    ASSERT_TRUE(offI && offJ);
    auto plusH = offJ.getDefiningOp<arith::AddIOp>();
    ASSERT_TRUE(plusH && plusH.getLhs() == offI);
    EXPECT_EQ(constantIndex(plusH.getRhs()), 4 * (*mask + 1));
    auto scaled = offI.getDefiningOp<arith::AddIOp>();
    ASSERT_TRUE(scaled);
    auto times4 = scaled.getRhs().getDefiningOp<arith::MulIOp>();
    ASSERT_TRUE(times4 && times4.getLhs() == orOp.getResult() &&
                constantIndex(times4.getRhs()) == 4);
    auto sum = stores[0].getValue().getDefiningOp<arith::AddFOp>();
    auto diff = stores[1].getValue().getDefiningOp<arith::SubFOp>();
    ASSERT_TRUE(sum && diff);
    EXPECT_EQ(sum.getLhs(), loads[0].getResult());
    EXPECT_EQ(sum.getRhs(), loads[1].getResult());
    EXPECT_EQ(diff.getLhs(), loads[0].getResult());
    EXPECT_EQ(diff.getRhs(), loads[1].getResult());
    EXPECT_EQ(sharedOffset(stores[0].getAddr()), offI);
    EXPECT_EQ(sharedOffset(stores[1].getAddr()), offJ);
  });
  ASSERT_EQ(stages.size(), 8u) << "one stage per power of two below " << k;

  std::mt19937 gen(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> ir(k), want(k);
  for (int64_t i = 0; i < k; ++i)
    ir[i] = want[i] = dist(gen);
  for (const Stage &st : stages)
    for (int64_t p = 0; p < k / 2; ++p) {
      int64_t i = ((p >> st.shr) << st.shl) | (p & st.mask);
      int64_t j = i + st.mask + 1;
      float a = ir[i], b = ir[j];
      ir[i] = a + b;
      ir[j] = a - b;
    }
  numerics::fwht(want.data(), k);
  for (int64_t i = 0; i < k; ++i)
    ASSERT_TRUE(sameBits(ir[i], want[i])) << "element " << i;

  // The normalization: the loads of the transformed row times a broadcast
  // of the header's 1/sqrt(k).
  const float scale = numerics::hadamardScale<float>(k);
  int normalized = 0;
  kernel.walk([&](arith::MulFOp mul) {
    if (isa<VectorType>(mul.getType()) && mul.getLhs().getDefiningOp<LLVM::LoadOp>() &&
        isConstant(mul.getRhs(), scale))
      ++normalized;
  });
  EXPECT_GE(normalized, 1) << "no load times 1/sqrt(" << k << ")";
}

// No other rounding and no reciprocal of the scale.
TEST_F(W4A4PrologueGridTest, NoOtherRoundingOrReciprocal) {
  kernel.walk([&](Operation *op) {
    StringRef name = op->getName().getStringRef();
    EXPECT_FALSE(name.contains("round") || name.contains("rint") ||
                 name.contains("floor") || name.contains("ceil"))
        << name.str();
    if (auto div = dyn_cast<arith::DivFOp>(op))
      EXPECT_FALSE(isConstant(div.getLhs(), 1.0f)) << "reciprocal";
  });
}

} // namespace
