//===- ExportQuantOps.cpp - packed weights, quantizers, online Hadamards --===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//  * ost.qlinear → com.microsoft.MatMulNBits (4-bit; B [N, blocks, block/2]
//    with the unsigned levels, symmetric levels shifted by the default zero
//    point 8, per-channel scales repeated over the channel's blocks) or QDQ
//    (an INT4/UINT4 or INT8/UINT8 initializer Wᵀ [K, N], DequantizeLinear
//    per axis or with block_size, MatMul). With an activation spec (W4A4)
//    the input is first fake-quantized by float ops.
//  * ost.fake_quant (the KV quantizer) → those float ops: the arithmetic of
//    ost/Numerics/QuantGrid.h, operation by operation.
//  * ost.online_hadamard → x as [.., K, a, b] (n = K·a·b, a·b = 2^m,
//    b ≤ 256): MatMul by the Sylvester H_b on the last axis, by H_a on the
//    one before, then by H_K (H_Kᵀ for transpose) on the K axis, times
//    1/sqrt(n): the Kronecker factors of 𝓗 = (H_K ⊗ H_{2^m})/sqrt(n), never
//    a dense n × n matrix.
//
//===----------------------------------------------------------------------===//

#include "Exporter.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Numerics/HadamardApply.h"
#include "ost/Numerics/QuantGrid.h"
#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::onnxexport;

FailureOr<std::string> Exporter::fakeQuant(const std::string &x, int64_t rank,
                                           int64_t lastDim, QuantSpecAttr spec,
                                           Operation *op) {
  Granularity granularity = spec.getGranularity();
  if (granularity == Granularity::PerChannel) {
    op->emitError("the onnx target quantizes activations per token or per "
                  "tensor, not per channel");
    return failure();
  }
  int64_t group = spec.getGroupSize();
  bool grouped = group > 0 && group != lastDim;
  if (grouped && (ShapedType::isDynamic(lastDim) || lastDim % group != 0)) {
    op->emitError("the onnx target needs a static last dimension that the "
                  "group size divides");
    return failure();
  }
  std::string hint = hintFor(op) + "_fq";
  std::string in = x;
  if (grouped)
    in = b.reshapeLast(x, rank, {lastDim / group, group}, hint + "_g");
  auto reduce = [&](StringRef opName, StringRef name) {
    std::vector<std::string> inputs{in};
    if (granularity == Granularity::PerToken)
      inputs.push_back(b.i64({-1}));
    onnx::NodeProto &n = b.node(opName, inputs, (hint + "_" + name).str());
    GraphBuilder::setInt(n, "keepdims", 1);
    return n.output(0);
  };
  std::string lo = reduce("ReduceMin", "lo"), hi = reduce("ReduceMax", "hi");
  float clip = static_cast<float>(spec.getClipRatioValue());
  std::string xmax = b.op(
      "Max", {hi, b.f32Scalar(::ost::numerics::kRangeFloor)}, hint + "_xmax");
  std::string xmin = b.op("Min", {lo, b.f32Scalar(0.0f)}, hint + "_xmin");
  if (clip != 1.0f) {
    xmax = b.op("Mul", {xmax, b.f32Scalar(clip)}, hint + "_xmax_clip");
    xmin = b.op("Mul", {xmin, b.f32Scalar(clip)}, hint + "_xmin_clip");
  }
  unsigned bits = spec.getBits();
  bool symmetric = spec.getSymmetric();
  float qmin = static_cast<float>(spec.getQMin()),
        qmax = static_cast<float>(spec.getQMax());
  std::string scale, zp;
  if (symmetric) {
    float negLevels = static_cast<float>(int64_t(1) << (bits - 1));
    scale = b.op("Max",
                 {b.op("Div", {xmin, b.f32Scalar(-negLevels)}, hint + "_sn"),
                  b.op("Div", {xmax, b.f32Scalar(negLevels - 1.0f)},
                       hint + "_sp")},
                 hint + "_scale");
  } else {
    scale = b.op("Div",
                 {b.op("Sub", {xmax, xmin}, hint + "_range"), b.f32Scalar(qmax)},
                 hint + "_scale");
    zp = b.op("Round",
              {b.op("Div", {b.op("Neg", {xmin}, hint + "_negmin"), scale},
                    hint + "_zpf")},
              hint + "_zp");
  }
  std::string level =
      b.op("Round", {b.op("Div", {in, scale}, hint + "_xs")}, hint + "_r");
  if (!symmetric)
    level = b.op("Add", {level, zp}, hint + "_rz");
  level = b.op("Max", {level, b.f32Scalar(qmin)}, hint + "_lmin");
  level = b.op("Min", {level, b.f32Scalar(qmax)}, hint + "_level");
  if (!symmetric)
    level = b.op("Sub", {level, zp}, hint + "_centered");
  std::string out = b.op("Mul", {level, scale}, hint);
  if (grouped)
    out = b.reshapeLast(out, rank, {lastDim}, hint + "_ungroup");
  return out;
}

