//===- ExecutorTestUtils.cpp - shared helpers of the executor tests -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ExecutorTestUtils.h"

#include "ost/InitAll.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"

#include <cmath>
#include <complex>
#include <functional>
#include <cstdio>
#include <limits>
#include <random>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::test;

ExecutorTest::ExecutorTest() {
  DialectRegistry registry;
  registerAllDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
}

OwningOpRef<ModuleOp> ExecutorTest::parse(StringRef ir) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(ir, &context);
  if (!module)
    ADD_FAILURE() << "cannot parse the test IR:\n" << diagnostics;
  return module;
}

SmallVector<Tensor> ExecutorTest::run(ModuleOp module, StringRef function,
                                      ArrayRef<Tensor> inputs,
                                      const ExecutorOptions &options) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagnostics += diag.str() + "\n";
    return success();
  });
  FailureOr<SmallVector<Tensor>> results =
      executeFunction(module, function, inputs, options);
  if (failed(results)) {
    ADD_FAILURE() << "execution of @" << function.str()
                  << " failed:\n" << diagnostics;
    return {};
  }
  return std::move(*results);
}

std::string ExecutorTest::runExpectingError(ModuleOp module,
                                            StringRef function,
                                            ArrayRef<Tensor> inputs,
                                            const ExecutorOptions &options) {
  std::string diagnostics;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag.str() << "\n";
    return success();
  });
  FailureOr<SmallVector<Tensor>> results =
      executeFunction(module, function, inputs, options);
  if (succeeded(results))
    ADD_FAILURE() << "execution of @" << function.str()
                  << " succeeded but an error was expected";
  return diagnostics;
}

Tensor mlir::ost::test::randomTensor(ArrayRef<int64_t> shape, unsigned seed,
                                     float lo, float hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  Tensor t(shape);
  for (float &v : t.getFloats())
    v = dist(gen);
  return t;
}

Tensor mlir::ost::test::randomOrthogonal(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist;
  std::vector<double> m(n * n);
  for (double &v : m)
    v = dist(gen);
  // Modified Gram–Schmidt on the rows.
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < i; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < n; ++c)
        dot += m[i * n + c] * m[j * n + c];
      for (int64_t c = 0; c < n; ++c)
        m[i * n + c] -= dot * m[j * n + c];
    }
    double norm = 0;
    for (int64_t c = 0; c < n; ++c)
      norm += m[i * n + c] * m[i * n + c];
    norm = std::sqrt(norm);
    for (int64_t c = 0; c < n; ++c)
      m[i * n + c] /= norm;
  }
  Tensor t({n, n});
  for (int64_t i = 0; i < n * n; ++i)
    t.getFloatData()[i] = static_cast<float>(m[i]);
  return t;
}

Tensor mlir::ost::test::intTensor(ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> values) {
  return Tensor::fromInts(shape, values, DType::I64);
}

std::string mlir::ost::test::denseLiteral(const Tensor &t) {
  ArrayRef<float> values = t.getFloats();
  ArrayRef<int64_t> shape = t.getShape();
  auto number = [&](int64_t i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.9g", values[i]);
    std::string text(buf);
    // Integral values need a decimal point to parse as floats.
    if (text.find_first_of(".ein") == std::string::npos)
      text += ".0";
    return text;
  };
  // Nested brackets, one level per dimension.
  std::function<std::string(int64_t, int64_t)> emit = [&](int64_t dim,
                                                          int64_t offset) {
    if (dim == t.getRank())
      return number(offset);
    int64_t stride = 1;
    for (int64_t d = dim + 1; d < t.getRank(); ++d)
      stride *= shape[d];
    std::string s = "[";
    for (int64_t i = 0; i < shape[dim]; ++i)
      s += (i ? ", " : "") + emit(dim + 1, offset + i * stride);
    return s + "]";
  };
  std::string type = "tensor<";
  for (int64_t d : shape)
    type += std::to_string(d) + "x";
  return "dense<" + emit(0, 0) + "> : " + type + "f32>";
}

void mlir::ost::test::expectClose(const Tensor &actual, const Tensor &expected,
                                  double atol, double rtol) {
  ASSERT_EQ(actual.getShape(), expected.getShape());
  ArrayRef<float> a = actual.getFloats(), e = expected.getFloats();
  double worst = 0;
  int64_t worstIndex = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    double diff = std::fabs(double(a[i]) - double(e[i]));
    double allowed = atol + rtol * std::fabs(double(e[i]));
    if (!(diff <= allowed) && (worstIndex < 0 || diff > worst)) {
      worst = diff;
      worstIndex = i;
    }
  }
  EXPECT_LT(worstIndex, 0) << "worst mismatch at flat index " << worstIndex
                           << ": " << (worstIndex >= 0 ? a[worstIndex] : 0)
                           << " vs " << (worstIndex >= 0 ? e[worstIndex] : 0);
}

//===----------------------------------------------------------------------===//
// Naive references
//===----------------------------------------------------------------------===//

Tensor mlir::ost::test::naiveLinear(const Tensor &x, const Tensor &w,
                                    const Tensor *bias) {
  int64_t k = x.getDimSize(-1), n = w.getDimSize(0), m = x.getNumRows();
  SmallVector<int64_t> shape(x.getShape());
  shape.back() = n;
  Tensor y(shape);
  for (int64_t r = 0; r < m; ++r)
    for (int64_t j = 0; j < n; ++j) {
      double acc = bias ? bias->getFloats()[j] : 0.0;
      for (int64_t c = 0; c < k; ++c)
        acc += double(x.getFloats()[r * k + c]) * w.getFloats()[j * k + c];
      y.getFloatData()[r * n + j] = float(acc);
    }
  return y;
}

