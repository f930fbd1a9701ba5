//===- BackwardTest.cpp - Executor::runRecorded and Executor::backward ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A small decoder layer with every kind of transform parameter (rotation,
// block rotation, scales, repeated per-head transforms) on both sides of its
// linears: the gradients of every parameter and of the float arguments match
// finite differences of Σ r ⊙ logits. Also: the upstream ops, fake-quant
// wiring, accumulation of a parameter used several times, thread-count and
// cache independence, and the diagnostics (no recorded run, an op without a
// gradient rule, func.call, bad result gradients).
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"
#include "GradientTestUtils.h"

#include "ost/Executor/Gradients.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

/// Tensors flattened into one vector, so that L = Σᵢ rᵢ ⊙ resultᵢ is
/// Σ flatten(r) ⊙ flatten(results).
Tensor flatten(ArrayRef<Tensor> tensors) {
  std::vector<float> all;
  for (const Tensor &t : tensors)
    all.insert(all.end(), t.getFloats().begin(), t.getFloats().end());
  return Tensor::fromFloats({static_cast<int64_t>(all.size())}, all);
}

class BackwardTest : public ExecutorTest {
protected:
  /// runRecorded + backward with result gradients `dys`; a test failure
  /// (and std::nullopt) on error.
  std::optional<Gradients> gradients(Executor &executor, StringRef function,
                                     ArrayRef<Tensor> inputs,
                                     ArrayRef<Tensor> dys) {
    std::string diagnostics;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      diagnostics += diag.str() + "\n";
      return success();
    });
    FailureOr<SmallVector<Tensor>> results =
        executor.runRecorded(function, inputs);
    if (failed(results)) {
      ADD_FAILURE() << "recorded run failed:\n" << diagnostics;
      return std::nullopt;
    }
    FailureOr<Gradients> grads = executor.backward(dys);
    if (failed(grads)) {
      ADD_FAILURE() << "backward failed:\n" << diagnostics;
      return std::nullopt;
    }
    return std::move(*grads);
  }

  /// The results of a plain run, flattened into one vector (a test failure
  /// if it fails).
  Tensor forward(Executor &executor, StringRef function,
                 ArrayRef<Tensor> inputs) {
    FailureOr<SmallVector<Tensor>> results = executor.run(function, inputs);
    if (failed(results) || results->empty()) {
      ADD_FAILURE() << "run of @" << function.str() << " failed";
      return Tensor();
    }
    return results->size() == 1 ? std::move(results->front())
                                : flatten(*results);
  }

  /// The diagnostics `body` emits, one "location: message" per line.
  std::string diagnosticsOf(llvm::function_ref<void()> body) {
    std::string out;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      llvm::raw_string_ostream os(out);
      os << diag.getLocation() << ": " << diag.str() << "\n";
      return success();
    });
    body();
    return out;
  }
};

/// `%name = arith.constant dense<...> : tensor<...>` with random values.
std::string constant(StringRef name, ArrayRef<int64_t> shape, unsigned seed,
                     float scale = 0.5f) {
  return "      %" + name.str() + " = arith.constant " +
         denseLiteral(randomTensor(shape, seed, -scale, scale)) + "\n";
}

/// An ost.param holding `value`.
std::string param(StringRef name, StringRef init, const Tensor &value,
                  StringRef type) {
  return "      %" + name.str() + " = ost.param \"" + name.str() +
         "\" {init = #ost.init<" + init.str() +
         ">, value = " + denseLiteral(value) + "} : " + type.str() + "\n";
}

/// Two random 4×4 rotations as a [2, 4, 4] block rotation.
Tensor randomBlocks(unsigned seed) {
  Tensor blocks({2, 4, 4});
  for (int64_t b = 0; b < 2; ++b) {
    Tensor q = randomOrthogonal(4, seed + b);
    std::copy(q.getFloats().begin(), q.getFloats().end(),
              blocks.getFloatData() + b * 16);
  }
  return blocks;
}

