//===- BenchCommand.cpp - prefill/decode throughput of a compiled model ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// `NAME bench` prints `<figure>: <value>` lines:
//  - prefill_tokens_per_s: one forward of --prompt-tokens tokens on an empty
//    cache with the logits of every row (what a perplexity window does);
//    prefill_last_tokens_per_s: the same with the last row's logits only
//    (what generation does before its first decode step);
//  - decode_tokens_per_s: --decode-tokens single-token steps after that
//    prompt (last-row logits);
//  - copy_bandwidth_gbs: a multi-threaded memcpy of a buffer of at least
//    1 GiB (far beyond any cache) with the same thread count, counting read
//    + write bytes (2 x size / time), as bench/int4 and docs/Kernels.md do;
//  - decode_weight_gbs = weight_bytes x decode_tokens_per_s / 1e9, the
//    weight bytes a decode step reads per second, and
//    decode_bandwidth_fraction = decode_weight_gbs / copy_bandwidth_gbs
//    (docs/Kernels.md's "fraction of memcpy"; see docs/Codegen.md).
// Token ids are deterministic: id(i) = (i * 7919 + 1) mod vocab. Each figure
// is the best of --repeat runs.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include <unistd.h>

namespace ost::runtime {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Best (smallest) seconds of `repeat` calls of `fn`.
template <typename Fn> double bestOf(int64_t repeat, Fn fn) {
  double best = 1e300;
  for (int64_t r = 0; r < repeat; ++r) {
    auto start = Clock::now();
    fn();
    best = std::min(best, secondsSince(start));
  }
  return best;
}

/// memcpy of `bytes` by `threads` threads, each a contiguous 4 KiB-aligned
/// slice; read + write traffic in GB/s, best of `repeat` after a first touch.
double copyBandwidth(size_t bytes, unsigned threads, int64_t repeat) {
  std::vector<char> src(bytes), dst(bytes);
  std::memset(src.data(), 1, bytes);
  std::memset(dst.data(), 2, bytes);
  size_t slice = (bytes / threads + 4095) / 4096 * 4096;
  auto copy = [&] {
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t) {
      size_t begin = std::min(bytes, t * slice);
      size_t end = std::min(bytes, begin + slice);
      workers.emplace_back([&, begin, end] {
        std::memcpy(dst.data() + begin, src.data() + begin, end - begin);
      });
    }
    std::memcpy(dst.data(), src.data(), std::min(bytes, slice));
    for (std::thread &w : workers)
      w.join();
  };
  double seconds = bestOf(std::max<int64_t>(repeat, 5), copy);
  return 2.0 * static_cast<double>(bytes) / seconds / 1e9;
}

/// The machine's physical memory in MiB, 0 if unknown.
int64_t physicalMemoryMiB() {
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || pageSize <= 0)
    return 0;
  return static_cast<int64_t>(pages) * pageSize >> 20;
}

} // namespace

int runBench(const ostrt_model_info &info, const Options &options) {
  int64_t threads = 0, promptTokens = 0, decodeTokens = 0, repeat = 0,
          copyMiB = 0;
  if (!options.getInt("num-threads", 0, 0, 4096, threads) ||
      !options.getInt("prompt-tokens", 512, 1, INT64_MAX, promptTokens) ||
      !options.getInt("decode-tokens", 64, 1, INT64_MAX, decodeTokens) ||
      !options.getInt("repeat", 3, 1, 1000, repeat) ||
      !options.getInt("copy-mib", 1024, 1, 1 << 20, copyMiB))
    return 1;
  int64_t memoryMiB = physicalMemoryMiB();
  if (memoryMiB > 0 && 2 * copyMiB > memoryMiB)
    return reportError("--copy-mib " + std::to_string(copyMiB) +
                       " needs two buffers of that size, more than this "
                       "machine's " +
                       std::to_string(memoryMiB) + " MiB of memory");
  // Not promptTokens + decodeTokens, which can overflow (max_positions > 0).
  if (promptTokens > info.max_positions - decodeTokens)
    return reportError(
        "--prompt-tokens " + std::to_string(promptTokens) +
        " + --decode-tokens " + std::to_string(decodeTokens) +
        " exceed the model's " + std::to_string(info.max_positions) +
        " positions");
  SessionPtr session = openSession(info, threads);
  if (!session)
    return 1;
  unsigned numThreads =
      static_cast<unsigned>(ostrt_session_num_threads(session.get()));
  int64_t vocab = info.vocab_size, total = promptTokens + decodeTokens;
  std::vector<int32_t> ids(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i)
    ids[i] = static_cast<int32_t>((i * 7919 + 1) % vocab);
  std::vector<float> logits(static_cast<size_t>(promptTokens * vocab));
  ostrt_context *s = session.get();

  bool ok = true;
  auto prefill = [&](bool allRows) {
    ostrt_session_reset(s);
    ok = ok && forward(s, ids.data(), promptTokens, logits.data(), allRows);
  };
  double prefillAll = bestOf(repeat, [&] { prefill(true); });
  double prefillLast = bestOf(repeat, [&] { prefill(false); });
  double decode = 1e300;
  for (int64_t r = 0; r < repeat && ok; ++r) {
    prefill(false);
    auto start = Clock::now();
    for (int64_t t = promptTokens; t < total && ok; ++t)
      ok = forward(s, &ids[t], 1, logits.data(), false);
    decode = std::min(decode, secondsSince(start));
  }
  if (!ok)
    return 1;
  session.reset(); // free the cache before the copy buffers

  size_t copyBytes = static_cast<size_t>(copyMiB) << 20;
  double copyGbs = copyBandwidth(copyBytes, numThreads, repeat);
  double decodeRate = decodeTokens / decode;
  double weightGbs = static_cast<double>(info.weight_bytes) * decodeRate / 1e9;
  std::printf("model: %s\n", info.description ? info.description : "");
  std::printf("threads: %u\n", numThreads);
  std::printf("prompt_tokens: %lld\n", static_cast<long long>(promptTokens));
  std::printf("decode_tokens: %lld\n", static_cast<long long>(decodeTokens));
  std::printf("repeat: %lld\n", static_cast<long long>(repeat));
  std::printf("prefill_ms: %.3f\n", prefillAll * 1e3);
  std::printf("prefill_tokens_per_s: %.2f\n", promptTokens / prefillAll);
  std::printf("prefill_last_ms: %.3f\n", prefillLast * 1e3);
  std::printf("prefill_last_tokens_per_s: %.2f\n", promptTokens / prefillLast);
  std::printf("decode_ms_per_token: %.3f\n", decode / decodeTokens * 1e3);
  std::printf("decode_tokens_per_s: %.2f\n", decodeRate);
  std::printf("weight_bytes: %lld\n", static_cast<long long>(info.weight_bytes));
  std::printf("copy_bytes: %zu\n", copyBytes);
  std::printf("copy_bandwidth_convention: read+write (2 x copy_bytes / time)\n");
  std::printf("copy_bandwidth_gbs: %.2f\n", copyGbs);
  std::printf("decode_weight_gbs: %.3f\n", weightGbs);
  std::printf("decode_bandwidth_fraction: %.3f\n", weightGbs / copyGbs);
  return 0;
}

} // namespace ost::runtime