Tensor mlir::ost::test::naiveRmsNorm(const Tensor &x, const Tensor *weight,
                                     double eps) {
  int64_t d = x.getDimSize(-1);
  Tensor y(x.getShape());
  for (int64_t r = 0; r < x.getNumRows(); ++r) {
    double ss = 0;
    for (int64_t i = 0; i < d; ++i)
      ss += double(x.getFloats()[r * d + i]) * x.getFloats()[r * d + i];
    double inv = 1.0 / std::sqrt(ss / d + eps);
    for (int64_t i = 0; i < d; ++i)
      y.getFloatData()[r * d + i] =
          float(x.getFloats()[r * d + i] * inv *
                (weight ? weight->getFloats()[i] : 1.0));
  }
  return y;
}

Tensor mlir::ost::test::naiveRope(const Tensor &x, const Tensor &cos,
                                  const Tensor &sin, bool interleaved) {
  int64_t b = x.getDimSize(0), t = x.getDimSize(1), h = x.getDimSize(2),
          d = x.getDimSize(3), half = d / 2;
  Tensor y(x.getShape());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t ti = 0; ti < t; ++ti)
      for (int64_t hi = 0; hi < h; ++hi)
        for (int64_t i = 0; i < half; ++i) {
          int64_t row = cos.getRank() == 3 ? bi * t + ti : ti;
          // The pair as a complex number, rotated by e^{iθ}.
          std::complex<double> rot(cos.getFloats()[row * half + i],
                                   sin.getFloats()[row * half + i]);
          int64_t base = ((bi * t + ti) * h + hi) * d;
          int64_t ia = interleaved ? 2 * i : i;
          int64_t ib = interleaved ? 2 * i + 1 : i + half;
          std::complex<double> z(x.getFloats()[base + ia],
                                 x.getFloats()[base + ib]);
          std::complex<double> r = z * rot;
          y.getFloatData()[base + ia] = float(r.real());
          y.getFloatData()[base + ib] = float(r.imag());
        }
  return y;
}

Tensor mlir::ost::test::naiveAttention(const Tensor &q, const Tensor &k,
                                       const Tensor &v, const Tensor *mask,
                                       bool causal, double scale) {
  int64_t b = q.getDimSize(0), t = q.getDimSize(1), hq = q.getDimSize(2),
          d = q.getDimSize(3), s = k.getDimSize(1), hkv = k.getDimSize(2);
  Tensor o(q.getShape());
  for (int64_t bi = 0; bi < b; ++bi)
    for (int64_t h = 0; h < hq; ++h) {
      int64_t kvh = h / (hq / hkv);
      for (int64_t ti = 0; ti < t; ++ti) {
        std::vector<double> scores(s, -std::numeric_limits<double>::infinity());
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t si = 0; si < s; ++si) {
          if (causal && si > ti + (s - t))
            continue;
          double dot = 0;
          for (int64_t c = 0; c < d; ++c)
            dot += double(q.getFloats()[((bi * t + ti) * hq + h) * d + c]) *
                   k.getFloats()[((bi * s + si) * hkv + kvh) * d + c];
          dot *= scale;
          if (mask)
            dot += mask->getRank() == 2
                       ? mask->getFloats()[ti * s + si]
                       : mask->getFloats()[(bi * t + ti) * s + si];
          scores[si] = dot;
          mx = std::max(mx, dot);
        }
        double sum = 0;
        for (double &sc : scores) {
          sc = std::isinf(sc) ? 0.0 : std::exp(sc - mx);
          sum += sc;
        }
        for (int64_t c = 0; c < d; ++c) {
          double acc = 0;
          for (int64_t si = 0; si < s; ++si)
            acc += scores[si] / sum *
                   v.getFloats()[((bi * s + si) * hkv + kvh) * d + c];
          o.getFloatData()[((bi * t + ti) * hq + h) * d + c] = float(acc);
        }
      }
    }
  return o;
}

Tensor mlir::ost::test::naiveSilu(const Tensor &x) {
  Tensor y(x.getShape());
  for (int64_t i = 0; i < x.getNumElements(); ++i) {
    double v = x.getFloats()[i];
    y.getFloatData()[i] = float(v / (1.0 + std::exp(-v)));
  }
  return y;
}

Tensor mlir::ost::test::naiveMatmulLast(const Tensor &x, const Tensor &m) {
  int64_t k = x.getDimSize(-1), n = m.getDimSize(1);
  SmallVector<int64_t> shape(x.getShape());
  shape.back() = n;
  Tensor y(shape);
  for (int64_t r = 0; r < x.getNumRows(); ++r)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t c = 0; c < k; ++c)
        acc += double(x.getFloats()[r * k + c]) * m.getFloats()[c * n + j];
      y.getFloatData()[r * n + j] = float(acc);
    }
  return y;
}

std::pair<Tensor, Tensor> mlir::ost::test::ropeTables(int64_t seq,
                                                      int64_t headDim,
                                                      double base) {
  int64_t half = headDim / 2;
  Tensor c({seq, half}), s({seq, half});
  for (int64_t t = 0; t < seq; ++t)
    for (int64_t i = 0; i < half; ++i) {
      double theta = t * std::pow(base, -2.0 * i / headDim);
      c.getFloatData()[t * half + i] = float(std::cos(theta));
      s.getFloatData()[t * half + i] = float(std::sin(theta));
    }
  return {c, s};
}