/// A decoder layer (D = 16, 4 query heads on 2 KV heads of 4 channels, MLP
/// 12, vocabulary 16) in the form the calibration passes give it: R_res on
/// the residual stream, S_attn/S_ffn after the norms, S_qk and S_ov/R_ov
/// repeated over the query heads, S_ud and an online Hadamard before
/// down_proj. The embedding table is an argument (also the tied head), and
/// so is the final norm's weight.
///
/// Besides the logits, the layer returns the tensors that the quantizers of
/// a calibration graph read: the transformed activations (q/k/v, o_proj,
/// gate/up and down_proj inputs), K after RoPE, V, and a fused weight. With
/// exact transform pairs and no quantizer in between, the logits alone do
/// not depend on the scales at all (nor on rotations that stay orthogonal),
/// so these results are what gives every parameter a gradient, as the
/// quantizers do in calibration.
struct DecoderLayer {
  std::string ir;
  /// The parameter values in the IR.
  llvm::StringMap<Tensor> values;

  DecoderLayer();
  /// Declares a parameter holding `value`.
  void addParam(StringRef name, StringRef init, Tensor value, StringRef type) {
    ir += param(name, init, value, type);
    values[name] = std::move(value);
  }
};

DecoderLayer::DecoderLayer() {
  auto [cos, sin] = ropeTables(8, 4);
  ir = R"mlir(
    func.func @layer(%ids: tensor<2x5xi64>, %table: tensor<16x16xf32>,
                     %gamma: tensor<16xf32>)
        -> (tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x2x4xf32>, tensor<2x5x2x4xf32>,
            tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x12xf32>, tensor<16x16xf32>) {
)mlir";
  ir += constant("wq", {16, 16}, 1) + constant("wk", {8, 16}, 2) +
        constant("wv", {8, 16}, 3) + constant("wo", {16, 16}, 4) +
        constant("wg", {12, 16}, 5) + constant("wu", {12, 16}, 6) +
        constant("wd", {16, 12}, 7);
  ir += "      %cos = arith.constant " + denseLiteral(cos) + "\n";
  ir += "      %sin = arith.constant " + denseLiteral(sin) + "\n";
  addParam("R_res", "identity", randomOrthogonal(16, 10), "!ost.rotation<16>");
  addParam("S_attn", "ones", randomTensor({16}, 11, 0.5f, 2.0f),
           "!ost.scale<16>");
  addParam("S_qk", "ones", randomTensor({4}, 12, 0.5f, 2.0f), "!ost.scale<4>");
  addParam("S_ov", "ones", randomTensor({8}, 13, 0.5f, 2.0f), "!ost.scale<8>");
  addParam("R_ov", "identity", randomBlocks(14), "!ost.block_rotation<2 x 4>");
  addParam("S_ffn", "ones", randomTensor({16}, 16, 0.5f, 2.0f),
           "!ost.scale<16>");
  addParam("S_ud", "ones", randomTensor({12}, 17, 0.5f, 2.0f),
           "!ost.scale<12>");
  addParam("S_unused", "ones", randomTensor({16}, 18, 0.5f, 2.0f),
           "!ost.scale<16>");
  ir += R"mlir(
      %Sqk8 = ost.repeat_heads %S_qk {head_dim = 2 : i64, repeats = 2 : i64} : !ost.scale<4> -> !ost.scale<8>
      %Sqk16 = ost.repeat_heads %Sqk8 {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.scale<16>
      %Sov16 = ost.repeat_heads %S_ov {head_dim = 4 : i64, repeats = 2 : i64} : !ost.scale<8> -> !ost.scale<16>
      %Rov16 = ost.repeat_heads %R_ov {head_dim = 4 : i64, repeats = 2 : i64} : !ost.block_rotation<2 x 4> -> !ost.block_rotation<4 x 4>
      %H = ost.hadamard : !ost.hadamard<12>

      %e = ost.embedding %table[%ids] : tensor<16x16xf32>, tensor<2x5xi64> -> tensor<2x5x16xf32>
      %h = ost.apply %R_res to %e : !ost.rotation<16>, tensor<2x5x16xf32>
      %n = ost.rms_norm %h : tensor<2x5x16xf32>
      %na = ost.apply %S_attn to %n inverse : !ost.scale<16>, tensor<2x5x16xf32>
      %dead = ost.apply %S_unused to %n : !ost.scale<16>, tensor<2x5x16xf32>

      %wq1 = ost.transform_weight %wq by %R_res side input : tensor<16x16xf32>, !ost.rotation<16>
      %wq2 = ost.transform_weight %wq1 by %S_attn side input inverse : tensor<16x16xf32>, !ost.scale<16>
      %wq3 = ost.transform_weight %wq2 by %Sqk16 side output inverse : tensor<16x16xf32>, !ost.scale<16>
      %q = ost.linear %na, %wq3 : tensor<2x5x16xf32>, tensor<16x16xf32> -> tensor<2x5x16xf32>
      %q4 = tensor.expand_shape %q [[0], [1], [2, 3]] output_shape [2, 5, 4, 4] : tensor<2x5x16xf32> into tensor<2x5x4x4xf32>
      %wk1 = ost.transform_weight %wk by %R_res side input : tensor<8x16xf32>, !ost.rotation<16>
      %wk2 = ost.transform_weight %wk1 by %S_attn side input inverse : tensor<8x16xf32>, !ost.scale<16>
      %wk3 = ost.transform_weight %wk2 by %Sqk8 side output : tensor<8x16xf32>, !ost.scale<8>
      %k = ost.linear %na, %wk3 : tensor<2x5x16xf32>, tensor<8x16xf32> -> tensor<2x5x8xf32>
      %k4 = tensor.expand_shape %k [[0], [1], [2, 3]] output_shape [2, 5, 2, 4] : tensor<2x5x8xf32> into tensor<2x5x2x4xf32>
      %wv1 = ost.transform_weight %wv by %R_res side input : tensor<8x16xf32>, !ost.rotation<16>
      %wv2 = ost.transform_weight %wv1 by %S_attn side input inverse : tensor<8x16xf32>, !ost.scale<16>
      %wv3 = ost.transform_weight %wv2 by %S_ov side output inverse : tensor<8x16xf32>, !ost.scale<8>
      %wv4 = ost.transform_weight %wv3 by %R_ov side output : tensor<8x16xf32>, !ost.block_rotation<2 x 4>
      %v = ost.linear %na, %wv4 : tensor<2x5x16xf32>, tensor<8x16xf32> -> tensor<2x5x8xf32>
      %v4 = tensor.expand_shape %v [[0], [1], [2, 3]] output_shape [2, 5, 2, 4] : tensor<2x5x8xf32> into tensor<2x5x2x4xf32>

      %c = tensor.extract_slice %cos[0, 0] [5, 2] [1, 1] : tensor<8x2xf32> to tensor<5x2xf32>
      %s = tensor.extract_slice %sin[0, 0] [5, 2] [1, 1] : tensor<8x2xf32> to tensor<5x2xf32>
      %qr = ost.rope %q4, %c, %s : tensor<2x5x4x4xf32>, tensor<5x2xf32>, tensor<5x2xf32>
      %kr = ost.rope %k4, %c, %s : tensor<2x5x2x4xf32>, tensor<5x2xf32>, tensor<5x2xf32>
      %o = ost.attention %qr, %kr, %v4 {causal} : tensor<2x5x4x4xf32>, tensor<2x5x2x4xf32>, tensor<2x5x2x4xf32>
      %oc = tensor.collapse_shape %o [[0], [1], [2, 3]] : tensor<2x5x4x4xf32> into tensor<2x5x16xf32>
      %wo1 = ost.transform_weight %wo by %R_res side output : tensor<16x16xf32>, !ost.rotation<16>
      %wo2 = ost.transform_weight %wo1 by %Sov16 side input inverse : tensor<16x16xf32>, !ost.scale<16>
      %wo3 = ost.transform_weight %wo2 by %Rov16 side input : tensor<16x16xf32>, !ost.block_rotation<4 x 4>
      %ao = ost.linear %oc, %wo3 : tensor<2x5x16xf32>, tensor<16x16xf32> -> tensor<2x5x16xf32>
      %h1 = ost.add %h, %ao : tensor<2x5x16xf32>

      %n2 = ost.rms_norm %h1 : tensor<2x5x16xf32>
      %nf = ost.apply %S_ffn to %n2 inverse : !ost.scale<16>, tensor<2x5x16xf32>
      %wg1 = ost.transform_weight %wg by %R_res side input : tensor<12x16xf32>, !ost.rotation<16>
      %wg2 = ost.transform_weight %wg1 by %S_ffn side input inverse : tensor<12x16xf32>, !ost.scale<16>
      %g = ost.linear %nf, %wg2 : tensor<2x5x16xf32>, tensor<12x16xf32> -> tensor<2x5x12xf32>
      %gs = ost.silu %g : tensor<2x5x12xf32>
      %wu1 = ost.transform_weight %wu by %R_res side input : tensor<12x16xf32>, !ost.rotation<16>
      %wu2 = ost.transform_weight %wu1 by %S_ffn side input inverse : tensor<12x16xf32>, !ost.scale<16>
      %wu3 = ost.transform_weight %wu2 by %S_ud side output inverse : tensor<12x16xf32>, !ost.scale<12>
      %u = ost.linear %nf, %wu3 : tensor<2x5x16xf32>, tensor<12x16xf32> -> tensor<2x5x12xf32>
      %m = ost.mul %gs, %u : tensor<2x5x12xf32>
      %mh = ost.online_hadamard %m : tensor<2x5x12xf32>
      %wd1 = ost.transform_weight %wd by %R_res side output : tensor<16x12xf32>, !ost.rotation<16>
      %wd2 = ost.transform_weight %wd1 by %S_ud side input inverse : tensor<16x12xf32>, !ost.scale<12>
      %wd3 = ost.transform_weight %wd2 by %H side input : tensor<16x12xf32>, !ost.hadamard<12>
      %d = ost.linear %mh, %wd3 : tensor<2x5x12xf32>, tensor<16x12xf32> -> tensor<2x5x16xf32>
      %h2 = ost.add %h1, %d : tensor<2x5x16xf32>

      %n3 = ost.rms_norm %h2 weight %gamma : tensor<2x5x16xf32>, tensor<16xf32>
      %head = ost.transform_weight %table by %R_res side input : tensor<16x16xf32>, !ost.rotation<16>
      %logits = ost.lm_head %n3, %head : tensor<2x5x16xf32>, tensor<16x16xf32> -> tensor<2x5x16xf32>
      return %logits, %na, %kr, %v4, %oc, %nf, %mh, %wq3
          : tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x2x4xf32>, tensor<2x5x2x4xf32>,
            tensor<2x5x16xf32>, tensor<2x5x16xf32>, tensor<2x5x12xf32>, tensor<16x16xf32>
    })mlir";
}

