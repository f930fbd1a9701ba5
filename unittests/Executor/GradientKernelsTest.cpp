//===- GradientKernelsTest.cpp - every gradient rule against finite diffs -===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Each vector-Jacobian product of Gradients.h is compared with central
// finite differences of L = Σ r ⊙ f(x) (float32 forward, float64 sums) along
// random directions; the relative error must stay below 1e-3. Maps that are
// linear in the checked operand use a large step (the difference quotient is
// exact up to rounding); the others use h = 1e-2. Fake quantization is
// checked against its straight-through surrogate (see FakeQuantSurrogate).
// Last, the rules give bit-identical results for 1 and 3 threads.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"
#include "GradientTestUtils.h"

#include "ost/Executor/Gradients.h"

#include <cblas.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

/// Step for maps linear in the checked operand, and for the others.
constexpr double kLinearStep = 0.5;
constexpr double kSmoothStep = 1e-2;

/// Kernels run on two threads (their chunks do not depend on it) with
/// OpenBLAS single-threaded, as in an executor run.
class GradientKernelsTest : public ::testing::Test {
protected:
  void SetUp() override {
    previousBlasThreads = openblas_get_num_threads();
    openblas_set_num_threads(1);
  }
  void TearDown() override { openblas_set_num_threads(previousBlasThreads); }

  KernelContext ctx{2};
  int previousBlasThreads = 1;
};

/// A transform of `kind` on dimension `dim` (block size `bs` for block
/// rotations) with random parameters.
Transform makeTransform(TransformKind kind, int64_t dim, int64_t bs,
                        unsigned seed) {
  Transform t;
  t.kind = kind;
  t.dim = dim;
  switch (kind) {
  case TransformKind::Rotation:
    t.value = randomOrthogonal(dim, seed);
    break;
  case TransformKind::BlockRotation: {
    t.blockSize = bs;
    t.blocks = dim / bs;
    t.value = Tensor({t.blocks, bs, bs});
    for (int64_t b = 0; b < t.blocks; ++b) {
      Tensor q = randomOrthogonal(bs, seed + b);
      std::copy(q.getFloats().begin(), q.getFloats().end(),
                t.value.getFloatData() + b * bs * bs);
    }
    break;
  }
  case TransformKind::Scale:
    t.value = randomTensor({dim}, seed, 0.5f, 2.0f);
    break;
  case TransformKind::Hadamard:
    t.value = Tensor({0});
    break;
  }
  return t;
}

/// `t` with its parameters replaced.
Transform withValue(Transform t, const Tensor &value) {
  t.value = value;
  return t;
}

