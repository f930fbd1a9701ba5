//===- Threading.h - parallel loops of the executor kernels -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Grains and a deterministic row reduction on ost/Support/Parallel.h. Work is cut into chunks whose
// boundaries depend only on the problem size and the grain, never on the
// thread count, so a kernel that computes each chunk deterministically gives
// bit-identical results with 1 or N threads.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_EXECUTOR_THREADING_H
#define OST_LIB_EXECUTOR_THREADING_H

#include "ost/Support/Parallel.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>

namespace mlir::ost::detail {

using ::mlir::ost::parallelFor;
using ::mlir::ost::ScopedSingleThreadedBlas;

/// A grain (>= 1) such that a chunk costs about `targetCost` when one item
/// costs `itemCost`.
int64_t grainFor(int64_t itemCost, int64_t targetCost = int64_t(1) << 16);

/// Column sums out[j] = Σ_r term(r, j) of a rows × cols problem. `addRows`
/// adds the terms of rows [begin, end) to a zeroed float64 accumulator of
/// `cols` entries; rows are cut into chunks that depend only on the sizes
/// and the chunk sums are added in order, so the result is bit-identical for
/// any thread count.
void accumulateRows(
    int64_t rows, int64_t cols, unsigned numThreads,
    llvm::function_ref<void(int64_t begin, int64_t end, double *acc)> addRows,
    double *out);

} // namespace mlir::ost::detail

#endif // OST_LIB_EXECUTOR_THREADING_H