/// The inputs of @layer.
SmallVector<Tensor> layerInputs() {
  return {intTensor({2, 5}, {3, 1, 4, 1, 5, 9, 2, 6, 5, 3}),
          randomTensor({16, 16}, 30), randomTensor({16}, 31, 0.5f, 1.5f)};
}

/// Random result gradients of @layer.
SmallVector<Tensor> layerResultGradients(unsigned seed) {
  SmallVector<SmallVector<int64_t>> shapes = {
      {2, 5, 16}, {2, 5, 16}, {2, 5, 2, 4}, {2, 5, 2, 4},
      {2, 5, 16}, {2, 5, 16}, {2, 5, 12},   {16, 16}};
  SmallVector<Tensor> out;
  for (ArrayRef<int64_t> shape : shapes)
    out.push_back(randomTensor(shape, seed++));
  return out;
}

TEST_F(BackwardTest, DecoderLayerMatchesFiniteDifferences) {
  DecoderLayer layer;
  OwningOpRef<ModuleOp> m = parse(layer.ir);
  ASSERT_TRUE(m);
  ExecutorOptions options;
  options.numThreads = 2;
  Executor executor(*m, options);
  SmallVector<Tensor> inputs = layerInputs();
  SmallVector<Tensor> dys = layerResultGradients(32);
  Tensor r = flatten(dys);
  std::optional<Gradients> g = gradients(executor, "layer", inputs, dys);
  ASSERT_TRUE(g);

  // Every parameter kind, through repeat_heads chains and on both weight
  // sides; R_res is used 10 times.
  // The step shrinks with the number of entries perturbed at once, so the
  // perturbation has about the same norm for every tensor.
  const double c = 0.08;
  auto step = [&](const Tensor &t) {
    return c / std::sqrt(double(t.getNumElements()));
  };
  for (StringRef name :
       {"R_res", "S_attn", "S_qk", "S_ov", "R_ov", "S_ffn", "S_ud"}) {
    ASSERT_TRUE(g->parameters.contains(name)) << name.str();
    const Tensor *value = &layer.values[name];
    expectGradient(
        "parameter " + name.str(),
        [&](const Tensor &v) {
          EXPECT_TRUE(succeeded(executor.setParameter(name, v)));
          return forward(executor, "layer", inputs);
        },
        r, *value, g->parameters.lookup(name), step(*value));
    ASSERT_TRUE(succeeded(executor.setParameter(name, *value)));
  }

  // The argument gradients: the table (embedding and tied head) and the
  // final norm's weight; none for the ids.
  ASSERT_EQ(g->arguments.size(), 3u);
  EXPECT_FALSE(g->arguments[0].has_value());
  for (unsigned i : {1u, 2u}) {
    ASSERT_TRUE(g->arguments[i].has_value());
    expectGradient(
        "argument #" + std::to_string(i),
        [&](const Tensor &v) {
          SmallVector<Tensor> in = layerInputs();
          in[i] = v;
          return forward(executor, "layer", in);
        },
        r, inputs[i], *g->arguments[i], step(inputs[i]));
  }

  // A parameter the results do not depend on gets zeros.
  auto unused = g->parameters.find("S_unused");
  ASSERT_NE(unused, g->parameters.end());
  for (float v : unused->second.getFloats())
    EXPECT_EQ(v, 0.0f);
}

