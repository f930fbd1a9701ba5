//===- Parallel.cpp - serial and thread-per-call ParallelFors -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Parallel.h"

#include <algorithm>
#include <thread>
#include <vector>

namespace ost::runtime::kernels {

void runSerially(int64_t n, int64_t grain, ChunkFn fn) {
  for (int64_t begin = 0; begin < n; begin += grain)
    fn(begin, std::min(n, begin + grain));
}

void NewThreadsParallelFor::operator()(int64_t n, int64_t grain,
                                       ChunkFn fn) const {
  int64_t chunks = getNumChunks(n, grain);
  unsigned threads = static_cast<unsigned>(
      std::min<int64_t>(std::max(1u, numThreads), chunks));
  auto worker = [&](unsigned t) {
    for (int64_t c = t; c < chunks; c += threads)
      fn(c * grain, std::min(n, (c + 1) * grain));
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker, t);
  if (threads > 0)
    worker(0);
  for (std::thread &th : pool)
    th.join();
}

} // namespace ost::runtime::kernels