namespace {

/// The bytes of a constant operand, or an error at `op`.
FailureOr<std::vector<char>> constantBytes(Value v, Operation *op,
                                           StringRef what) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr))) {
    op->emitError("the onnx target needs constant ") << what;
    return failure();
  }
  return getRawBytes(attr, op);
}

/// Integer values of a constant of 8-, 32- or 64-bit integers.
FailureOr<std::vector<int64_t>> constantInts(Value v, Operation *op,
                                             StringRef what) {
  unsigned width = cast<ShapedType>(v.getType()).getElementTypeBitWidth();
  if (width != 8 && width != 32 && width != 64) {
    op->emitError("the onnx target reads 8-, 32- or 64-bit ") << what;
    return failure();
  }
  FailureOr<std::vector<char>> raw = constantBytes(v, op, what);
  if (failed(raw))
    return failure();
  std::vector<int64_t> out;
  for (size_t i = 0; i < raw->size(); i += width / 8) {
    const char *p = raw->data() + i;
    if (width == 8)
      out.push_back(static_cast<int8_t>(*p));
    else if (width == 32)
      out.push_back(llvm::support::endian::read32le(p));
    else
      out.push_back(static_cast<int64_t>(llvm::support::endian::read64le(p)));
  }
  return out;
}

/// The level of element k of row n (unpacked from `bits`-bit fields, two's
/// complement when symmetric).
int64_t getLevel(ArrayRef<char> packed, int64_t rowBytes, int64_t n,
                 int64_t k, unsigned bits, bool symmetric) {
  int64_t perByte = 8 / bits;
  uint8_t byte = static_cast<uint8_t>(packed[n * rowBytes + k / perByte]);
  unsigned field = (byte >> ((k % perByte) * bits)) & ((1u << bits) - 1);
  if (symmetric && (field & (1u << (bits - 1))))
    return static_cast<int64_t>(field) - (int64_t(1) << bits);
  return field;
}

/// Packs 4-bit values two per byte, low nibble first.
std::vector<char> packNibbles(ArrayRef<uint8_t> values) {
  std::vector<char> out((values.size() + 1) / 2, 0);
  for (size_t i = 0; i < values.size(); ++i)
    out[i / 2] = static_cast<char>(static_cast<uint8_t>(out[i / 2]) |
                                   ((values[i] & 0xF) << (i % 2 ? 4 : 0)));
  return out;
}

struct QLinearParts {
  int64_t n = 0, k = 0, groups = 1, groupSize = 0;
  unsigned bits = 4;
  bool symmetric = true;
  std::vector<char> packed;
  int64_t rowBytes = 0;
  std::vector<float> scales;     // [n, groups]
  std::vector<int64_t> zeroPoints; // [n, groups] (asymmetric)
};

FailureOr<QLinearParts> readQLinear(QLinearOp op) {
  QLinearParts p;
  QuantSpecAttr spec = op.getWeightSpec();
  p.bits = spec.getBits();
  p.symmetric = spec.getSymmetric();
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  p.n = weightType.getDimSize(0);
  p.rowBytes = weightType.getDimSize(1);
  p.k = p.rowBytes * 8 / p.bits;
  p.groups = cast<RankedTensorType>(op.getScales().getType()).getDimSize(1);
  p.groupSize = p.groups == 1 ? p.k : p.k / p.groups;
  FailureOr<std::vector<char>> packed =
      constantBytes(op.getWeight(), op, "packed weights");
  FailureOr<std::vector<char>> scales =
      constantBytes(op.getScales(), op, "weight scales");
  if (failed(packed) || failed(scales))
    return failure();
  if (!cast<RankedTensorType>(op.getScales().getType())
           .getElementType()
           .isF32()) {
    op.emitError("the onnx target needs f32 weight scales");
    return failure();
  }
  p.packed = std::move(*packed);
  p.scales.resize(scales->size() / sizeof(float));
  std::memcpy(p.scales.data(), scales->data(), scales->size());
  if (Value zp = op.getZeroPoints()) {
    FailureOr<std::vector<int64_t>> zps =
        constantInts(zp, op, "weight zero points");
    if (failed(zps))
      return failure();
    p.zeroPoints = std::move(*zps);
  }
  return p;
}