TEST_F(BackwardTest, IndependentOfThreadsAndCache) {
  OwningOpRef<ModuleOp> m = parse(DecoderLayer().ir);
  ASSERT_TRUE(m);
  SmallVector<Tensor> inputs = layerInputs();
  SmallVector<Tensor> dys = layerResultGradients(33);
  std::optional<Gradients> reference;
  for (unsigned threads : {1u, 3u}) {
    for (bool cache : {false, true}) {
      ExecutorOptions options;
      options.numThreads = threads;
      options.cacheConstants = cache;
      Executor executor(*m, options);
      // Twice: with the cache, the second run reuses the transformed
      // weights and must record them all the same.
      for (int repeat = 0; repeat < 2; ++repeat) {
        std::optional<Gradients> g = gradients(executor, "layer", inputs, dys);
        ASSERT_TRUE(g);
        if (!reference) {
          reference = std::move(g);
          continue;
        }
        for (const auto &entry : reference->parameters)
          EXPECT_TRUE(
              g->parameters.lookup(entry.getKey()).bitwiseEquals(entry.second))
              << entry.getKey().str() << " with " << threads
              << " threads, cache " << cache << ", repeat " << repeat;
        for (unsigned i : {1u, 2u})
          EXPECT_TRUE(g->arguments[i]->bitwiseEquals(*reference->arguments[i]));
      }
    }
  }
}

