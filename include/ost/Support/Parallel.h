//===- Parallel.h - deterministic parallel loops ----------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A minimal parallel-for on std::thread, shared by the executor kernels, the
// optimizers and GPTQ. Work is cut into chunks whose boundaries depend only
// on the problem size and the grain, never on the thread count, so code that
// computes each chunk deterministically gives bit-identical results with 1
// or N threads. Multi-threaded OpenBLAS changes its blocking (and rounding)
// with its thread count, so BLAS calls made from these loops run OpenBLAS on
// one thread (ScopedSingleThreadedBlas).
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_PARALLEL_H
#define OST_SUPPORT_PARALLEL_H

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>

namespace mlir::ost {

/// Calls fn(begin, end) for every chunk [c·grain, min((c+1)·grain, n)) of
/// [0, n), on up to `numThreads` threads (the caller's thread included).
/// Chunks run concurrently, so fn must only write chunk-private data.
void parallelFor(int64_t n, int64_t grain, unsigned numThreads,
                 llvm::function_ref<void(int64_t begin, int64_t end)> fn);

/// Sets OpenBLAS to one thread for the guard's lifetime and restores the
/// previous setting. Code that calls OpenBLAS from its own threads holds one
/// guard around the whole parallel region, so that no thread restores the
/// setting while another still computes.
class ScopedSingleThreadedBlas {
public:
  ScopedSingleThreadedBlas();
  ~ScopedSingleThreadedBlas();
  ScopedSingleThreadedBlas(const ScopedSingleThreadedBlas &) = delete;
  ScopedSingleThreadedBlas &operator=(const ScopedSingleThreadedBlas &) =
      delete;

private:
  int previous;
};

} // namespace mlir::ost

#endif // OST_SUPPORT_PARALLEL_H