/// The block size of the MatMulNBits export.
FailureOr<int64_t> getBlockSize(const QLinearParts &p, int64_t requested,
                                Operation *op) {
  if (p.groups > 1) {
    if (p.groupSize < 16 || !llvm::isPowerOf2_64(p.groupSize)) {
      op->emitError("MatMulNBits needs a power-of-two block of at least 16; "
                    "the weight groups are ")
          << p.groupSize << " (use --onnx-weights=qdq)";
      return failure();
    }
    return p.groupSize;
  }
  if (requested) {
    if (requested < 16 || !llvm::isPowerOf2_64(requested)) {
      op->emitError("--onnx-block-size=")
          << requested << " is not a power of two of at least 16";
      return failure();
    }
    return requested;
  }
  return std::min<int64_t>(
      128, std::max<int64_t>(16, static_cast<int64_t>(llvm::PowerOf2Ceil(
                                     static_cast<uint64_t>(p.k)))));
}

/// com.microsoft.MatMulNBits(x, B, scales[, zero_points]).
FailureOr<std::string> emitMatMulNBits(Exporter &e, QLinearOp op,
                                       const QLinearParts &p,
                                       const std::string &x) {
  if (p.bits != 4) {
    op.emitError("the MatMulNBits export writes 4-bit weights, not ")
        << p.bits << "-bit (use --onnx-weights=qdq for 8 bits)";
    return failure();
  }
  FailureOr<int64_t> blockOr = getBlockSize(p, e.options.blockSize, op);
  if (failed(blockOr))
    return failure();
  int64_t block = *blockOr;
  int64_t blocks = (p.k + block - 1) / block, blob = block / 2;
  std::vector<uint8_t> levels(static_cast<size_t>(p.n * blocks * block));
  std::vector<float> scales(static_cast<size_t>(p.n * blocks));
  std::vector<uint8_t> zps(static_cast<size_t>(p.n * blocks), 8);
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t blk = 0; blk < blocks; ++blk) {
      int64_t g = p.groups == 1 ? 0 : blk;
      scales[n * blocks + blk] = p.scales[n * p.groups + g];
      if (!p.symmetric)
        zps[n * blocks + blk] =
            static_cast<uint8_t>(p.zeroPoints[n * p.groups + g]);
      for (int64_t i = 0; i < block; ++i) {
        int64_t k = blk * block + i;
        uint8_t level = zps[n * blocks + blk]; // padding: the value 0
        if (k < p.k) {
          int64_t q = getLevel(p.packed, p.rowBytes, n, k, 4, p.symmetric);
          level = static_cast<uint8_t>(p.symmetric ? q + 8 : q);
        }
        levels[(n * blocks + blk) * block + i] = level;
      }
    }
  }
  GraphBuilder &b = e.b;
  std::string hint = e.hintFor(op);
  std::vector<char> packed = packNibbles(levels);
  std::vector<std::string> inputs{
      x, b.initializer(hint + "_B", kUInt8, {p.n, blocks, blob}, packed),
      b.initializer(hint + "_scales", kFloat, {p.n, blocks},
                    ArrayRef<char>(reinterpret_cast<const char *>(scales.data()),
                                   scales.size() * sizeof(float)))};
  if (!p.symmetric) {
    // Per row: ceil(blocks / 2) bytes, block j in byte j / 2.
    int64_t zpBytes = (blocks + 1) / 2;
    std::vector<char> zpPacked(static_cast<size_t>(p.n * zpBytes), 0);
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t blk = 0; blk < blocks; ++blk)
        zpPacked[n * zpBytes + blk / 2] = static_cast<char>(
            static_cast<uint8_t>(zpPacked[n * zpBytes + blk / 2]) |
            (zps[n * blocks + blk] << (blk % 2 ? 4 : 0)));
    inputs.push_back(
        b.initializer(hint + "_zero_points", kUInt8, {p.n, zpBytes}, zpPacked));
  }
  onnx::NodeProto &node = b.node("MatMulNBits", inputs, hint, 1, "com.microsoft");
  GraphBuilder::setInt(node, "K", p.k);
  GraphBuilder::setInt(node, "N", p.n);
  GraphBuilder::setInt(node, "bits", 4);
  GraphBuilder::setInt(node, "block_size", block);
  return node.output(0);
}

