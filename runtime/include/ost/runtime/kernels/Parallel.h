//===- Parallel.h - how the CPU kernels split their work --------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The kernels never create threads themselves: they cut their work into
// chunks whose boundaries depend only on the problem size and hand them to a
// ParallelFor, which decides where the chunks run (the model runtime passes
// its persistent ThreadPool; runSerially runs them in order on the caller).
// Every chunk is computed the same way whatever thread runs it, so results
// never depend on the thread count.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_KERNELS_PARALLEL_H
#define OST_RUNTIME_KERNELS_PARALLEL_H

#include <cstdint>
#include <type_traits>
#include <utility>

namespace ost::runtime::kernels {

/// A non-owning reference to a callable (like llvm::function_ref): cheap to
/// copy, valid while the referenced callable lives.
template <typename Fn> class FunctionRef;

template <typename Ret, typename... Params> class FunctionRef<Ret(Params...)> {
public:
  template <
      typename Callable,
      typename = std::enable_if_t<!std::is_same_v<
          std::remove_cv_t<std::remove_reference_t<Callable>>, FunctionRef>>>
  FunctionRef(Callable &&callable)
      : callback(&invoke<std::remove_reference_t<Callable>>),
        object(reinterpret_cast<intptr_t>(&callable)) {}

  Ret operator()(Params... params) const {
    return callback(object, std::forward<Params>(params)...);
  }

private:
  // The address of a function object or of a function (as
  // llvm::function_ref keeps it).
  template <typename Callable>
  static Ret invoke(intptr_t object, Params... params) {
    return (*reinterpret_cast<Callable *>(object))(
        std::forward<Params>(params)...);
  }

  Ret (*callback)(intptr_t, Params...);
  intptr_t object;
};

/// The work of one chunk: items [begin, end).
using ChunkFn = FunctionRef<void(int64_t begin, int64_t end)>;

/// Runs fn once for every chunk [c·grain, min((c+1)·grain, n)) of [0, n)
/// (grain >= 1), possibly concurrently, and returns when all are done.
using ParallelFor = FunctionRef<void(int64_t n, int64_t grain, ChunkFn fn)>;

/// A ParallelFor that runs the chunks in order on the calling thread.
void runSerially(int64_t n, int64_t grain, ChunkFn fn);

/// A ParallelFor on `numThreads` threads created for the call (the caller is
/// one of them; chunk c runs on thread c mod numThreads). What the
/// numThreads overloads of Int4Kernels.h use; long-lived code should pass a
/// persistent pool instead.
class NewThreadsParallelFor {
public:
  explicit NewThreadsParallelFor(unsigned numThreads)
      : numThreads(numThreads) {}
  void operator()(int64_t n, int64_t grain, ChunkFn fn) const;

private:
  unsigned numThreads;
};

/// Number of chunks of [0, n) with the given grain.
inline int64_t getNumChunks(int64_t n, int64_t grain) {
  return n <= 0 ? 0 : (n + grain - 1) / grain;
}

} // namespace ost::runtime::kernels

#endif // OST_RUNTIME_KERNELS_PARALLEL_H
