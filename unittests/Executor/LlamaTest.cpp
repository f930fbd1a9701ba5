//===- LlamaTest.cpp - a LLaMA-like function end to end -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A generated decoder (embedding → rms_norm → q/k/v → RoPE → GQA attention →
// o_proj → residual → SwiGLU MLP → residual → final norm → head) checked
// against a naive implementation, and a larger fake-quantized one checked
// for bit-identical results across thread counts.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "llvm/Support/FormatVariadic.h"

#include <chrono>
#include <cstdio>
#include <random>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

namespace {

struct LlamaConfig {
  int64_t layers = 1, vocab = 32, dim = 16, headsQ = 4, headsKV = 2,
          headDim = 4, inter = 24, seq = 6;
  /// Fake-quantize activations (per token, 4-bit) and K/V (per head), and
  /// put an online Hadamard before down_proj, as in a W4A4KV4 model.
  bool quantize = false;
  /// Declare the sequence length as `?`.
  bool dynamicSeq = false;
};

struct LayerWeights {
  Tensor g1, wq, wk, wv, wo, g2, wg, wu, wd;
};

struct LlamaWeights {
  Tensor emb, gFinal, head;
  std::vector<LayerWeights> layers;
};

LlamaWeights randomWeights(const LlamaConfig &c, unsigned seed) {
  LlamaWeights w;
  float s = 1.0f / std::sqrt(float(c.dim));
  w.emb = randomTensor({c.vocab, c.dim}, seed++);
  w.gFinal = randomTensor({c.dim}, seed++, 0.5f, 1.5f);
  w.head = randomTensor({c.vocab, c.dim}, seed++, -s, s);
  for (int64_t l = 0; l < c.layers; ++l) {
    LayerWeights lw;
    lw.g1 = randomTensor({c.dim}, seed++, 0.5f, 1.5f);
    lw.wq = randomTensor({c.headsQ * c.headDim, c.dim}, seed++, -s, s);
    lw.wk = randomTensor({c.headsKV * c.headDim, c.dim}, seed++, -s, s);
    lw.wv = randomTensor({c.headsKV * c.headDim, c.dim}, seed++, -s, s);
    lw.wo = randomTensor({c.dim, c.headsQ * c.headDim}, seed++, -s, s);
    lw.g2 = randomTensor({c.dim}, seed++, 0.5f, 1.5f);
    lw.wg = randomTensor({c.inter, c.dim}, seed++, -s, s);
    lw.wu = randomTensor({c.inter, c.dim}, seed++, -s, s);
    float si = 1.0f / std::sqrt(float(c.inter));
    lw.wd = randomTensor({c.dim, c.inter}, seed++, -si, si);
    w.layers.push_back(std::move(lw));
  }
  return w;
}

/// The function @llama(ids, cos, sin, emb, g_final, head, per layer: g1, wq,
/// wk, wv, wo, g2, wg, wu, wd) -> logits.
std::string buildLlamaIR(const LlamaConfig &c) {
  std::string t = c.dynamicSeq ? "?" : std::to_string(c.seq);
  auto act = [&](int64_t d) {
    return llvm::formatv("tensor<1x{0}x{1}xf32>", t, d).str();
  };
  auto heads = [&](int64_t h) {
    return llvm::formatv("tensor<1x{0}x{1}x{2}xf32>", t, h, c.headDim).str();
  };
  auto mat = [](int64_t r, int64_t k) {
    return llvm::formatv("tensor<{0}x{1}xf32>", r, k).str();
  };
  auto vec = [](int64_t n) {
    return llvm::formatv("tensor<{0}xf32>", n).str();
  };
  std::string table = llvm::formatv("tensor<{0}x{1}xf32>", t, c.headDim / 2);
  int64_t dq = c.headsQ * c.headDim, dkv = c.headsKV * c.headDim;

  std::string args = llvm::formatv(
      "%ids: tensor<1x{0}xi64>, %cos: {1}, %sin: {1}, %emb: {2}, %gf: {3}, "
      "%head: {2}",
      t, table, mat(c.vocab, c.dim), vec(c.dim));
  for (int64_t l = 0; l < c.layers; ++l)
    args += llvm::formatv(
        ", %g1_{0}: {1}, %wq_{0}: {2}, %wk_{0}: {3}, %wv_{0}: {3}, "
        "%wo_{0}: {4}, %g2_{0}: {1}, %wg_{0}: {5}, %wu_{0}: {5}, %wd_{0}: {6}",
        l, vec(c.dim), mat(dq, c.dim), mat(dkv, c.dim), mat(c.dim, dq),
        mat(c.inter, c.dim), mat(c.dim, c.inter));

  std::string body = llvm::formatv(R"mlir(
    %c1 = arith.constant 1 : index
    %T = tensor.dim %ids, %c1 : tensor<1x{0}xi64>
    %h_0 = ost.embedding %emb[%ids] : {1}, tensor<1x{0}xi64> -> {2}
)mlir",
                                   t, mat(c.vocab, c.dim), act(c.dim));
  std::string actQuant = "#ost.qspec<4, asym, per_token>";
  std::string kvQuant =
      llvm::formatv("#ost.qspec<4, asym, per_token, group = {0}>", c.headDim);
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string n1 = llvm::formatv("%n1_{0}", l);
    std::string layer = llvm::formatv(R"mlir(
    %n1_{0} = ost.rms_norm %h_{0} weight %g1_{0} : {1}, {2}
)mlir",
                                      l, act(c.dim), vec(c.dim));
    std::string n1Use = n1;
    if (c.quantize) {
      layer += llvm::formatv("    %n1q_{0} = ost.fake_quant %n1_{0} {{spec = "
                             "{1}} : {2}\n",
                             l, actQuant, act(c.dim));
      n1Use = llvm::formatv("%n1q_{0}", l);
    }
    layer += llvm::formatv(R"mlir(
    %q_{0} = ost.linear {1}, %wq_{0} : {2}, {3} -> {4}
    %k_{0} = ost.linear {1}, %wk_{0} : {2}, {5} -> {6}
    %v_{0} = ost.linear {1}, %wv_{0} : {2}, {5} -> {6}
)mlir",
                           l, n1Use, act(c.dim), mat(dq, c.dim), act(dq),
                           mat(dkv, c.dim), act(dkv));
    std::string vName = llvm::formatv("%v_{0}", l);
    if (c.quantize) {
      layer += llvm::formatv("    %vq_{0} = ost.fake_quant %v_{0} {{spec = "
                             "{1}} : {2}\n",
                             l, kvQuant, act(dkv));
      vName = llvm::formatv("%vq_{0}", l);
    }
    layer += llvm::formatv(R"mlir(
    %q4_{0} = tensor.expand_shape %q_{0} [[0], [1], [2, 3]] output_shape [1, %T, {1}, {2}] : {3} into {4}
    %k4_{0} = tensor.expand_shape %k_{0} [[0], [1], [2, 3]] output_shape [1, %T, {5}, {2}] : {6} into {7}
    %v4_{0} = tensor.expand_shape {8} [[0], [1], [2, 3]] output_shape [1, %T, {5}, {2}] : {6} into {7}
    %qr_{0} = ost.rope %q4_{0}, %cos, %sin : {4}, {9}, {9}
    %kr_{0} = ost.rope %k4_{0}, %cos, %sin : {7}, {9}, {9}
)mlir",
                           l, c.headsQ, c.headDim, act(dq), heads(c.headsQ),
                           c.headsKV, act(dkv), heads(c.headsKV), vName,
                           table);
    std::string kName = llvm::formatv("%kr_{0}", l);
    if (c.quantize) {
      layer += llvm::formatv(
          "    %kh_{0} = ost.online_hadamard %kr_{0} : {1}\n"
          "    %qh_{0} = ost.online_hadamard %qr_{0} : {2}\n"
          "    %kq_{0} = ost.fake_quant %kh_{0} {{spec = {3}} : {1}\n",
          l, heads(c.headsKV), heads(c.headsQ), kvQuant);
      kName = llvm::formatv("%kq_{0}", l);
    }
    std::string qName = llvm::formatv(c.quantize ? "%qh_{0}" : "%qr_{0}", l);
    layer += llvm::formatv(R"mlir(
    %a_{0} = ost.attention {1}, {2}, %v4_{0} {{causal} : {3}, {4}, {4}
    %a2_{0} = tensor.collapse_shape %a_{0} [[0], [1], [2, 3]] : {3} into {5}
)mlir",
                           l, qName, kName, heads(c.headsQ), heads(c.headsKV),
                           act(dq));
    std::string aName = llvm::formatv("%a2_{0}", l);
    if (c.quantize) {
      layer += llvm::formatv("    %aq_{0} = ost.fake_quant %a2_{0} {{spec = "
                             "#ost.qspec<4, asym, per_token, group = {1}>} : "
                             "{2}\n",
                             l, c.headDim, act(dq));
      aName = llvm::formatv("%aq_{0}", l);
    }
    layer += llvm::formatv(R"mlir(
    %o_{0} = ost.linear {1}, %wo_{0} : {2}, {3} -> {4}
    %r_{0} = ost.add %h_{0}, %o_{0} : {4}
    %n2_{0} = ost.rms_norm %r_{0} weight %g2_{0} : {4}, {5}
)mlir",
                           l, aName, act(dq), mat(c.dim, dq), act(c.dim),
                           vec(c.dim));
    std::string n2Use = llvm::formatv("%n2_{0}", l);
    if (c.quantize) {
      layer += llvm::formatv("    %n2q_{0} = ost.fake_quant %n2_{0} {{spec = "
                             "{1}} : {2}\n",
                             l, actQuant, act(c.dim));
      n2Use = llvm::formatv("%n2q_{0}", l);
    }
    layer += llvm::formatv(R"mlir(
    %g_{0} = ost.linear {1}, %wg_{0} : {2}, {3} -> {4}
    %u_{0} = ost.linear {1}, %wu_{0} : {2}, {3} -> {4}
    %sg_{0} = ost.silu %g_{0} : {4}
    %m_{0} = ost.mul %sg_{0}, %u_{0} : {4}
)mlir",
                           l, n2Use, act(c.dim), mat(c.inter, c.dim),
                           act(c.inter));
    std::string mName = llvm::formatv("%m_{0}", l);
    if (c.quantize) {
      layer += llvm::formatv(
          "    %mh_{0} = ost.online_hadamard %m_{0} : {1}\n"
          "    %mq_{0} = ost.fake_quant %mh_{0} {{spec = {2}} : {1}\n",
          l, act(c.inter), actQuant);
      mName = llvm::formatv("%mq_{0}", l);
    }
    layer += llvm::formatv(R"mlir(
    %d_{0} = ost.linear {1}, %wd_{0} : {2}, {3} -> {4}
    %h_{5} = ost.add %r_{0}, %d_{0} : {4}
)mlir",
                           l, mName, act(c.inter), mat(c.dim, c.inter),
                           act(c.dim), l + 1);
    body += layer;
  }
  body += llvm::formatv(R"mlir(
    %nf = ost.rms_norm %h_{0} weight %gf : {1}, {2}
    %logits = ost.lm_head %nf, %head : {1}, {3} -> {4}
    return %logits : {4}
)mlir",
                        c.layers, act(c.dim), vec(c.dim),
                        mat(c.vocab, c.dim), act(c.vocab));
  return "func.func @llama(" + args + ") -> " + act(c.vocab) + " {" + body +
         "}";
}

