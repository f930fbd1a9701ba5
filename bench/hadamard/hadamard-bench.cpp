//===- hadamard-bench.cpp - throughput of the online Hadamard -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//   ost-hadamard-bench
//
// Times applyHadamardToRows (float, one thread) for MLP sizes of real
// models and prints `<figure>: <value>` lines: milliseconds per call and the
// K×K factor's multiply-accumulate rate.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include <chrono>
#include <cstdio>
#include <vector>

int main() {
  struct Case {
    long n, rows;
    const char *what;
  } cases[] = {{172, 512, "stories260K_mlp"},
               {344, 512, "k172_m2"},
               {11008, 64, "llama2_7b_mlp"},
               {14336, 64, "llama3_8b_mlp"}};
  for (const Case &c : cases) {
    std::vector<float> x(static_cast<size_t>(c.rows) * c.n);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = static_cast<float>(i * 37 % 101) * 0.01f;
    mlir::ost::applyHadamardToRows(x.data(), c.rows, c.n, false); // warm up
    const int reps = 20;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
      mlir::ost::applyHadamardToRows(x.data(), c.rows, c.n, r & 1);
    double secs = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - t0)
                      .count() /
                  reps;
    long k = mlir::ost::getHadamardFactor(c.n).value_or(1);
    std::printf("%s_n%ld_rows%ld_ms: %.3f\n", c.what, c.n, c.rows, secs * 1e3);
    std::printf("%s_kxk_gmac_per_s: %.2f\n", c.what,
                static_cast<double>(c.rows) * c.n * k / secs / 1e9);
  }
  return 0;
}