/// DequantizeLinear(Wᵀ levels, scales[, zero points]) then MatMul.
FailureOr<std::string> emitQDQ(Exporter &e, QLinearOp op,
                               const QLinearParts &p, const std::string &x) {
  if (p.bits != 4 && p.bits != 8) {
    op.emitError("the QDQ export writes 4- and 8-bit weights, not ")
        << p.bits << "-bit";
    return failure();
  }
  int32_t type = p.bits == 4 ? (p.symmetric ? kInt4 : 21 /*UINT4*/)
                             : (p.symmetric ? kInt8 : kUInt8);
  // Wᵀ [K, N], row-major.
  std::vector<uint8_t> fields(static_cast<size_t>(p.k * p.n));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t k = 0; k < p.k; ++k)
      fields[k * p.n + n] = static_cast<uint8_t>(
          getLevel(p.packed, p.rowBytes, n, k, p.bits, p.symmetric));
  auto pack = [&](ArrayRef<uint8_t> v) {
    return p.bits == 4 ? packNibbles(v)
                       : std::vector<char>(v.begin(), v.end());
  };
  GraphBuilder &b = e.b;
  std::string hint = e.hintFor(op);
  bool perAxis = p.groups == 1;
  int64_t blocks = p.groups;
  // Scales [N] per axis 1, or [K/g, N] blocked along axis 0.
  std::vector<float> scales;
  std::vector<uint8_t> zps;
  std::vector<int64_t> scaleDims =
      perAxis ? std::vector<int64_t>{p.n} : std::vector<int64_t>{blocks, p.n};
  for (int64_t g = 0; g < blocks; ++g)
    for (int64_t n = 0; n < p.n; ++n) {
      scales.push_back(p.scales[n * p.groups + g]);
      if (!p.symmetric)
        zps.push_back(static_cast<uint8_t>(p.zeroPoints[n * p.groups + g]));
    }
  std::vector<std::string> inputs{
      b.initializer(hint + "_Wq", type, {p.k, p.n}, pack(fields)),
      b.initializer(hint + "_scales", kFloat, scaleDims,
                    ArrayRef<char>(reinterpret_cast<const char *>(scales.data()),
                                   scales.size() * sizeof(float)))};
  if (!p.symmetric)
    inputs.push_back(
        b.initializer(hint + "_zero_points", type, scaleDims, pack(zps)));
  onnx::NodeProto &dq = b.node("DequantizeLinear", inputs, hint + "_W");
  GraphBuilder::setInt(dq, "axis", perAxis ? 1 : 0);
  if (!perAxis)
    GraphBuilder::setInt(dq, "block_size", p.groupSize);
  return b.op("MatMul", {x, dq.output(0)}, hint);
}

LogicalResult emitQLinear(Exporter &e, QLinearOp op) {
  FailureOr<std::string> x = e.get(op.getInput(), op);
  if (failed(x))
    return failure();
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  if (!inputType.getElementType().isF32())
    return op.emitError("the onnx target exports f32 activations");
  FailureOr<QLinearParts> parts = readQLinear(op);
  if (failed(parts))
    return failure();
  std::string in = *x;
  if (std::optional<QuantSpecAttr> act = op.getActSpec()) {
    FailureOr<std::string> q =
        e.fakeQuant(in, inputType.getRank(),
                    inputType.getDimSize(inputType.getRank() - 1), *act, op);
    if (failed(q))
      return failure();
    in = *q;
  }
  FailureOr<std::string> y =
      e.options.weightFormat == ONNXWeightFormat::MatMulNBits
          ? emitMatMulNBits(e, op, *parts, in)
          : emitQDQ(e, op, *parts, in);
  if (failed(y))
    return failure();
  std::string out = *y;
  if (Value bias = op.getBias()) {
    FailureOr<std::string> bv = e.get(bias, op);
    if (failed(bv))
      return failure();
    out = e.b.op("Add", {out, *bv}, e.hintFor(op) + "_bias");
  }
  e.set(op.getResult(), out);
  return success();
}

