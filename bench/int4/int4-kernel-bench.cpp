//===- int4-kernel-bench.cpp - throughput of the CPU int4 kernels ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//   ost-int4-kernel-bench [--threads N] [--isa auto|scalar|avx2|avx512]
//
// Prints `<figure>: <value>` lines for LLaMA-2-7B MLP shapes:
//  - decode GEMV (1 × 4096 · 4096 × 11008): weight bytes read per second by
//    qgemmW4A16 and by W4A4 (quantizePerTokenAsym4 + qgemmW4A4), against a
//    memcpy's read + write traffic measured in the same run, and speedups over
//    OpenBLAS sgemv on the float32 weight;
//  - prefill GEMM (512 tokens · 4096 × 4096): GFLOP/s-equivalent
//    (2·M·N·K / time) and speedups over OpenBLAS sgemm;
//  - the same W4A4 GEMV and GEMM with activation scales per group of 128
//    channels (the o_proj input of METHOD §6), through the weight-view API.
// OpenBLAS runs with the same thread count as the kernels. Times are the
// median of several runs after a warm-up.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace ost::runtime::kernels;

namespace {

/// Median seconds of `reps` calls of fn after one warm-up call.
template <typename Fn> double timeMedian(int reps, Fn fn) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void check(const Status &s) {
  if (!s.ok()) {
    std::fprintf(stderr, "ost-int4-kernel-bench: %s\n", s.error.c_str());
    std::exit(1);
  }
}

/// A random int4 weight [n, k] in IR form, its float32 dequantization and
/// its kernel layout.
struct Weight {
  std::vector<float> dense;
  PackedWeight packed;
};

Weight makeWeight(int64_t n, int64_t k) {
  std::mt19937 gen(1);
  std::vector<uint8_t> bytes(static_cast<size_t>(n * k / 2));
  for (uint8_t &b : bytes)
    b = static_cast<uint8_t>(gen());
  std::vector<float> scales(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    scales[i] = 0.01f + 0.001f * static_cast<float>(i % 17);
  Weight w;
  w.dense.resize(static_cast<size_t>(n * k));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < k; ++i) {
      int level = (((bytes[(r * k + i) / 2] >> ((i % 2) * 4)) & 0xF) ^ 8) - 8;
      w.dense[r * k + i] = static_cast<float>(level) * scales[r];
    }
  check(packWeightInt4(bytes.data(), scales.data(), n, k, w.packed));
  return w;
}

std::vector<float> randomFloats(size_t n) {
  std::mt19937 gen(2);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(gen);
  return v;
}

} // namespace

