//===- ThreadPool.cpp - the persistent threads of a session ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Hand-off protocol: the caller writes the job, stores `pending` and bumps
// `generation`; workers that see the new generation run their share and
// decrement `pending`. The caller publishes a new job only after `pending`
// reached 0, so no worker can miss or repeat one. Sleeping is Dekker-style:
// a worker registers in `sleepers` under the mutex before re-checking the
// generation, and the caller checks `sleepers` after bumping it (both
// sequentially consistent), so one of them always sees the other; the same
// holds for the caller sleeping on `pending`.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include <algorithm>
#include <chrono>

namespace ost::runtime {

namespace {

/// What an idle thread does between two checks.
inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

/// How long an idle thread spins before it sleeps.
constexpr std::chrono::microseconds kSpinTime(200);

/// Spins until done() or kSpinTime has passed; returns done(). After a
/// short pure spin it yields the core between checks, so that on an
/// oversubscribed machine the thread it waits for can run.
template <typename Done> bool spinUntil(Done done) {
  auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1;; ++i) {
    if (done())
      return true;
    if (i < 1024) {
      cpuRelax();
      continue;
    }
    std::this_thread::yield();
    if (i % 16 == 0 && std::chrono::steady_clock::now() - start > kSpinTime)
      return done();
  }
}

/// The pool whose worker this thread is (null on other threads).
thread_local const ThreadPool *currentWorkerPool = nullptr;

} // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  workers.reserve(threads - 1);
  for (unsigned i = 1; i < threads; ++i)
    workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  stopping.store(true);
  generation.fetch_add(1);
  {
    std::lock_guard<std::mutex> lock(mutex);
    wakeCv.notify_all();
  }
  for (std::thread &t : workers)
    t.join();
}

void ThreadPool::runShare(const Job &job, unsigned index) {
  for (int64_t c = index; c < job.chunks; c += job.active)
    (*job.fn)(c * job.grain, std::min(job.n, (c + 1) * job.grain));
}

void ThreadPool::workerLoop(unsigned index) {
  currentWorkerPool = this;
  uint64_t seen = 0;
  for (;;) {
    if (!spinUntil([&] { return generation.load() != seen; })) {
      std::unique_lock<std::mutex> lock(mutex);
      sleepers.fetch_add(1);
      wakeCv.wait(lock, [&] { return generation.load() != seen; });
      sleepers.fetch_sub(1);
    }
    seen = generation.load();
    if (stopping.load())
      return;
    runShare(job, index);
    if (pending.fetch_sub(1) == 1 && callerSleeping.load()) {
      std::lock_guard<std::mutex> lock(mutex);
      doneCv.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, kernels::ChunkFn fn) {
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = kernels::getNumChunks(n, grain);
  if (chunks == 0)
    return;
  if (workers.empty() || chunks == 1 || currentWorkerPool == this ||
      busy.exchange(true)) {
    kernels::runSerially(n, grain, fn);
    return;
  }
  job.fn = &fn;
  job.n = n;
  job.grain = grain;
  job.chunks = chunks;
  job.active =
      static_cast<unsigned>(std::min<int64_t>(getNumThreads(), chunks));
  pending.store(static_cast<unsigned>(workers.size()));
  generation.fetch_add(1);
  if (sleepers.load() > 0) {
    std::lock_guard<std::mutex> lock(mutex);
    wakeCv.notify_all();
  }
  runShare(job, 0);
  if (!spinUntil([&] { return pending.load() == 0; })) {
    std::unique_lock<std::mutex> lock(mutex);
    callerSleeping.store(true);
    doneCv.wait(lock, [&] { return pending.load() == 0; });
    callerSleeping.store(false);
  }
  busy.store(false);
}

} // namespace ost::runtime