/// The Sylvester matrix of order m (±1, symmetric) as floats.
std::vector<float> sylvester(int64_t m) {
  std::vector<float> h(static_cast<size_t>(m * m));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      h[i * m + j] = llvm::popcount(static_cast<uint64_t>(i & j)) % 2 ? -1.0f
                                                                      : 1.0f;
  return h;
}

LogicalResult emitOnlineHadamard(Exporter &e, OnlineHadamardOp op) {
  FailureOr<std::string> x = e.get(op.getInput(), op);
  if (failed(x))
    return failure();
  auto type = cast<RankedTensorType>(op.getInput().getType());
  int64_t rank = type.getRank(), n = type.getDimSize(rank - 1);
  std::optional<int64_t> factor =
      ShapedType::isDynamic(n) ? std::nullopt : getHadamardFactor(n);
  if (!factor)
    return op.emitError("the onnx target needs a static size with a "
                        "Hadamard factorization");
  int64_t kf = *factor, m = n / kf;
  int64_t bsz = std::min<int64_t>(m, 256), asz = m / bsz;
  if (asz > 256)
    return op.emitError("the onnx target splits the Sylvester factor in two "
                        "blocks of at most 256; 2^m = ")
           << m << " is too long";
  GraphBuilder &b = e.b;
  std::string hint = e.hintFor(op);
  auto reshapeTo = [&](const std::string &v, ArrayRef<int64_t> tail,
                       StringRef name) {
    return b.reshapeLast(v, rank, tail, (hint + "_" + name).str());
  };
  auto matrix = [&](ArrayRef<float> values, int64_t size, StringRef name) {
    return b.initializer((hint + "_" + name).str(), kFloat, {size, size},
                         ArrayRef<char>(reinterpret_cast<const char *>(
                                            values.data()),
                                        values.size() * sizeof(float)));
  };
  std::string y;
  if (asz == 1) {
    y = reshapeTo(*x, {kf, m}, "km");
    if (m > 1)
      y = b.op("MatMul", {y, matrix(sylvester(m), m, "H2m")}, hint + "_fwht");
  } else {
    y = reshapeTo(*x, {kf, asz, bsz}, "kab");
    y = b.op("MatMul", {y, matrix(sylvester(bsz), bsz, "Hb")}, hint + "_fwht_b");
    y = b.op("MatMul", {matrix(sylvester(asz), asz, "Ha"), y}, hint + "_fwht_a");
    y = reshapeTo(y, {kf, m}, "km");
  }
  if (kf > 1) {
    const std::vector<int8_t> &hk = getCachedHadamardMatrix(kf);
    std::vector<float> hf(static_cast<size_t>(kf * kf));
    ::ost::numerics::convertFactor(hk.data(), kf, op.getTranspose(),
                                   hf.data());
    y = b.op("MatMul", {matrix(hf, kf, "HK"), y}, hint + "_hk");
  }
  y = b.op("Mul", {y, b.f32Scalar(::ost::numerics::hadamardScale<float>(n))},
           hint + "_scaled");
  onnx::NodeProto &back = b.node("Reshape", {y, b.shapeOf(*x)}, hint);
  GraphBuilder::setInt(back, "allowzero", 1);
  e.set(op.getResult(), back.output(0));
  return success();
}

} // namespace

LogicalResult mlir::ost::onnxexport::emitQuantOp(Exporter &e, Operation *op,
                                                 bool &handled) {
  handled = true;
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](QLinearOp x) { return emitQLinear(e, x); })
      .Case([&](FakeQuantOp x) -> LogicalResult {
        FailureOr<std::string> in = e.get(x.getInput(), op);
        if (failed(in))
          return failure();
        if (x.getClipSearch())
          return op->emitError("the onnx target exports run-time quantizers; "
                               "a clip-searched weight quantizer is left: "
                               "quantize the weights first");
        auto type = cast<RankedTensorType>(x.getInput().getType());
        FailureOr<std::string> q =
            e.fakeQuant(*in, type.getRank(),
                        type.getDimSize(type.getRank() - 1), x.getSpec(), op);
        if (failed(q))
          return failure();
        e.set(x.getResult(), *q);
        return success();
      })
      .Case([&](OnlineHadamardOp x) { return emitOnlineHadamard(e, x); })
      .Default([&](Operation *) {
        handled = false;
        return success();
      });
}