TEST_F(BackwardTest, UpstreamOpsMatchFiniteDifferences) {
  // arith/math elementwise ops, reshapes, slices, concatenation, transpose
  // and a value used twice.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x6xf32>, %y: tensor<2x6xf32>) -> tensor<3x2x2xf32> {
      %c1 = arith.constant 1 : index
      %a = arith.addf %x, %y : tensor<2x6xf32>
      %b = arith.mulf %a, %x : tensor<2x6xf32>
      %e = math.exp %y : tensor<2x6xf32>
      %d = arith.divf %b, %e : tensor<2x6xf32>
      %s = arith.subf %d, %x : tensor<2x6xf32>
      %n = arith.negf %s : tensor<2x6xf32>
      %sq = arith.mulf %y, %y : tensor<2x6xf32>
      %one = arith.constant dense<1.0> : tensor<2x6xf32>
      %p = arith.addf %sq, %one : tensor<2x6xf32>
      %r = math.sqrt %p : tensor<2x6xf32>
      %ir = math.rsqrt %p : tensor<2x6xf32>
      %t = arith.addf %n, %r : tensor<2x6xf32>
      %t2 = arith.mulf %t, %ir : tensor<2x6xf32>
      %dyn = tensor.cast %t2 : tensor<2x6xf32> to tensor<?x6xf32>
      %st = tensor.cast %dyn : tensor<?x6xf32> to tensor<2x6xf32>
      %x3 = tensor.expand_shape %st [[0], [1, 2]] output_shape [2, 3, 2] : tensor<2x6xf32> into tensor<2x3x2xf32>
      %tr = ost.transpose %x3 [1, 0, 2] : tensor<2x3x2xf32> -> tensor<3x2x2xf32>
      %sl = tensor.extract_slice %tr[%c1, 0, 0] [2, 2, 2] [1, 1, 1] : tensor<3x2x2xf32> to tensor<2x2x2xf32>
      %first = tensor.extract_slice %tr[0, 0, 0] [1, 2, 2] [1, 1, 1] : tensor<3x2x2xf32> to tensor<2x2xf32>
      %f3 = tensor.expand_shape %first [[0, 1], [2]] output_shape [1, 2, 2] : tensor<2x2xf32> into tensor<1x2x2xf32>
      %cat = tensor.concat dim(0) %f3, %sl : (tensor<1x2x2xf32>, tensor<2x2x2xf32>) -> tensor<3x2x2xf32>
      %flat = tensor.collapse_shape %cat [[0, 1], [2]] : tensor<3x2x2xf32> into tensor<6x2xf32>
      %back = tensor.expand_shape %flat [[0, 1], [2]] output_shape [3, 2, 2] : tensor<6x2xf32> into tensor<3x2x2xf32>
      %out = arith.addf %back, %tr : tensor<3x2x2xf32>
      return %out : tensor<3x2x2xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({2, 6}, 40), y = randomTensor({2, 6}, 41);
  Tensor r = randomTensor({3, 2, 2}, 42);
  std::optional<Gradients> g = gradients(executor, "f", {x, y}, {r});
  ASSERT_TRUE(g);
  ASSERT_EQ(g->arguments.size(), 2u);
  expectGradient(
      "argument x",
      [&](const Tensor &v) {
        return forward(executor, "f", {v, y});
      },
      r, x, *g->arguments[0], 1e-2);
  expectGradient(
      "argument y",
      [&](const Tensor &v) {
        return forward(executor, "f", {x, v});
      },
      r, y, *g->arguments[1], 1e-2);
}

