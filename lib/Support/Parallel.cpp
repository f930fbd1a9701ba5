//===- Parallel.cpp - deterministic parallel loops ------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Parallel.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

void mlir::ost::parallelFor(int64_t n, int64_t grain, unsigned numThreads,
                            llvm::function_ref<void(int64_t, int64_t)> fn) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t numChunks = (n + grain - 1) / grain;
  int64_t workers = std::min<int64_t>(std::max(numThreads, 1u), numChunks);
  auto runChunk = [&](int64_t c) {
    int64_t begin = c * grain;
    fn(begin, std::min(begin + grain, n));
  };
  if (workers <= 1) {
    for (int64_t c = 0; c < numChunks; ++c)
      runChunk(c);
    return;
  }
  // Chunks are handed out dynamically; which thread runs a chunk does not
  // change what the chunk computes.
  std::atomic<int64_t> next{0};
  auto worker = [&] {
    for (int64_t c = next.fetch_add(1); c < numChunks; c = next.fetch_add(1))
      runChunk(c);
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (int64_t i = 1; i < workers; ++i)
    threads.emplace_back(worker);
  worker();
  for (std::thread &t : threads)
    t.join();
}

mlir::ost::ScopedSingleThreadedBlas::ScopedSingleThreadedBlas()
    : previous(openblas_get_num_threads()) {
  if (previous != 1)
    openblas_set_num_threads(1);
}

mlir::ost::ScopedSingleThreadedBlas::~ScopedSingleThreadedBlas() {
  if (previous != 1)
    openblas_set_num_threads(previous);
}
