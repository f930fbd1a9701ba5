//===- PackingTest.cpp - low-bit weight packing ---------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "QuantTestUtils.h"

#include "gtest/gtest.h"

#include <optional>

using namespace ost::quant;
using namespace ost::quant::test;

namespace {

/// unpackWeight of the packed levels, as floats.
std::vector<float> unpack(const QuantizedWeight &q,
                          const std::vector<int8_t> &packed,
                          const WeightQuantOptions &options) {
  using mlir::ost::DType;
  using mlir::ost::Tensor;
  int64_t bytes = q.cols * options.bits / 8;
  Tensor packedTensor = Tensor::fromInts(
      {q.rows, bytes}, std::vector<int64_t>(packed.begin(), packed.end()),
      DType::I8);
  Tensor scales = Tensor::fromFloats({q.rows, q.groups}, q.scales);
  // Symmetric weights have no zero points (q.zeroPoints is empty).
  std::vector<int64_t> zeroPoints;
  for (int8_t zp : q.zeroPoints)
    zeroPoints.push_back(static_cast<uint8_t>(zp));
  std::optional<Tensor> zp;
  if (!options.symmetric)
    zp = Tensor::fromInts({q.rows, q.groups}, zeroPoints, DType::I8, 8);
  llvm::Expected<Tensor> w = mlir::ost::unpackWeight(
      packedTensor, scales, zp ? &*zp : nullptr,
      toQuantParams(options), mlir::ost::KernelContext());
  EXPECT_TRUE(static_cast<bool>(w));
  if (!w) {
    llvm::consumeError(w.takeError());
    return {};
  }
  return std::vector<float>(w->getFloats().begin(), w->getFloats().end());
}

TEST(PackingTest, UnpackWeightReadsBackTheDequantizedWeight) {
  const int64_t rows = 12, cols = 64;
  std::vector<float> w = randomWeight(rows, cols, 1);
  std::vector<float> x = correlatedInputs(256, cols, 2);
  HessianAccumulator acc(cols);
  acc.add(x.data(), 256);
  for (unsigned bits : {2u, 4u, 8u})
    for (bool symmetric : {true, false})
      for (int64_t groupSize : {int64_t(0), int64_t(16)}) {
        WeightQuantOptions options;
        options.bits = bits;
        options.symmetric = symmetric;
        options.groupSize = groupSize;
        for (bool gptq : {false, true}) {
          QuantizedWeight q =
              gptq ? cantFail(quantizeGPTQ(w.data(), rows, cols,
                                           acc.getHessian(), options,
                                           GPTQOptions()))
                   : cantFail(quantizeRTN(w.data(), rows, cols, options));
          std::vector<int8_t> packed = cantFail(packLevels(q, bits));
          ASSERT_EQ(packed.size(), size_t(rows * cols * bits / 8));
          EXPECT_TRUE(bitwiseEqual(unpack(q, packed, options), q.dequantized))
              << bits << " bits, sym " << symmetric << ", group " << groupSize
              << ", gptq " << gptq;
        }
      }
}

TEST(PackingTest, ByteLayoutIsLittleEndFirst) {
  QuantizedWeight q;
  q.rows = 1;
  q.cols = 4;
  q.levels = {1, -1, -8, 7};
  // 4 bits: byte 0 = (-1 & 0xF) << 4 | 1 = 0xF1, byte 1 = 7 << 4 | 8 = 0x78.
  EXPECT_EQ(cantFail(packLevels(q, 4)),
            (std::vector<int8_t>{int8_t(0xF1), int8_t(0x78)}));
  // 8 bits: the levels themselves.
  q.levels = {1, -1, -8, 7};
  EXPECT_EQ(cantFail(packLevels(q, 8)), q.levels);
  // 2 bits, symmetric range [-2, 1]: 1 | 3 << 2 | 2 << 4 | 0 << 6 = 0x2D.
  q.levels = {1, -1, -2, 0};
  EXPECT_EQ(cantFail(packLevels(q, 2)), (std::vector<int8_t>{int8_t(0x2D)}));
  // Asymmetric 8-bit levels above 127 are unsigned.
  q.levels = {int8_t(200), 0, int8_t(255), 17};
  q.zeroPoints = {int8_t(128)};
  EXPECT_EQ(cantFail(packLevels(q, 8)), q.levels);
}

TEST(PackingTest, ErrorsAreReported) {
  QuantizedWeight q;
  q.rows = 1;
  q.cols = 4;
  q.levels = {1, -1, 2, 0};
  auto message = [&](unsigned bits) {
    llvm::Expected<std::vector<int8_t>> packed = packLevels(q, bits);
    return packed ? std::string() : llvm::toString(packed.takeError());
  };
  EXPECT_EQ(message(3),
            "pack: packed weights need bits dividing 8 (2, 4 or 8), got 3");
  EXPECT_EQ(message(2), "pack: level 2 at (0, 2) does not fit in 2 bits "
                        "(symmetric range [-2, 1])");
  q.zeroPoints = {0};
  // Asymmetric levels are read unsigned: the byte of -1 is 255.
  EXPECT_EQ(message(2), "pack: level 255 at (0, 1) does not fit in 2 bits "
                        "(asymmetric range [0, 3])");
  q.cols = 3;
  q.levels = {1, 1, 1};
  EXPECT_EQ(message(4), "pack: 3 columns of 4 bits do not fill whole bytes");
  q.levels = {1};
  EXPECT_EQ(message(8), "pack: the weight holds 1 levels for a shape [1, 3]");
}

} // namespace