TEST_F(BackwardTest, ParameterUsesAccumulate) {
  Tensor s = randomTensor({4}, 43, 0.5f, 2.0f);
  OwningOpRef<ModuleOp> m =
      parse(R"mlir(
    func.func @f(%x: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {)mlir" +
            param("S", "ones", s, "!ost.scale<4>") +
            param("S2", "ones", s, "!ost.scale<4>") + R"mlir(
      %a = ost.apply %S to %x : !ost.scale<4>, tensor<3x4xf32>
      %b = ost.apply %S to %a : !ost.scale<4>, tensor<3x4xf32>
      %c = ost.apply %S2 to %x : !ost.scale<4>, tensor<3x4xf32>
      return %b, %c : tensor<3x4xf32>, tensor<3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({3, 4}, 44);
  Tensor r = randomTensor({3, 4}, 45), zero({3, 4});
  // Only the first result: d/ds Σ r ⊙ x ⊙ s² = 2s·Σ_rows r ⊙ x.
  std::optional<Gradients> g = gradients(executor, "f", {x}, {r, zero});
  ASSERT_TRUE(g);
  for (int64_t i = 0; i < 4; ++i) {
    double sum = 0.0;
    for (int64_t row = 0; row < 3; ++row)
      sum += double(r.getFloats()[row * 4 + i]) * x.getFloats()[row * 4 + i];
    EXPECT_NEAR(g->parameters.lookup("S").getFloats()[i],
                2.0 * s.getFloats()[i] * sum, 1e-5);
    EXPECT_EQ(g->parameters.lookup("S2").getFloats()[i], 0.0f);
  }
}

TEST_F(BackwardTest, FakeQuantUsesTheKernelRule) {
  // Activation quantizer (scale gradient) and weight quantizer with a clip
  // search (pure STE): the executor wires the spec and clip_search through.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<3x16xf32>, %w: tensor<4x16xf32>) -> (tensor<3x16xf32>, tensor<4x16xf32>) {
      %a = ost.fake_quant %x {spec = #ost.qspec<4, asym, per_token, group = 8>} : tensor<3x16xf32>
      %b = ost.fake_quant %w {spec = #ost.qspec<4, sym, per_channel>, clip_search = 2.0 : f64} : tensor<4x16xf32>
      return %a, %b : tensor<3x16xf32>, tensor<4x16xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({3, 16}, 46), w = randomTensor({4, 16}, 47);
  Tensor rx = randomTensor({3, 16}, 48), rw = randomTensor({4, 16}, 49);
  std::optional<Gradients> g = gradients(executor, "f", {x, w}, {rx, rw});
  ASSERT_TRUE(g);
  QuantParams act;
  act.bits = 4;
  act.symmetric = false;
  act.granularity = Granularity::PerToken;
  act.groupSize = 8;
  QuantParams weight;
  weight.bits = 4;
  weight.symmetric = true;
  weight.granularity = Granularity::PerChannel;
  weight.clipSearchNorm = 2.0;
  EXPECT_TRUE(g->arguments[0]->bitwiseEquals(
      valueOf(fakeQuantBackward(rx, x, act, KernelContext()))));
  EXPECT_TRUE(g->arguments[1]->bitwiseEquals(
      valueOf(fakeQuantBackward(rw, w, weight, KernelContext()))));
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

TEST_F(BackwardTest, NeedsARecordedRun) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = ost.silu %x : tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({2}, 50);
  std::string diags =
      diagnosticsOf([&] { EXPECT_TRUE(failed(executor.backward({x}))); });
  EXPECT_NE(diags.find("needs a recorded run"), std::string::npos) << diags;

  // A plain run records nothing; a recording is consumed by backward().
  ASSERT_TRUE(succeeded(executor.run("f", {x})));
  diags = diagnosticsOf([&] { EXPECT_TRUE(failed(executor.backward({x}))); });
  EXPECT_NE(diags.find("needs a recorded run"), std::string::npos) << diags;
  ASSERT_TRUE(succeeded(executor.runRecorded("f", {x})));
  ASSERT_TRUE(succeeded(executor.backward({x})));
  diags = diagnosticsOf([&] { EXPECT_TRUE(failed(executor.backward({x}))); });
  EXPECT_NE(diags.find("needs a recorded run"), std::string::npos) << diags;
}

TEST_F(BackwardTest, BadResultGradients) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
      %y = ost.silu %x : tensor<2xf32>
      return %y : tensor<2xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({2}, 51);
  std::string diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded("f", {x})));
    EXPECT_TRUE(failed(executor.backward({})));
  });
  EXPECT_NE(diags.find("got 0 result gradients but 'f' returns 1"),
            std::string::npos)
      << diags;
  diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded("f", {x})));
    EXPECT_TRUE(failed(executor.backward({randomTensor({3}, 52)})));
  });
  EXPECT_NE(diags.find("the gradient of result #0 of 'f' is a [3] float "
                       "tensor but the result is a float tensor [2]"),
            std::string::npos)
      << diags;
}