const char *kindName(TransformKind kind) {
  switch (kind) {
  case TransformKind::Rotation:
    return "rotation";
  case TransformKind::BlockRotation:
    return "block rotation";
  case TransformKind::Scale:
    return "scale";
  case TransformKind::Hadamard:
    return "hadamard";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Model rules
//===----------------------------------------------------------------------===//

TEST_F(GradientKernelsTest, Embedding) {
  Tensor table = randomTensor({7, 5}, 1);
  Tensor ids = intTensor({2, 4}, {0, 3, 3, 6, 1, 3, 0, 2});
  Tensor r = randomTensor({2, 4, 5}, 2);
  Tensor grad = valueOf(embeddingBackward(r, ids, 7, ctx));
  expectGradient(
      "embedding table",
      [&](const Tensor &t) { return valueOf(embedding(t, ids, ctx)); }, r,
      table, grad, kLinearStep);
  // Rows of unused ids stay zero; repeated ids add up.
  for (int64_t j = 0; j < 5; ++j) {
    EXPECT_EQ(grad.getFloats()[4 * 5 + j], 0.0f);
    EXPECT_FLOAT_EQ(grad.getFloats()[3 * 5 + j], r.getFloats()[1 * 5 + j] +
                                                     r.getFloats()[2 * 5 + j] +
                                                     r.getFloats()[5 * 5 + j]);
  }
  KernelResult bad =
      embeddingBackward(r, intTensor({2, 4}, {0, 9, 0, 0, 0, 0, 0, 0}), 7, ctx);
  ASSERT_FALSE(bad);
  EXPECT_NE(llvm::toString(bad.takeError()).find("out of range"),
            std::string::npos);
}

TEST_F(GradientKernelsTest, RMSNorm) {
  Tensor x = randomTensor({2, 3, 8}, 3);
  Tensor w = randomTensor({8}, 4, 0.5f, 1.5f);
  Tensor r = randomTensor({2, 3, 8}, 5);
  double eps = 1e-5;
  auto g = rmsNormBackward(r, x, &w, eps, /*weightGradient=*/true, ctx);
  ASSERT_TRUE(!!g) << llvm::toString(g.takeError());
  expectGradient(
      "rms_norm input",
      [&](const Tensor &v) { return valueOf(rmsNorm(v, &w, eps, ctx)); }, r, x,
      g->input, kSmoothStep);
  ASSERT_TRUE(g->weight.has_value());
  expectGradient(
      "rms_norm weight",
      [&](const Tensor &v) { return valueOf(rmsNorm(x, &v, eps, ctx)); }, r, w,
      *g->weight, kLinearStep);

  auto unit = rmsNormBackward(r, x, nullptr, eps, true, ctx);
  ASSERT_TRUE(!!unit) << llvm::toString(unit.takeError());
  EXPECT_FALSE(unit->weight.has_value());
  expectGradient(
      "rms_norm input (no weight)",
      [&](const Tensor &v) { return valueOf(rmsNorm(v, nullptr, eps, ctx)); },
      r, x, unit->input, kSmoothStep);
}

TEST_F(GradientKernelsTest, Linear) {
  Tensor x = randomTensor({2, 3, 6}, 6);
  Tensor w = randomTensor({5, 6}, 7);
  Tensor b = randomTensor({5}, 8);
  Tensor r = randomTensor({2, 3, 5}, 9);
  auto g = linearBackward(r, &x, &w, /*biasGradient=*/true, ctx);
  ASSERT_TRUE(!!g) << llvm::toString(g.takeError());
  expectGradient(
      "linear input",
      [&](const Tensor &v) { return valueOf(linear(v, w, &b, ctx)); }, r, x,
      *g->input, kLinearStep);
  expectGradient(
      "linear weight",
      [&](const Tensor &v) { return valueOf(linear(x, v, &b, ctx)); }, r, w,
      *g->weight, kLinearStep);
  expectGradient(
      "linear bias",
      [&](const Tensor &v) { return valueOf(linear(x, w, &v, ctx)); }, r, b,
      *g->bias, kLinearStep);

  // Only what is asked for is computed, from what it needs.
  auto onlyWeight = linearBackward(r, &x, nullptr, false, ctx);
  ASSERT_TRUE(!!onlyWeight);
  EXPECT_FALSE(onlyWeight->input || onlyWeight->bias);
  EXPECT_TRUE(onlyWeight->weight->bitwiseEquals(*g->weight));
}

TEST_F(GradientKernelsTest, Rope) {
  Tensor x = randomTensor({2, 5, 3, 6}, 10);
  Tensor r = randomTensor({2, 5, 3, 6}, 11);
  auto [cos, sin] = ropeTables(5, 6);
  Tensor cosB = randomTensor({2, 5, 3}, 12), sinB = randomTensor({2, 5, 3}, 13);
  for (RopeLayout layout : {RopeLayout::RotateHalf, RopeLayout::Interleaved}) {
    for (bool perBatch : {false, true}) {
      const Tensor &c = perBatch ? cosB : cos, &s = perBatch ? sinB : sin;
      Tensor grad = valueOf(ropeBackward(r, c, s, layout, ctx));
      expectGradient(
          std::string("rope input, ") +
              (layout == RopeLayout::Interleaved ? "interleaved"
                                                 : "rotate_half") +
              (perBatch ? ", per-batch tables" : ""),
          [&](const Tensor &v) { return valueOf(rope(v, c, s, layout, ctx)); },
          r, x, grad, kLinearStep);
    }
  }
}

/// Checks dq, dk and dv of one attention configuration.
void checkAttention(const std::string &what, const Tensor &q, const Tensor &k,
                    const Tensor &v, const Tensor *mask, bool causal,
                    const KernelContext &ctx) {
  double scale = 1.0 / std::sqrt(double(q.getDimSize(3)));
  Tensor r = randomTensor(q.getShape(), 20);
  auto g = attentionBackward(r, q, k, v, mask, scale, causal, ctx);
  ASSERT_TRUE(!!g) << llvm::toString(g.takeError());
  expectGradient(
      what + ": query",
      [&](const Tensor &x) {
        return valueOf(attention(x, k, v, mask, scale, causal, ctx));
      },
      r, q, g->query, kSmoothStep);
  expectGradient(
      what + ": key",
      [&](const Tensor &x) {
        return valueOf(attention(q, x, v, mask, scale, causal, ctx));
      },
      r, k, g->key, kSmoothStep);
  expectGradient(
      what + ": value",
      [&](const Tensor &x) {
        return valueOf(attention(q, k, x, mask, scale, causal, ctx));
      },
      r, v, g->value, kLinearStep);
}

TEST_F(GradientKernelsTest, AttentionGroupedCausalWithMask) {
  // GQA (4 query heads on 2 KV heads), keys longer than queries (offset 2),
  // a 2-D additive mask.
  Tensor q = randomTensor({2, 5, 4, 4}, 21, -2.0f, 2.0f);
  Tensor k = randomTensor({2, 7, 2, 4}, 22, -2.0f, 2.0f);
  Tensor v = randomTensor({2, 7, 2, 4}, 23);
  Tensor mask = randomTensor({5, 7}, 24, -1.0f, 0.0f);
  checkAttention("causal GQA, 2-D mask", q, k, v, &mask, true, ctx);
}

TEST_F(GradientKernelsTest, AttentionFullyMaskedRow) {
  // A per-batch mask hiding every key from one query: its output is zero and
  // so are its gradients.
  Tensor q = randomTensor({2, 4, 2, 3}, 25);
  Tensor k = randomTensor({2, 4, 1, 3}, 26);
  Tensor v = randomTensor({2, 4, 1, 3}, 27);
  Tensor mask({2, 1, 4, 4});
  for (int64_t s = 0; s < 4; ++s)
    mask.getFloatData()[(1 * 4 + 2) * 4 + s] =
        -std::numeric_limits<float>::infinity();
  checkAttention("non-causal, 4-D mask", q, k, v, &mask, false, ctx);
  Tensor r = randomTensor(q.getShape(), 20);
  auto g = attentionBackward(r, q, k, v, &mask, 1.0, false, ctx);
  ASSERT_TRUE(!!g);
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t d = 0; d < 3; ++d)
      EXPECT_EQ(g->query.getFloats()[((1 * 4 + 2) * 2 + h) * 3 + d], 0.0f);
}

TEST_F(GradientKernelsTest, AttentionSeveralQueryBlocks) {
  // 70 queries: two blocks of the recomputed softmax.
  Tensor q = randomTensor({1, 70, 2, 3}, 28);
  Tensor k = randomTensor({1, 70, 1, 3}, 29);
  Tensor v = randomTensor({1, 70, 1, 3}, 30);
  checkAttention("causal, 70 queries", q, k, v, nullptr, true, ctx);
}

TEST_F(GradientKernelsTest, Unary) {
  for (UnaryOp op : {UnaryOp::SiLU, UnaryOp::Neg, UnaryOp::Exp, UnaryOp::Sqrt,
                     UnaryOp::Rsqrt}) {
    bool positive = op == UnaryOp::Sqrt || op == UnaryOp::Rsqrt;
    Tensor x = positive ? randomTensor({3, 7}, 31, 0.5f, 2.0f)
                        : randomTensor({3, 7}, 31, -3.0f, 3.0f);
    Tensor r = randomTensor({3, 7}, 32);
    Tensor grad = valueOf(unaryBackward(op, r, x, ctx));
    expectGradient(
        "unary op " + std::to_string(static_cast<int>(op)),
        [&](const Tensor &v) { return valueOf(unary(op, v, ctx)); }, r, x, grad,
        kSmoothStep);
  }
}

TEST_F(GradientKernelsTest, Binary) {
  Tensor a = randomTensor({4, 5}, 33);
  Tensor b = randomTensor({4, 5}, 34, 0.5f, 2.0f);
  Tensor r = randomTensor({4, 5}, 35);
  for (BinaryOp op :
       {BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul, BinaryOp::Div}) {
    auto g = binaryBackward(op, r, &a, &b, true, true, ctx);
    ASSERT_TRUE(!!g) << llvm::toString(g.takeError());
    std::string name = "binary op " + std::to_string(static_cast<int>(op));
    expectGradient(
        name + " lhs",
        [&](const Tensor &v) { return valueOf(binary(op, v, b, ctx)); }, r, a,
        *g->lhs, kSmoothStep);
    expectGradient(
        name + " rhs",
        [&](const Tensor &v) { return valueOf(binary(op, a, v, ctx)); }, r, b,
        *g->rhs, kSmoothStep);
  }
  // A rule whose operand was not kept reports it.
  auto missing =
      binaryBackward(BinaryOp::Mul, r, &a, nullptr, true, false, ctx);
  ASSERT_FALSE(missing);
  EXPECT_NE(llvm::toString(missing.takeError()).find("right operand"),
            std::string::npos);
}

TEST_F(GradientKernelsTest, ShapeOps) {
  Tensor x = randomTensor({2, 3, 4}, 36);
  SmallVector<int64_t> perm{2, 0, 1};
  Tensor rt = randomTensor({4, 2, 3}, 37);
  expectGradient(
      "transpose",
      [&](const Tensor &v) { return valueOf(transpose(v, perm, ctx)); }, rt, x,
      valueOf(transposeBackward(rt, perm, ctx)), kLinearStep);

  Tensor y = randomTensor({5, 6}, 38);
  SmallVector<int64_t> offsets{1, 0}, sizes{2, 3}, strides{2, 2};
  Tensor rs = randomTensor({2, 3}, 39);
  expectGradient(
      "extract_slice",
      [&](const Tensor &v) {
        return valueOf(extractSlice(v, offsets, sizes, strides));
      },
      rs, y, valueOf(extractSliceBackward(rs, {5, 6}, offsets, sizes, strides)),
      kLinearStep);

  Tensor a = randomTensor({2, 1, 3}, 40), b = randomTensor({2, 2, 3}, 41),
         c = randomTensor({2, 3, 3}, 42);
  Tensor rc = randomTensor({2, 6, 3}, 43);
  auto pieces = concatBackward(rc, {1, 2, 3}, 1);
  ASSERT_TRUE(!!pieces) << llvm::toString(pieces.takeError());
  ASSERT_EQ(pieces->size(), 3u);
  expectGradient(
      "concat piece 0",
      [&](const Tensor &v) {
        return valueOf(concat({&v, &b, &c}, 1));
      },
      rc, a, (*pieces)[0], kLinearStep);
  expectGradient(
      "concat piece 1",
      [&](const Tensor &v) {
        return valueOf(concat({&a, &v, &c}, 1));
      },
      rc, b, (*pieces)[1], kLinearStep);
  expectGradient(
      "concat piece 2",
      [&](const Tensor &v) {
        return valueOf(concat({&a, &b, &v}, 1));
      },
      rc, c, (*pieces)[2], kLinearStep);
}

//===----------------------------------------------------------------------===//
// Transform rules
//===----------------------------------------------------------------------===//

TEST_F(GradientKernelsTest, ApplyTransform) {
  // Dimension 12: a Hadamard with the non-power-of-two factor K = 12.
  Tensor x = randomTensor({3, 2, 12}, 44);
  Tensor r = randomTensor({3, 2, 12}, 45);
  for (TransformKind kind :
       {TransformKind::Rotation, TransformKind::BlockRotation,
        TransformKind::Scale, TransformKind::Hadamard}) {
    Transform t = makeTransform(kind, 12, 4, 46);
    for (bool inverse : {false, true}) {
      std::string what =
          std::string("apply ") + kindName(kind) + (inverse ? " inverse" : "");
      auto g = applyTransformBackward(r, &x, t, inverse, true, ctx);
      ASSERT_TRUE(!!g) << llvm::toString(g.takeError());
      expectGradient(
          what + ": input",
          [&](const Tensor &v) {
            return valueOf(applyTransform(v, t, inverse, ctx));
          },
          r, x, *g->input, kLinearStep);
      if (kind == TransformKind::Hadamard) {
        EXPECT_FALSE(g->transform.has_value());
        continue;
      }
      // x ⊘ s is not linear in s.
      double h =
          kind == TransformKind::Scale && inverse ? kSmoothStep : kLinearStep;
      expectGradient(
          what + ": transform",
          [&](const Tensor &v) {
            return valueOf(applyTransform(x, withValue(t, v), inverse, ctx));
          },
          r, t.value, *g->transform, h);
    }
  }
}

TEST_F(GradientKernelsTest, TransformWeight) {
  for (TransformKind kind :
       {TransformKind::Rotation, TransformKind::BlockRotation,
        TransformKind::Scale, TransformKind::Hadamard}) {
    Transform t = makeTransform(kind, 12, 3, 47);
    for (WeightSide side : {WeightSide::Input, WeightSide::Output}) {
      bool inputSide = side == WeightSide::Input;
      // Input side: W : [5, 12]; output side: W : [12, 6] and a bias [12].
      SmallVector<SmallVector<int64_t>> shapes;
      if (inputSide)
        shapes = {{5, 12}};
      else
        shapes = {{12, 6}, {12}};
      for (ArrayRef<int64_t> shape : shapes) {
        Tensor w = randomTensor(shape, 48);
        Tensor r = randomTensor(shape, 49);
        for (bool inverse : {false, true}) {
          std::string what = std::string("transform_weight ") + kindName(kind) +
                             (inputSide ? " input side" : " output side") +
                             (shape.size() == 1 ? " (bias)" : "") +
                             (inverse ? " inverse" : "");
          auto g = transformWeightBackward(r, &w, t, side, inverse, true, ctx);
          ASSERT_TRUE(!!g) << what << ": " << llvm::toString(g.takeError());
          expectGradient(
              what + ": weight",
              [&](const Tensor &v) {
                return valueOf(transformWeight(v, t, side, inverse, ctx));
              },
              r, w, *g->input, kLinearStep);
          if (kind == TransformKind::Hadamard) {
            EXPECT_FALSE(g->transform.has_value());
            continue;
          }
          // Dividing by s is not linear in s.
          bool divide = inputSide != inverse;
          double h = kind == TransformKind::Scale && divide ? kSmoothStep
                                                            : kLinearStep;
          expectGradient(
              what + ": transform",
              [&](const Tensor &v) {
                return valueOf(
                    transformWeight(w, withValue(t, v), side, inverse, ctx));
              },
              r, t.value, *g->transform, h);
        }
      }
    }
  }
}

TEST_F(GradientKernelsTest, RepeatHeads) {
  for (TransformKind kind :
       {TransformKind::Scale, TransformKind::BlockRotation}) {
    Transform t = makeTransform(kind, 6, 3, 50);
    llvm::Expected<Transform> repeated = repeatHeads(t, 3, 2);
    ASSERT_TRUE(!!repeated) << llvm::toString(repeated.takeError());
    Tensor r = randomTensor(repeated->value.getShape(), 51);
    Tensor grad = valueOf(repeatHeadsBackward(r, t, 3, 2));
    expectGradient(
        std::string("repeat_heads ") + kindName(kind),
        [&](const Tensor &v) {
          llvm::Expected<Transform> out = repeatHeads(withValue(t, v), 3, 2);
          if (!out) {
            ADD_FAILURE() << llvm::toString(out.takeError());
            return Tensor();
          }
          return out->value;
        },
        r, t.value, grad, kLinearStep);
  }
}

TEST_F(GradientKernelsTest, OnlineHadamard) {
  // n = 12 (K = 12) with 20 rows takes the dense-GEMM path, the others the
  // fast transform.
  for (auto [rows, n] :
       {std::pair<int64_t, int64_t>{3, 12}, {20, 12}, {3, 16}, {20, 16}}) {
    Tensor x = randomTensor({rows, n}, 52);
    Tensor r = randomTensor({rows, n}, 53);
    for (bool transposed : {false, true}) {
      Tensor grad = valueOf(onlineHadamardBackward(r, transposed, ctx));
      expectGradient(
          "online_hadamard " + std::to_string(rows) + "x" + std::to_string(n) +
              (transposed ? " transpose" : ""),
          [&](const Tensor &v) {
            return valueOf(onlineHadamard(v, transposed, ctx));
          },
          r, x, grad, kLinearStep);
      // The same map as the forward's inverse.
      expectClose(grad, valueOf(onlineHadamard(r, !transposed, ctx)), 1e-6);
    }
  }
  KernelResult bad =
      onlineHadamardBackward(randomTensor({2, 7}, 54), false, ctx);
  ASSERT_FALSE(bad);
  EXPECT_NE(
      llvm::toString(bad.takeError()).find("no Hadamard matrix of size 7"),
      std::string::npos);
}

//===----------------------------------------------------------------------===//
// Fake quantization
//===----------------------------------------------------------------------===//

/// The flat indices of every scale group of `params` on `shape`, each in
/// increasing order (the layouts of fakeQuant).
std::vector<std::vector<int64_t>> scaleGroups(ArrayRef<int64_t> shape,
                                              const QuantParams &params) {
  int64_t numel = 1;
  for (int64_t d : shape)
    numel *= d;
  int64_t last = shape.back();
  int64_t groupLen = params.groupSize > 0 ? params.groupSize : last;
  std::map<std::pair<int64_t, int64_t>, std::vector<int64_t>> groups;
  int64_t inner = 1;
  for (size_t d = params.axis + 1; d < shape.size(); ++d)
    inner *= shape[d];
  for (int64_t i = 0; i < numel; ++i) {
    std::pair<int64_t, int64_t> key;
    switch (params.granularity) {
    case Granularity::PerTensor:
      key = {0, 0};
      break;
    case Granularity::PerToken:
      key = {i / groupLen, 0};
      break;
    case Granularity::PerChannel: {
      bool lastAxis = params.axis == static_cast<int64_t>(shape.size()) - 1;
      key = {(i / inner) % shape[params.axis],
             lastAxis ? 0 : (i % last) / groupLen};
      break;
    }
    }
    groups[key].push_back(i);
  }
  std::vector<std::vector<int64_t>> out;
  for (auto &entry : groups)
    out.push_back(std::move(entry.second));
  return out;
}

/// The straight-through surrogate of fakeQuant around a point x, written
/// independently of the gradient rule: rounding is replaced by the identity
/// plus its residual at x, δ = round(u) − u (the value of round_ste), and
/// the clamp decisions and zero points are those at x. With
/// s(x') the scale of the perturbed group's min and max:
///   x̂ᵢ(x') = x'ᵢ + δᵢ·s(x')          where the level was inside [qmin, qmax]
///   x̂ᵢ(x') = (q_clampedᵢ − zp)·s(x')  where it was clamped.
/// (Freezing the decisions matters: a group's extremes land on qmin/qmax by
/// construction, where a re-evaluated clamp would have a kink.) With a clip
/// search the scale is detached, s(x') = s(x). The surrogate is evaluated in
/// float64.
class FakeQuantSurrogate {
public:
  FakeQuantSurrogate(const Tensor &x, const QuantParams &params)
      : params(params), groups(scaleGroups(x.getShape(), params)),
        inside(x.getNumElements()), delta(x.getNumElements()),
        clamped(x.getNumElements()) {
    ArrayRef<float> xs = x.getFloats();
    bool contiguousSearch = params.clipSearchNorm > 0.0 &&
                            (params.granularity == Granularity::PerToken ||
                             (params.granularity == Granularity::PerChannel &&
                              params.axis == 0 && x.getRank() == 2));
    for (const std::vector<int64_t> &group : groups) {
      std::vector<float> values;
      for (int64_t i : group)
        values.push_back(xs[i]);
      QuantGrid grid;
      if (contiguousSearch) {
        grid = searchClipGrid(values.data(), values.size(), params);
      } else {
        auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        grid = QuantGrid::compute(*lo, *hi, params);
      }
      scales.push_back(grid.scale);
      zeroPoints.push_back(grid.zeroPoint);
      for (int64_t i : group) {
        float u = xs[i] / grid.scale;
        float rounded = std::nearbyint(u); // Ties to even.
        float level = rounded + grid.zeroPoint;
        inside[i] = level >= grid.qmin && level <= grid.qmax;
        delta[i] = double(rounded) - double(u);
        clamped[i] = std::clamp(level, grid.qmin, grid.qmax);
      }
    }
  }

  /// Σ r ⊙ x̂(x') in float64.
  double loss(ArrayRef<double> x, const Tensor &r) const {
    double sum = 0.0;
    for (auto [g, group] : llvm::enumerate(groups)) {
      double s = params.clipSearchNorm > 0.0 ? scales[g] : scale(x, group);
      for (int64_t i : group) {
        double value =
            inside[i] ? x[i] + delta[i] * s : (clamped[i] - zeroPoints[g]) * s;
        sum += r.getFloats()[i] * value;
      }
    }
    return sum;
  }

  /// The surrogate's value at the point it was built at.
  Tensor valueAt(const Tensor &x) const {
    Tensor out(x.getShape());
    std::vector<double> xd(x.getFloats().begin(), x.getFloats().end());
    for (auto [g, group] : llvm::enumerate(groups)) {
      double s = scales[g];
      for (int64_t i : group)
        out.getFloatData()[i] =
            static_cast<float>(inside[i] ? xd[i] + delta[i] * s
                                         : (clamped[i] - zeroPoints[g]) * s);
    }
    return out;
  }

  /// Number of elements whose level was clamped.
  int64_t numClamped() const { return llvm::count(inside, false); }

private:
  /// The scale of METHOD §6 from the group's min and max, in float64.
  double scale(ArrayRef<double> x, ArrayRef<int64_t> group) const {
    double lo = x[group.front()], hi = lo;
    for (int64_t i : group) {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
    double clip = params.clipRatio;
    double xmax = std::max(hi, 1e-6) * clip, xmin = std::min(lo, 0.0) * clip;
    if (!params.symmetric)
      return (xmax - xmin) / double(params.getQMax());
    double neg = double(int64_t(1) << (params.bits - 1));
    return std::max(xmin / -neg, xmax / (neg - 1.0));
  }

  QuantParams params;
  std::vector<std::vector<int64_t>> groups;
  std::vector<bool> inside;
  std::vector<double> delta, clamped, scales, zeroPoints;
};

/// Checks fakeQuantBackward on x against the surrogate's finite
/// differences (float64, h = 1e-6, three random directions).
void checkFakeQuant(const std::string &what, const Tensor &x,
                    const QuantParams &params, const KernelContext &ctx) {
  Tensor r = randomTensor(x.getShape(), 60);
  Tensor grad = valueOf(fakeQuantBackward(r, x, params, ctx));
  ASSERT_EQ(grad.getShape(), x.getShape()) << what;
  FakeQuantSurrogate surrogate(x, params);
  // The surrogate sits on the forward's grid.
  expectClose(surrogate.valueAt(x), valueOf(fakeQuant(x, params, ctx)), 1e-5,
              1e-5);
  std::vector<double> base(x.getFloats().begin(), x.getFloats().end());
  const double h = 1e-6;
  for (unsigned d = 0; d < 3; ++d) {
    std::mt19937 gen(70 + d);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    std::vector<double> plus = base, minus = base;
    double an = 0.0;
    for (size_t i = 0; i < base.size(); ++i) {
      double v = dist(gen);
      plus[i] += h * v;
      minus[i] -= h * v;
      an += grad.getFloats()[i] * v;
    }
    double fd = (surrogate.loss(plus, r) - surrogate.loss(minus, r)) / (2 * h);
    double err = std::fabs(fd - an) / std::max(std::fabs(fd), std::fabs(an));
    EXPECT_LT(err, 1e-3) << what << " (direction " << d << "): fd " << fd
                         << " vs vjp " << an;
  }
}

QuantParams quant(unsigned bits, bool symmetric, Granularity granularity,
                  int64_t axis = 0, int64_t groupSize = 0, float clip = 1.0f,
                  double clipSearch = 0.0) {
  QuantParams p;
  p.bits = bits;
  p.symmetric = symmetric;
  p.granularity = granularity;
  p.axis = axis;
  p.groupSize = groupSize;
  p.clipRatio = clip;
  p.clipSearchNorm = clipSearch;
  return p;
}

TEST_F(GradientKernelsTest, FakeQuantScaleGradient) {
  Tensor x = randomTensor({3, 16}, 61);
  checkFakeQuant("asym per_token", x, quant(4, false, Granularity::PerToken),
                 ctx);
  checkFakeQuant("sym per_token", x, quant(4, true, Granularity::PerToken),
                 ctx);
  checkFakeQuant("asym per_token, group 4, clip 0.9", x,
                 quant(4, false, Granularity::PerToken, 0, 4, 0.9f), ctx);
  checkFakeQuant("asym 3-bit per_tensor", x,
                 quant(3, false, Granularity::PerTensor), ctx);
  checkFakeQuant("sym per_channel axis 0", x,
                 quant(4, true, Granularity::PerChannel, 0), ctx);
  Tensor y = randomTensor({3, 4, 6}, 62);
  checkFakeQuant("asym per_channel axis 1 (strided groups)", y,
                 quant(4, false, Granularity::PerChannel, 1), ctx);
  checkFakeQuant("asym per_channel last axis", y,
                 quant(4, false, Granularity::PerChannel, 2), ctx);
  // Positive groups: xmin = min(lo, 0) = 0 carries no gradient.
  checkFakeQuant("asym per_token, positive", randomTensor({2, 8}, 63, 0.1f),
                 quant(4, false, Granularity::PerToken), ctx);
  // Negative-heavy groups: the xmin term of the symmetric scale is active.
  checkFakeQuant("sym per_token, negative-heavy",
                 randomTensor({2, 8}, 64, -1.0f, 0.3f),
                 quant(4, true, Granularity::PerToken), ctx);
}

TEST_F(GradientKernelsTest, FakeQuantClipSearchIsPureSTE) {
  // W4 sym per output channel with the MSE clip search: the chosen scale is
  // detached, so the gradient is dy inside the clip range and 0 outside.
  Tensor w = randomTensor({6, 32}, 65);
  // Outliers make the search clip.
  for (int64_t row = 0; row < 6; ++row)
    w.getFloatData()[row * 32 + row] = 4.0f;
  QuantParams params = quant(4, true, Granularity::PerChannel, 0, 0, 1.0f, 2.0);
  FakeQuantSurrogate surrogate(w, params);
  EXPECT_GT(surrogate.numClamped(), 0);
  checkFakeQuant("sym per_channel, clip search 2.0", w, params, ctx);
  checkFakeQuant("asym per_token, clip search 2.4", w,
                 quant(4, false, Granularity::PerToken, 0, 0, 1.0f, 2.4), ctx);

  Tensor r = randomTensor({6, 32}, 66);
  Tensor grad = valueOf(fakeQuantBackward(r, w, params, ctx));
  for (int64_t i = 0; i < w.getNumElements(); ++i) {
    float g = grad.getFloats()[i];
    EXPECT_TRUE(g == 0.0f || g == r.getFloats()[i]) << "at " << i;
  }
}

//===----------------------------------------------------------------------===//
// Determinism
//===----------------------------------------------------------------------===//

TEST_F(GradientKernelsTest, BitIdenticalForAnyThreadCount) {
  KernelContext one{1}, three{3};
  Tensor q = randomTensor({2, 130, 4, 8}, 80),
         k = randomTensor({2, 130, 2, 8}, 81),
         v = randomTensor({2, 130, 2, 8}, 82),
         dq = randomTensor({2, 130, 4, 8}, 83);
  auto a1 = attentionBackward(dq, q, k, v, nullptr, 0.3, true, one);
  auto a3 = attentionBackward(dq, q, k, v, nullptr, 0.3, true, three);
  ASSERT_TRUE(a1 && a3);
  EXPECT_TRUE(a1->query.bitwiseEquals(a3->query));
  EXPECT_TRUE(a1->key.bitwiseEquals(a3->key));
  EXPECT_TRUE(a1->value.bitwiseEquals(a3->value));

  Tensor x = randomTensor({600, 96}, 84), dy = randomTensor({600, 96}, 85);
  Tensor w = randomTensor({96}, 86);
  auto n1 = rmsNormBackward(dy, x, &w, 1e-5, true, one);
  auto n3 = rmsNormBackward(dy, x, &w, 1e-5, true, three);
  ASSERT_TRUE(n1 && n3);
  EXPECT_TRUE(n1->input.bitwiseEquals(n3->input));
  EXPECT_TRUE(n1->weight->bitwiseEquals(*n3->weight));

  Transform s = makeTransform(TransformKind::Scale, 96, 0, 87);
  auto s1 = applyTransformBackward(dy, &x, s, true, true, one);
  auto s3 = applyTransformBackward(dy, &x, s, true, true, three);
  ASSERT_TRUE(s1 && s3);
  EXPECT_TRUE(s1->transform->bitwiseEquals(*s3->transform));

  Tensor big = randomTensor({300, 256}, 88),
         dbig = randomTensor({300, 256}, 89);
  QuantParams perTensor = quant(4, false, Granularity::PerTensor);
  EXPECT_TRUE(valueOf(fakeQuantBackward(dbig, big, perTensor, one))
                  .bitwiseEquals(
                      valueOf(fakeQuantBackward(dbig, big, perTensor, three))));
}

} // namespace
