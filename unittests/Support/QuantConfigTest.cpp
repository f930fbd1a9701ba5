//===- QuantConfigTest.cpp - W<b>A<b>KV<b> configurations -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/QuantConfig.h"

#include "gtest/gtest.h"

using mlir::ost::parseQuantConfig;
using mlir::ost::QuantConfig;

namespace {

/// Parses `text`, failing the test on an error.
QuantConfig parse(llvm::StringRef text) {
  llvm::Expected<QuantConfig> config = parseQuantConfig(text);
  if (!config) {
    ADD_FAILURE() << text.str() << ": " << llvm::toString(config.takeError());
    return {};
  }
  return *config;
}

/// The error message of parsing `text` (empty if it parsed).
std::string parseError(llvm::StringRef text) {
  llvm::Expected<QuantConfig> config = parseQuantConfig(text);
  if (config)
    return "";
  return llvm::toString(config.takeError());
}

TEST(QuantConfig, ReleasedRecipes) {
  QuantConfig w4 = parse("W4A16KV16");
  EXPECT_EQ(w4.weightBits, 4u);
  EXPECT_EQ(w4.actBits, 16u);
  EXPECT_EQ(w4.kvBits, 16u);
  EXPECT_TRUE(w4.quantizesWeights());
  EXPECT_FALSE(w4.quantizesActivations());
  EXPECT_FALSE(w4.quantizesKVCache());

  QuantConfig a4 = parse("W4A4KV16");
  EXPECT_EQ(a4.actBits, 4u);
  EXPECT_TRUE(a4.quantizesActivations());
  EXPECT_FALSE(a4.quantizesKVCache());

  QuantConfig kv4 = parse("W4A4KV4");
  EXPECT_EQ(kv4.kvBits, 4u);
  EXPECT_TRUE(kv4.quantizesKVCache());

  QuantConfig a8 = parse("W4A8KV4");
  EXPECT_EQ(a8.weightBits, 4u);
  EXPECT_EQ(a8.actBits, 8u);
  EXPECT_EQ(a8.kvBits, 4u);
}

TEST(QuantConfig, KVDefaultsToFloat) {
  QuantConfig w8a8 = parse("W8A8");
  EXPECT_EQ(w8a8.weightBits, 8u);
  EXPECT_EQ(w8a8.actBits, 8u);
  EXPECT_EQ(w8a8.kvBits, 16u);
  EXPECT_EQ(w8a8.str(), "W8A8KV16");
}

TEST(QuantConfig, CaseAndSpaceInsensitive) {
  EXPECT_EQ(parse("w4a4kv4"), parse("W4A4KV4"));
  EXPECT_EQ(parse(" W4a16Kv16 "), parse("W4A16KV16"));
}

TEST(QuantConfig, FloatConfig) {
  QuantConfig fp = parse("W16A16");
  EXPECT_TRUE(fp.isFloat());
  EXPECT_TRUE(QuantConfig().isFloat());
  EXPECT_FALSE(parse("W16A16KV4").isFloat());
}

TEST(QuantConfig, StrRoundTrips) {
  for (unsigned w : {2u, 3u, 4u, 8u, 16u})
    for (unsigned a : {4u, 6u, 16u})
      for (unsigned kv : {2u, 4u, 16u}) {
        QuantConfig c;
        c.weightBits = w;
        c.actBits = a;
        c.kvBits = kv;
        EXPECT_EQ(parse(c.str()), c) << c.str();
      }
  EXPECT_EQ(parse("W4A4KV4").str(), "W4A4KV4");
}

TEST(QuantConfig, RejectsMalformedText) {
  for (llvm::StringRef bad :
       {"", "W4", "A4W4", "W4A", "WA4", "W4A4KV", "W4A4K4", "W4A4KV4x", "W4-A4",
        "W+4A4", "W4A4KV4KV4", "int4", "W0004A4", "W4 A4"}) {
    std::string error = parseError(bad);
    EXPECT_NE(error.find("invalid quantization config '" + bad.str() + "'"),
              std::string::npos)
        << bad.str() << " -> " << error;
    EXPECT_NE(error.find("expected W<bits>A<bits>[KV<bits>]"),
              std::string::npos)
        << error;
  }
}

TEST(QuantConfig, RejectsUnsupportedBitWidths) {
  EXPECT_EQ(parseError("W1A4"),
            "invalid quantization config 'W1A4': weight bits must be 2..8 or "
            "16, got 1");
  EXPECT_EQ(parseError("W4A12"),
            "invalid quantization config 'W4A12': activation bits must be "
            "2..8 or 16, got 12");
  EXPECT_EQ(parseError("W4A4KV32"),
            "invalid quantization config 'W4A4KV32': KV-cache bits must be "
            "2..8 or 16, got 32");
  EXPECT_NE(parseError("W9A16"), "");
  EXPECT_NE(parseError("W0A16"), "");
}

} // namespace