SmallVector<Tensor> llamaInputs(const LlamaConfig &c, const LlamaWeights &w,
                                const Tensor &ids) {
  auto [cos, sin] = ropeTables(c.seq, c.headDim);
  SmallVector<Tensor> in = {ids, cos, sin, w.emb, w.gFinal, w.head};
  for (const LayerWeights &lw : w.layers)
    in.append({lw.g1, lw.wq, lw.wk, lw.wv, lw.wo, lw.g2, lw.wg, lw.wu, lw.wd});
  return in;
}

Tensor randomIds(const LlamaConfig &c, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int64_t> dist(0, c.vocab - 1);
  std::vector<int64_t> ids(c.seq);
  for (int64_t &id : ids)
    id = dist(gen);
  return intTensor({1, c.seq}, ids);
}

/// The same model with the naive references (no quantization).
Tensor naiveLlama(const LlamaConfig &c, const LlamaWeights &w,
                  const Tensor &ids) {
  auto [cos, sin] = ropeTables(c.seq, c.headDim);
  Tensor h({1, c.seq, c.dim});
  for (int64_t t = 0; t < c.seq; ++t)
    for (int64_t i = 0; i < c.dim; ++i)
      h.getFloatData()[t * c.dim + i] =
          w.emb.getFloats()[ids.getInt(t) * c.dim + i];
  for (const LayerWeights &lw : w.layers) {
    Tensor n1 = naiveRmsNorm(h, &lw.g1, 1e-5);
    Tensor q = naiveLinear(n1, lw.wq, nullptr);
    Tensor k = naiveLinear(n1, lw.wk, nullptr);
    Tensor v = naiveLinear(n1, lw.wv, nullptr);
    EXPECT_TRUE(q.reshape({1, c.seq, c.headsQ, c.headDim}));
    EXPECT_TRUE(k.reshape({1, c.seq, c.headsKV, c.headDim}));
    EXPECT_TRUE(v.reshape({1, c.seq, c.headsKV, c.headDim}));
    Tensor a = naiveAttention(naiveRope(q, cos, sin, false),
                              naiveRope(k, cos, sin, false), v, nullptr, true,
                              1.0 / std::sqrt(double(c.headDim)));
    EXPECT_TRUE(a.reshape({1, c.seq, c.headsQ * c.headDim}));
    Tensor o = naiveLinear(a, lw.wo, nullptr);
    for (int64_t i = 0; i < h.getNumElements(); ++i)
      h.getFloatData()[i] += o.getFloats()[i];
    Tensor n2 = naiveRmsNorm(h, &lw.g2, 1e-5);
    Tensor g = naiveSilu(naiveLinear(n2, lw.wg, nullptr));
    Tensor u = naiveLinear(n2, lw.wu, nullptr);
    for (int64_t i = 0; i < g.getNumElements(); ++i)
      g.getFloatData()[i] *= u.getFloats()[i];
    Tensor d = naiveLinear(g, lw.wd, nullptr);
    for (int64_t i = 0; i < h.getNumElements(); ++i)
      h.getFloatData()[i] += d.getFloats()[i];
  }
  return naiveLinear(naiveRmsNorm(h, &w.gFinal, 1e-5), w.head, nullptr);
}

