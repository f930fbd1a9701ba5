//===- ThreadPool.h - the persistent threads of a session -------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A fixed set of worker threads created once per session; the thread that
// calls parallelFor takes part as thread 0. Work is split statically: chunk
// c of [0, n) (items [c·grain, min((c+1)·grain, n))) always runs, whole, on
// thread c mod T, where T = min(threads, chunks). The chunk boundaries
// depend only on n and the grain, so a kernel that computes each chunk
// deterministically gives the same bits with any number of threads.
//
// Idle workers spin briefly for the next loop (a decode step issues many
// small ones) and then sleep on a condition variable; no thread is created
// after construction.
//
//   auto pool = std::make_unique<ThreadPool>(0);   // one thread per core
//   pool->parallelFor(rows, 16, [&](int64_t begin, int64_t end) { ... });
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_THREADPOOL_H
#define OST_RUNTIME_MODEL_THREADPOOL_H

#include "ost/runtime/kernels/Parallel.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace ost::runtime {

class ThreadPool {
public:
  /// Starts `threads − 1` workers (the caller of parallelFor is the last
  /// thread). 0 means std::thread::hardware_concurrency() (at least 1).
  explicit ThreadPool(unsigned threads = 0);
  /// Stops and joins the workers. No parallelFor may be running.
  ~ThreadPool();

  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// Threads that run chunks, the caller included (>= 1).
  unsigned getNumThreads() const {
    return static_cast<unsigned>(workers.size()) + 1;
  }

  /// Calls fn(begin, end) once for every chunk [c·grain, min((c+1)·grain,
  /// n)) of [0, n) (grain < 1 counts as 1) and returns when all are done.
  /// Chunk c runs on thread c mod min(threads, chunks), the caller being
  /// thread 0. A call made while this pool is busy (from inside a chunk, or
  /// from another thread) runs its chunks in order on the calling thread.
  void parallelFor(int64_t n, int64_t grain, kernels::ChunkFn fn);

  /// The same, so that a ThreadPool can be passed as a
  /// kernels::ParallelFor.
  void operator()(int64_t n, int64_t grain, kernels::ChunkFn fn) {
    parallelFor(n, grain, fn);
  }

private:
  struct Job {
    kernels::ChunkFn *fn = nullptr;
    int64_t n = 0, grain = 1, chunks = 0;
    unsigned active = 0;
  };

  void workerLoop(unsigned index);
  /// Runs the chunks of `job` that belong to thread `index`.
  static void runShare(const Job &job, unsigned index);

  std::vector<std::thread> workers;
  /// Set while a parallelFor owns the workers.
  std::atomic<bool> busy{false};
  /// The current job; written by the caller before `generation` moves.
  Job job;
  /// Incremented once per job (and at shutdown) to wake the workers.
  std::atomic<uint64_t> generation{0};
  /// Workers that have not finished the current job.
  std::atomic<unsigned> pending{0};
  /// Workers sleeping on wakeCv; whether the caller sleeps on doneCv.
  std::atomic<unsigned> sleepers{0};
  std::atomic<bool> callerSleeping{false};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable wakeCv, doneCv;
};

} // namespace ost::runtime

#endif // OST_RUNTIME_MODEL_THREADPOOL_H