TEST_F(BackwardTest, OpWithoutGradientRuleIsNamed) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
      %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>}
          : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8>
      %d = ost.dequantize %q, %s zero_points %z {spec = #ost.qspec<4, asym, per_token>}
          : tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8> -> tensor<2x8xf32>
      return %d : tensor<2x8xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({2, 8}, 53);
  std::string diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded("f", {x})));
    EXPECT_TRUE(failed(executor.backward({x})));
  });
  EXPECT_NE(diags.find("executor: 'ost.dequantize' has no gradient rule"),
            std::string::npos)
      << diags;
  // The diagnostic is at the op.
  EXPECT_NE(diags.find(":5:"), std::string::npos) << diags;
}

TEST_F(BackwardTest, OpWithoutGradientRuleOffThePathIsFine) {
  // dynamic_quantize depends on %x but no gradient reaches it.
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>) {
      %q, %s, %z = ost.dynamic_quantize %x {spec = #ost.qspec<4, asym, per_token>}
          : tensor<2x8xf32> -> tensor<2x8xi8>, tensor<2x1xf32>, tensor<2x1xi8>
      %y = ost.silu %x : tensor<2x8xf32>
      return %y, %s : tensor<2x8xf32>, tensor<2x1xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({2, 8}, 54), r = randomTensor({2, 8}, 55);
  std::optional<Gradients> g =
      gradients(executor, "f", {x}, {r, Tensor({2, 1})});
  ASSERT_TRUE(g);
  EXPECT_TRUE(g->arguments[0]->bitwiseEquals(
      valueOf(unaryBackward(UnaryOp::SiLU, r, x, KernelContext()))));
  // A non-zero gradient on the scales reaches the op and fails.
  std::string diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded("f", {x})));
    EXPECT_TRUE(failed(executor.backward({r, randomTensor({2, 1}, 56)})));
  });
  EXPECT_NE(diags.find("'ost.dynamic_quantize' has no gradient rule"),
            std::string::npos)
      << diags;
}