int main(int argc, char **argv) {
  unsigned threads = 1;
  Isa isa = Isa::Auto;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = static_cast<unsigned>(std::max(1, std::atoi(argv[++i])));
    } else if (arg == "--isa" && i + 1 < argc) {
      std::string name = argv[++i];
      isa = name == "scalar"   ? Isa::Scalar
            : name == "avx2"   ? Isa::Avx2
            : name == "avx512" ? Isa::Avx512
                               : Isa::Auto;
    } else {
      std::fprintf(stderr, "usage: ost-int4-kernel-bench [--threads N] "
                           "[--isa auto|scalar|avx2|avx512]\n");
      return 1;
    }
  }
  if (isa == Isa::Auto)
    isa = getBestIsa();
  if (!isIsaSupported(isa)) {
    std::fprintf(stderr,
                 "ost-int4-kernel-bench: this cpu does not support "
                 "the %s kernels\n",
                 getIsaName(isa));
    return 1;
  }
  openblas_set_num_threads(static_cast<int>(threads));
  std::printf("isa: %s\n", getIsaName(isa));
  std::printf("threads: %u\n", threads);

  // Decode: GEMV 1 × 4096 · (11008 × 4096)ᵀ.
  {
    const int64_t n = 11008, k = 4096;
    Weight w = makeWeight(n, k);
    std::vector<float> x = randomFloats(k), y(n);
    size_t denseBytes = w.dense.size() * sizeof(float);
    std::vector<char> src(denseBytes, 1), dst(denseBytes);
    double tCopy =
        timeMedian(5, [&] { std::memcpy(dst.data(), src.data(), denseBytes); });
    // memcpy reads and writes every byte: its memory traffic is 2·size.
    double copyGBs = 2.0 * denseBytes / tCopy / 1e9;
    double weightBytes = static_cast<double>(n) * k / 2;
    double tSgemv = timeMedian(10, [&] {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, w.dense.data(), k,
                  x.data(), 1, 0.0f, y.data(), 1);
    });
    double tA16 = timeMedian(20, [&] {
      check(qgemmW4A16(x.data(), 1, w.packed, y.data(), threads, isa));
    });
    std::vector<uint8_t> q(k);
    float sa;
    int32_t zp;
    double tA4 = timeMedian(20, [&] {
      check(quantizePerTokenAsym4(x.data(), 1, k, q.data(), &sa, &zp));
      check(qgemmW4A4(q.data(), &sa, &zp, 1, w.packed, y.data(), threads, isa));
    });
    std::printf("memcpy_read_write_gb_per_s: %.2f\n", copyGBs);
    std::printf("gemv_sgemv_f32_ms: %.3f\n", tSgemv * 1e3);
    std::printf("gemv_sgemv_f32_weight_gb_per_s: %.2f\n",
                denseBytes / tSgemv / 1e9);
    std::printf("gemv_w4a16_ms: %.3f\n", tA16 * 1e3);
    std::printf("gemv_w4a16_weight_gb_per_s: %.2f\n", weightBytes / tA16 / 1e9);
    std::printf("gemv_w4a16_fraction_of_memcpy: %.3f\n",
                weightBytes / tA16 / 1e9 / copyGBs);
    std::printf("gemv_w4a16_speedup_vs_sgemv: %.2f\n", tSgemv / tA16);
    std::printf("gemv_w4a4_ms: %.3f\n", tA4 * 1e3);
    std::printf("gemv_w4a4_weight_gb_per_s: %.2f\n", weightBytes / tA4 / 1e9);
    std::printf("gemv_w4a4_fraction_of_memcpy: %.3f\n",
                weightBytes / tA4 / 1e9 / copyGBs);
    std::printf("gemv_w4a4_speedup_vs_sgemv: %.2f\n", tSgemv / tA4);

    // Groups of 128: the quantizer sees each group as a row.
    const int64_t group = 128, groups = k / group;
    std::vector<int32_t> sums;
    check(computeGroupSums(w.packed, group, sums));
    PackedWeightView view = w.packed.getView();
    view.groupSums = sums.data();
    view.groupSize = group;
    std::vector<float> sg(groups);
    std::vector<int32_t> zg(groups);
    QuantizedActivations qa;
    qa.levels = q.data();
    qa.scales = sg.data();
    qa.zeroPoints = zg.data();
    qa.rows = 1;
    qa.k = k;
    qa.groupSize = group;
    NewThreadsParallelFor parallel(threads);
    double tG = timeMedian(20, [&] {
      check(quantizePerTokenAsym4(x.data(), groups, group, q.data(), sg.data(),
                                  zg.data()));
      check(qgemmW4A4(qa, view, nullptr, y.data(), parallel, isa));
    });
    std::printf("gemv_w4a4_g128_ms: %.3f\n", tG * 1e3);
    std::printf("gemv_w4a4_g128_weight_gb_per_s: %.2f\n",
                weightBytes / tG / 1e9);
    std::printf("gemv_w4a4_g128_fraction_of_memcpy: %.3f\n",
                weightBytes / tG / 1e9 / copyGBs);
  }

  // Prefill: GEMM 512 × 4096 · (4096 × 4096)ᵀ.
  {
    const int64_t m = 512, n = 4096, k = 4096;
    Weight w = makeWeight(n, k);
    std::vector<float> x = randomFloats(static_cast<size_t>(m * k));
    std::vector<float> y(static_cast<size_t>(m * n));
    double flops = 2.0 * m * n * k;
    double tSgemm = timeMedian(3, [&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                  x.data(), k, w.dense.data(), k, 0.0f, y.data(), n);
    });
    double tA16 = timeMedian(3, [&] {
      check(qgemmW4A16(x.data(), m, w.packed, y.data(), threads, isa));
    });
    std::vector<uint8_t> q(static_cast<size_t>(m * k));
    std::vector<float> sa(m);
    std::vector<int32_t> zp(m);
    double tA4 = timeMedian(3, [&] {
      check(quantizePerTokenAsym4(x.data(), m, k, q.data(), sa.data(),
                                  zp.data()));
      check(qgemmW4A4(q.data(), sa.data(), zp.data(), m, w.packed, y.data(),
                      threads, isa));
    });
    std::printf("prefill_sgemm_f32_gflop_per_s: %.2f\n", flops / tSgemm / 1e9);
    std::printf("prefill_w4a16_gflop_per_s: %.2f\n", flops / tA16 / 1e9);
    std::printf("prefill_w4a16_speedup_vs_sgemm: %.2f\n", tSgemm / tA16);
    std::printf("prefill_w4a4_gop_per_s: %.2f\n", flops / tA4 / 1e9);
    std::printf("prefill_w4a4_speedup_vs_sgemm: %.2f\n", tSgemm / tA4);

    const int64_t group = 128, groups = k / group;
    std::vector<int32_t> sums;
    check(computeGroupSums(w.packed, group, sums));
    PackedWeightView view = w.packed.getView();
    view.groupSums = sums.data();
    view.groupSize = group;
    std::vector<float> sg(static_cast<size_t>(m * groups));
    std::vector<int32_t> zg(static_cast<size_t>(m * groups));
    QuantizedActivations qa;
    qa.levels = q.data();
    qa.scales = sg.data();
    qa.zeroPoints = zg.data();
    qa.rows = m;
    qa.k = k;
    qa.groupSize = group;
    NewThreadsParallelFor parallel(threads);
    double tG = timeMedian(3, [&] {
      check(quantizePerTokenAsym4(x.data(), m * groups, group, q.data(),
                                  sg.data(), zg.data()));
      check(qgemmW4A4(qa, view, nullptr, y.data(), parallel, isa));
    });
    std::printf("prefill_w4a4_g128_gop_per_s: %.2f\n", flops / tG / 1e9);
    std::printf("prefill_w4a4_g128_speedup_vs_sgemm: %.2f\n", tSgemm / tG);
  }
  return 0;
}