using LlamaTest = ExecutorTest;

TEST_F(LlamaTest, OneLayerMatchesNaiveImplementation) {
  for (bool dynamicSeq : {false, true}) {
    LlamaConfig c;
    c.dynamicSeq = dynamicSeq;
    OwningOpRef<ModuleOp> m = parse(buildLlamaIR(c));
    ASSERT_TRUE(m);
    LlamaWeights w = randomWeights(c, 100);
    Tensor ids = randomIds(c, 101);
    SmallVector<Tensor> r = run(*m, "llama", llamaInputs(c, w, ids));
    ASSERT_EQ(r.size(), 1u);
    expectClose(r[0], naiveLlama(c, w, ids), 1e-4, 1e-4);
  }
}

TEST_F(LlamaTest, MultiThreadedRunIsBitIdentical) {
  // 64-dim, 5 layers, 512 tokens, W4A4KV4-style fake quantization.
  LlamaConfig c;
  c.layers = 5;
  c.vocab = 256;
  c.dim = 64;
  c.headsQ = 4;
  c.headsKV = 2;
  c.headDim = 16;
  c.inter = 172;
  c.seq = 512;
  c.quantize = true;
  c.dynamicSeq = true;
  OwningOpRef<ModuleOp> m = parse(buildLlamaIR(c));
  ASSERT_TRUE(m);
  LlamaWeights w = randomWeights(c, 200);
  SmallVector<Tensor> inputs = llamaInputs(c, w, randomIds(c, 201));

  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  SmallVector<Tensor> results;
  for (unsigned threads : {1u, 4u}) {
    ExecutorOptions options;
    options.numThreads = threads;
    options.checkFinite = true;
    Executor executor(*m, options);
    auto start = std::chrono::steady_clock::now();
    FailureOr<SmallVector<Tensor>> r = executor.run("llama", inputs);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    ASSERT_TRUE(succeeded(r)) << diagnostics;
    std::printf("[ perf     ] 5-layer 64-dim forward of 512 tokens, %u "
                "thread(s): %.1f ms\n",
                threads, ms);
    results.push_back(std::move((*r)[0]));
  }
  EXPECT_TRUE(results[0].bitwiseEquals(results[1]));
}

} // namespace