TEST_F(BackwardTest, FunctionCallsAreRejected) {
  Tensor s = randomTensor({4}, 57, 0.5f, 2.0f);
  OwningOpRef<ModuleOp> m =
      parse(R"mlir(
    func.func private @scale(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {)mlir" +
            param("S", "ones", s, "!ost.scale<4>") + R"mlir(
      %y = ost.apply %S to %x : !ost.scale<4>, tensor<3x4xf32>
      return %y : tensor<3x4xf32>
    }
    func.func @f(%x: tensor<3x4xi64>, %c: tensor<3x4xf32>) -> tensor<3x4xf32> {
      %y = func.call @scale(%c) : (tensor<3x4xf32>) -> tensor<3x4xf32>
      return %y : tensor<3x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  // The call's operand needs no gradient, but its callee holds a parameter.
  Tensor c = randomTensor({3, 4}, 58);
  std::string diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded(
        "f", {intTensor({3, 4}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), c})));
    EXPECT_TRUE(failed(executor.backward({c})));
  });
  EXPECT_NE(diags.find("'func.call' has no gradient rule (gradients do not "
                       "flow through function calls)"),
            std::string::npos)
      << diags;
}

TEST_F(BackwardTest, RopeTablesAreNotDifferentiated) {
  OwningOpRef<ModuleOp> m = parse(R"mlir(
    func.func @f(%x: tensor<1x2x1x4xf32>, %cos: tensor<2x2xf32>) -> tensor<1x2x1x4xf32> {
      %sin = arith.constant dense<0.5> : tensor<2x2xf32>
      %y = ost.rope %x, %cos, %sin : tensor<1x2x1x4xf32>, tensor<2x2xf32>, tensor<2x2xf32>
      return %y : tensor<1x2x1x4xf32>
    })mlir");
  ASSERT_TRUE(m);
  Executor executor(*m);
  Tensor x = randomTensor({1, 2, 1, 4}, 59), cos = randomTensor({2, 2}, 60);
  std::string diags = diagnosticsOf([&] {
    ASSERT_TRUE(succeeded(executor.runRecorded("f", {x, cos})));
    EXPECT_TRUE(failed(executor.backward({x})));
  });
  EXPECT_NE(diags.find("'ost.rope' cannot differentiate with respect to the "
                       "cos/sin tables"),
            std::string::npos)
      << diags;
}

} // namespace
